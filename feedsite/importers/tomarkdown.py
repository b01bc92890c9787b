"""Sanitized HTML → Markdown, and escaping so plain text reads as written.

The HTML is first cleaned by nh3 (an allowlist sanitizer: no scripts, styles, event handlers,
`javascript:` URLs or iframes survive it); the converter below then emits Markdown only for the
elements it knows, so no raw HTML ever reaches an entry.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html
import nh3
from lxml import etree

from feedsite.urls import SAFE_SCHEMES, allowed_url

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dfn", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section", "small",
    "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr",
    "u", "ul", "var",
}  # fmt: skip
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template",
                        "svg", "math", "form", "button", "select", "textarea", "canvas", "audio",
                        "video", "title"}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


def sanitize(html: str) -> str:
    """An HTML fragment with only harmless tags, attributes and URLs (nh3 / ammonia)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ATTRIBUTES,
        url_schemes=set(SAFE_SCHEMES),
        link_rel=None,
    )


# ---- escaping ----------------------------------------------------------------------------

_INLINE = re.compile(r"([\\`*_\[\]])")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY = re.compile(r"&(?=#\d+;|#[xX][0-9A-Fa-f]+;|[A-Za-z][A-Za-z0-9]*;)")
_BLOCK_START = re.compile(r"^(#|>|[-+*](?=\s|$)|\d+(?=[.)](?:\s|$))|\[|=+\s*$|:(?=\s))")
_RULE = re.compile(r"^([-*_])(\s*\1){2,}\s*$")


def escape_html(text: str) -> str:
    """Keep `<tag` and `&name;` in text from turning into HTML."""
    return _TAG_START.sub("&lt;", _ENTITY.sub("&amp;", text))


def escape_line_start(line: str, markup: bool = False) -> str:
    """Escape what would make a line a heading, quote, list, rule or link definition.

    With `markup`, the line is Markdown made by the converter, whose text is already escaped by
    escape_text: a `[` there opens a link or a linked image, and stays as it is."""
    line = line.lstrip()
    if _RULE.match(line):
        return "\\" + line
    match = _BLOCK_START.match(line)
    if not match or (markup and match.group(1) == "["):
        return line
    token = match.group(1)
    if token[0].isdigit():
        end = len(token)
        return line[:end] + "\\" + line[end:]
    if token[0] in "=:":
        return "&#" + str(ord(token[0])) + ";" + line[1:]
    return "\\" + line


def escape_text(text: str) -> str:
    """Plain text as Markdown that renders exactly this text (inline markup escaped too)."""
    return escape_html(_INLINE.sub(r"\\\1", text))


# ---- HTML → Markdown ---------------------------------------------------------------------

BLOCKS = {"address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt",
          "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
          "li", "main", "ol", "p", "pre", "section", "summary", "table", "ul", "caption",
          "tbody", "thead", "tfoot", "tr", "td", "th", "body", "html"}  # fmt: skip
_WS = re.compile(r"[ \t\n\r\f\v]+")


