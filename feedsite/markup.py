"""Markdown → HTML, plain-text summaries, and absolute URLs for feeds.

Whatever a body holds, the links and images Markdown makes of it are harmless: a URL outside the
allow-list (feedsite.urls.allowed_url) is dropped from its element (`[x](javascript:…)` renders as
`<a>x</a>`), and so is any event-handler attribute (`{: onclick=…}` through attr_list). Raw HTML in a
body is the author's own and is kept, unless `markdown.raw_html = false`: then the whole rendered
body is sanitized by nh3 (sanitize_body) to the formatting Markdown makes.
"""

from __future__ import annotations

import functools
import hashlib
import html
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from feedsite.plain_markdown import SAFE_EXTENSIONS, plain_html
from feedsite.urls import allowed_url

_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_TAG = re.compile(r"<[^>]+>")
_URL_ATTR = re.compile(r"""(\s(?:href|src|poster)\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.I)
_SRCSET = re.compile(r"""(\ssrcset\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.I)


# Attributes that hold a URL a browser may follow or load.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "poster", "cite", "background", "data", "longdesc",
     "lowsrc", "dynsrc", "ping", "codebase", "manifest", "icon", "xlink:href", "srcset"}
)  # fmt: skip


def is_harmful(name: str, value: str) -> bool:
    """An event handler (on…), or a URL attribute with a URL the allow-list refuses (as a browser
    reads it: character references decoded; each candidate of a srcset)."""
    name = name.lower()
    if name.startswith("on"):
        return True
    if name not in URL_ATTRIBUTES:
        return False
    text = html.unescape(value)
    urls = [c.split()[0] for c in text.split(",") if c.strip()] if name == "srcset" else [text]
    return not all(allowed_url(url) for url in urls)


def _safe_links() -> Any:
    """A Python-Markdown extension: the last tree step drops harmful attributes (is_harmful) from
    every element Markdown made. An element that had none is serialized exactly as before."""
    from markdown.extensions import Extension
    from markdown.treeprocessors import Treeprocessor

    class SafeLinks(Treeprocessor):  # type: ignore[misc]
        def run(self, root: Any) -> None:
            for element in root.iter():
                for name in [n for n, v in element.items() if is_harmful(n, v)]:
                    del element.attrib[name]

    class SafeLinksExtension(Extension):  # type: ignore[misc]
        def extendMarkdown(self, md: Any) -> None:  # noqa: N802 (Python-Markdown's name)
            md.treeprocessors.register(SafeLinks(md), "feedsite_safe_links", -100)  # after unescape

    return SafeLinksExtension()


BODY_TAGS = frozenset(
    {"a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del",
     "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
     "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small",
     "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time",
     "tr", "u", "ul", "var"}
)  # fmt: skip
BODY_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan", "align", "style"},
    "th": {"colspan", "rowspan", "align", "style"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "time": {"datetime"},
}
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math", "textarea",
     "select", "title", "frameset", "noembed", "noframes", "xmp", "plaintext"}
)  # fmt: skip


