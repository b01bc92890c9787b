"""Markdown → HTML, plain-text summaries, and absolute URLs for feeds."""

from __future__ import annotations

import functools
import hashlib
import html
import importlib.util
import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from feedsite.plain_markdown import SAFE_EXTENSIONS, plain_html

_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_TAG = re.compile(r"<[^>]+>")
_URL_ATTR = re.compile(r"""(\s(?:href|src|poster)\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.I)
_SRCSET = re.compile(r"""(\ssrcset\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.I)


class Renderer:
    """A reusable Python-Markdown converter with the site's extensions. The plainest bodies are
    rendered without it, to the same bytes (feedsite/plain_markdown.py)."""

    def __init__(self, extensions: tuple[str, ...]) -> None:
        self._extensions = extensions
        self._plain = SAFE_EXTENSIONS.issuperset(extensions)

    @functools.cached_property
    def _md(self) -> Any:
        import markdown  # here, not at the top: a rebuild with nothing to render never needs it

        return markdown.Markdown(extensions=list(self._extensions), output_format="html")

    def __call__(self, text: str) -> str:
        if self._plain:
            quick = plain_html(text)
            if quick is not None:
                return quick
        self._md.reset()
        html: str = self._md.convert(text)
        return html


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


def absolutize(fragment: str, page_url: str) -> str:
    """Make every href/src/srcset in an HTML fragment absolute against the page's URL."""

    def fix(url: str) -> str:
        url = html.unescape(url).strip()
        if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", url):  # has a scheme: already absolute
            return html.escape(url, quote=True)
        return html.escape(urljoin(page_url, url), quote=True)  # "#frag" too: page_url + "#frag"

    def attr(match: re.Match[str]) -> str:
        value = match.group(2) if match.group(2) is not None else match.group(3)
        return f'{match.group(1)}"{fix(value)}"'

    def srcset(match: re.Match[str]) -> str:
        value = match.group(2) if match.group(2) is not None else match.group(3)
        parts = []
        for candidate in html.unescape(value).split(","):
            words = candidate.split()
            if words:
                parts.append(" ".join([fix(words[0]), *words[1:]]))
        return f'{match.group(1)}"{", ".join(parts)}"'

    fragment = _URL_ATTR.sub(attr, fragment)
    if "srcset" not in fragment.lower():  # nearly every body: one quick look instead of a search
        return fragment
    return _SRCSET.sub(srcset, fragment)


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