class Converter:
    """Walks an lxml tree and returns Markdown blocks joined by blank lines."""

    def __init__(self, base_url: str = "", skip_image: str = "") -> None:
        self.base_url = base_url
        self.skip_image = skip_image

    def url(self, value: str | None) -> str:
        value = (value or "").strip()
        if not value:
            return ""
        try:
            value = urljoin(self.base_url, value) if self.base_url else value
        except ValueError:  # no URL at all ("https://[x]/": a bracketed host must be an IPv6 address)
            return ""
        if not allowed_url(value):  # the one allow-list, which also refuses what cannot be parsed
            return ""
        return value.replace(" ", "%20").replace("(", "%28").replace(")", "%29")

    # inline ---------------------------------------------------------------------------
    def inline(self, el: etree._Element) -> str:
        parts: list[str] = []
        if el.text:
            parts.append(escape_text(_WS.sub(" ", el.text)))
        for child in el:
            if isinstance(child.tag, str):
                parts.append(self.inline_element(child))
            if child.tail:
                parts.append(escape_text(_WS.sub(" ", child.tail)))
        return "".join(parts)

    def inline_element(self, el: etree._Element) -> str:
        tag = el.tag
        if tag == "br":
            return "  \n"
        if tag in ("em", "i", "cite", "dfn", "var"):
            return _wrap(self.inline(el), "*")
        if tag in ("strong", "b"):
            return _wrap(self.inline(el), "**")
        if tag in ("code", "kbd", "samp"):
            return _code_span(el.text_content())
        if tag == "a":
            text = self.inline(el)
            href = self.url(el.get("href"))
            if not href or not text.strip():
                return text
            return f"[{text.strip()}]({href})"
        if tag == "img":
            src = self.url(el.get("src"))
            if not src or src == self.skip_image or not src.startswith(("http", "/")):
                return ""
            return f"![{escape_text(_WS.sub(' ', el.get('alt') or '')).strip()}]({src})"
        if tag == "q":
            return "“" + self.inline(el) + "”"
        return self.inline(el)

    # blocks ---------------------------------------------------------------------------
    def blocks(self, el: etree._Element) -> list[str]:
        """The Markdown blocks of a container: inline runs become paragraphs."""
        out: list[str] = []
        run: list[str] = []

        def flush() -> None:
            text = _paragraph("".join(run))
            if text:
                out.append(text)
            run.clear()

        if el.text:
            run.append(escape_text(_WS.sub(" ", el.text)))
        for child in el:
            if isinstance(child.tag, str):
                if child.tag in BLOCKS:
                    flush()
                    out.extend(self.block(child))
                else:
                    run.append(self.inline_element(child))
            if child.tail:
                run.append(escape_text(_WS.sub(" ", child.tail)))
        flush()
        return out

    def block(self, el: etree._Element) -> list[str]:
        tag = el.tag
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = _WS.sub(" ", self.inline(el).replace("  \n", " ")).strip()
            level = max(2, int(tag[1]))
            return [f"{'#' * level} {text.rstrip('#')}"] if text else []
        if tag == "p":
            text = _paragraph(self.inline(el))
            return [text] if text else []
        if tag == "hr":
            return ["---"]
        if tag == "pre":
            return [_fence(el.text_content())]
        if tag in ("ul", "ol"):
            return self.list_block(el)
        if tag == "blockquote":
            inner = "\n\n".join(self.blocks(el))
            return ["\n".join(("> " + line).rstrip() for line in inner.split("\n"))] if inner else []
        if tag == "table":
            return self.table(el)
        return self.blocks(el)

    def list_block(self, el: etree._Element) -> list[str]:
        ordered = el.tag == "ol"
        start = int(el.get("start", "1")) if re.fullmatch("[0-9]{1,9}", el.get("start") or "") else 1
        items: list[str] = []
        for number, li in enumerate((c for c in el if c.tag == "li"), start):
            marker = f"{number}. " if ordered else "- "
            inner = "\n\n".join(self.blocks(li)) or ""
            lines = inner.split("\n")
            first = lines[0]
            rest = ["    " + line if line else "" for line in lines[1:]]
            items.append("\n".join([marker + first, *rest]).rstrip())
        return ["\n".join(items)] if items else []

    def table(self, el: etree._Element) -> list[str]:
        rows = []
        for tr in el.iter("tr"):
            cells = [
                _WS.sub(" ", self.inline(c).replace("  \n", " ")).strip().replace("|", "\\|")
                for c in tr
                if c.tag in ("td", "th")
            ]
            if cells:
                rows.append(cells)
        if not rows:
            return []
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return ["\n".join(lines)]


def _wrap(text: str, mark: str) -> str:
    """`*text*` with surrounding spaces kept outside the markers."""
    core = text.strip()
    if not core:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}{mark}{core}{mark}{trail}"


def _code_span(text: str) -> str:
    text = _WS.sub(" ", text)
    if not text.strip():
        return text
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _fence(text: str) -> str:
    text = text.strip("\n")
    ticks = "`" * max(3, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    return f"{ticks}\n{text}\n{ticks}"


def _paragraph(text: str) -> str:
    """Trim each line of a paragraph and keep its start from being read as block syntax."""
    lines = [line.strip() for line in text.split("  \n")]
    lines = [escape_line_start(line, markup=True) for line in lines if line]
    return "  \n".join(lines)


def html_to_markdown(html: str, base_url: str = "", skip_image: str = "") -> str:
    """Sanitize an HTML fragment and convert it to Markdown ("" when it holds no text)."""
    clean = sanitize(html)
    if not clean.strip():
        return ""
    root = lxml.html.fragment_fromstring(clean, create_parent="div")
    return "\n\n".join(Converter(base_url, skip_image).blocks(root)).strip()


def html_to_text(html: str) -> str:
    """The text of an HTML fragment, whitespace squashed (for summaries)."""
    if "<" not in html and "&" not in html:
        return _WS.sub(" ", html).strip()
    clean = sanitize(html)
    if not clean.strip():
        return ""
    root = lxml.html.fragment_fromstring(clean, create_parent="div")
    return _WS.sub(" ", root.text_content()).strip()