def sanitize_body(fragment: str) -> str:
    """A rendered body cut down to the formatting Markdown makes (`markdown.raw_html = false`):
    nh3's allowlist, http/https/mailto and relative URLs only, scripts and styles gone with their
    content, table alignment the only style kept."""
    import nh3

    cleaned: str = nh3.clean(
        fragment,
        tags=set(BODY_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={k: set(v) for k, v in BODY_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        filter_style_properties={"text-align"},
        link_rel=None,
    )
    return cleaned


class Renderer:
    """A reusable Python-Markdown converter with the site's extensions (and _safe_links). The plainest
    bodies are rendered without it, to the same bytes (feedsite/plain_markdown.py). With raw_html
    False, what Python-Markdown made is sanitized (sanitize_body); the plain path makes nothing to
    sanitize."""

    def __init__(self, extensions: tuple[str, ...], raw_html: bool = True) -> None:
        self._extensions = extensions
        self._plain = SAFE_EXTENSIONS.issuperset(extensions)
        self._raw_html = raw_html

    @functools.cached_property
    def _md(self) -> Any:
        import markdown  # here, not at the top: a rebuild with nothing to render never needs it

        return markdown.Markdown(extensions=[*self._extensions, _safe_links()], output_format="html")

    def __call__(self, text: str) -> str:
        if self._plain:
            quick = plain_html(text)
            if quick is not None:
                return quick
        self._md.reset()
        try:
            html: str = self._md.convert(text)
        except BaseException:
            # A conversion cut off (a body nested too deeply, an interrupt) can leave Python-Markdown's
            # instance half-way through its state: the next body gets a fresh one.
            del self.__dict__["_md"]
            raise
        return html if self._raw_html else sanitize_body(html)


def plain_text(fragment: str) -> str:
    """HTML fragment → one line of plain text."""
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def first_paragraph(body_html: str) -> str:
    """The plain text of the first non-empty paragraph, for a default summary."""
    for match in _PARAGRAPH.finditer(body_html):
        text = plain_text(match.group(1))
        if text:
            return text
    return ""


_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
_AS_IS = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:[^&<>\"'\s]*")  # absolute, nothing to unescape or escape
_NAME_LENGTHS = (4, 3, 6)  # of the names _URL_ATTR knows: href, src, poster


def absolutize(fragment: str, page_url: str) -> str:
    """Make every href/src/srcset in an HTML fragment absolute against the page's URL."""

    def fix(url: str) -> str:
        if _AS_IS.fullmatch(url):  # most links: the same as what the lines below make of it
            return url
        url = html.unescape(url).strip()
        if _SCHEME.match(url):  # has a scheme: already absolute
            return html.escape(url, quote=True)
        try:
            return html.escape(urljoin(page_url, url), quote=True)  # "#frag" too: page_url + "#frag"
        except ValueError:  # no URL at all ("//[x]/": a bracketed host must be an IPv6 address)
            return html.escape(url, quote=True)

    def srcset(match: re.Match[str]) -> str:
        value = match.group(2) if match.group(2) is not None else match.group(3)
        parts = []
        for candidate in html.unescape(value).split(","):
            words = candidate.split()
            if words:
                parts.append(" ".join([fix(words[0]), *words[1:]]))
        return f'{match.group(1)}"{", ".join(parts)}"'

    out: list[str] = []
    done = 0  # fragment[:done] is in out
    for match in _url_attributes(fragment):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        out += (fragment[done : match.start()], match.group(1), '"', fix(value), '"')
        done = match.end()
    if done:
        out.append(fragment[done:])
        fragment = "".join(out)
    if "srcset" not in fragment.lower():  # nearly every body: one quick look instead of a search
        return fragment
    return _SRCSET.sub(srcset, fragment)


def _url_attributes(fragment: str) -> Iterator[re.Match[str]]:
    """What _URL_ATTR.finditer(fragment) finds, found faster: every match holds an "=" just after
    the attribute's name (and white space), so only the few places an "=" shows are tried, with
    each name's length, instead of every white space character of the text."""
    at = 0  # where the next match may start: after the last one
    equals = fragment.find("=")
    while equals >= 0:
        end = equals
        while end > at and fragment[end - 1].isspace():  # \s*, as the regex takes it
            end -= 1
        found = None
        for length in _NAME_LENGTHS:
            start = end - length - 1
            if start >= at:
                found = _URL_ATTR.match(fragment, start)
                if found is not None:
                    break
        if found is None:
            equals = fragment.find("=", equals + 1)
            continue
        yield found
        at = found.end()
        equals = fragment.find("=", at)


@functools.cache
def markdown_release() -> str:
    """What tells one Python-Markdown release from another: its __meta__.py, which holds the version."""
    spec = importlib.util.find_spec("markdown")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        try:
            return hashlib.sha256((Path(folder) / "__meta__.py").read_bytes()).hexdigest()
        except OSError:
            continue
    import markdown

    return str(markdown.__version__)
