"""The plainest Markdown, rendered without Python-Markdown: byte for byte what it would make.

Most news articles are paragraphs and `#` headings with *emphasis*, **strong** text and
[links](https://…), and nothing else. Python-Markdown spends a few milliseconds on each (its block
parser, inline patterns, ElementTree and serializer); this does the same in a fraction of that, and
a body it renders never needs Python-Markdown imported at all.

It takes a body only when every line and every inline piece is of a shape whose rendering it knows
for certain, and gives None for anything else (lists, quotes, code, tables, HTML, entities, escapes,
underscores, images, footnotes, attribute lists, line breaks, a stray `*` or `[`…), which
Python-Markdown then renders. Only for the extensions listed in SAFE_EXTENSIONS, none of which
changes such text; property tests hold it to Python-Markdown's output (tests/test_plain_markdown.py).
"""

from __future__ import annotations

import re

SAFE_EXTENSIONS = frozenset(
    name
    for short in (
        "extra",
        "sane_lists",
        "abbr",
        "attr_list",
        "def_list",
        "fenced_code",
        "footnotes",
        "md_in_html",
        "tables",
    )
    for name in (short, f"markdown.extensions.{short}")
)

# Anywhere in the body: characters and pairs that start something other than plain text.
_NEVER = re.compile(r"[\x00-\x09\x0b-\x1f\x7f<>&\\`{}~^|]|!\[")
# A line that could start a block of another kind, or holds a line break: leave it to Markdown.
_ODD_LINE = re.compile(r"^(?:[^\S\n]|[-+=:>_]|\*\s|\d+[.)])|[^\S\n]$", re.M)
_HEADING = re.compile(r"(#{1,6}) ([^\s#](?:.*[^\s#])?)")
_BLOCKS = re.compile(r"\n{2,}")
_SPAN = re.compile(
    r"(?<!\*)\*\*([^\s*\[\]](?:[^*\[\]\n]*[^\s*\[\]])?)\*\*(?!\*)"  # **strong**
    r"|(?<!\*)\*([^\s*\[\]](?:[^*\[\]\n]*[^\s*\[\]])?)\*(?!\*)"  # *emphasis*
    r"|\[([^\s\[\]](?:[^\[\]\n]*[^\s\[\]])?)\]\(([A-Za-z0-9/:.~%?#=+_@,;-]+)\)"  # [text](url)
)
_NOT_TEXT = re.compile(r"[*\[\]_]")


def plain_html(text: str) -> str | None:
    """The HTML Python-Markdown makes of `text`, if `text` is of the plainest kind; else None."""
    if "\r" in text:  # Windows' and old Macs' line ends, made "\n" as Python-Markdown does
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _NEVER.search(text):
        return None
    text = text.strip("\n")
    if not text:
        return ""
    if _ODD_LINE.search(text):
        return None
    out: list[str] = []
    for block in _BLOCKS.split(text):
        lines: list[str] = []
        for line in block.split("\n"):
            if line[:1] != "#":
                lines.append(line)
                continue
            heading = _HEADING.fullmatch(line)
            if heading is None or not _paragraph(lines, out):
                return None
            level, inner = len(heading.group(1)), _inline(heading.group(2))
            if inner is None:
                return None
            out.append(f"<h{level}>{inner}</h{level}>")
        if not _paragraph(lines, out):
            return None
    return "\n".join(out)


def _paragraph(lines: list[str], out: list[str]) -> bool:
    """Add the paragraph of the lines gathered so far, if any, and start over; False if unsure."""
    if lines:
        inner = _inline("\n".join(lines))
        if inner is None:
            return False
        out.append(f"<p>{inner}</p>")
        lines.clear()
    return True


def _inline(text: str) -> str | None:
    parts: list[str] = []
    end = 0
    for span in _SPAN.finditer(text):
        between = text[end : span.start()]
        strong, em, label, url = span.groups()
        if _NOT_TEXT.search(between) or "_" in (strong or em or label):
            return None
        if strong is not None:
            parts += (between, "<strong>", strong, "</strong>")
        elif em is not None:
            parts += (between, "<em>", em, "</em>")
        else:
            inner = _inline(label)  # a link's text may hold emphasis, never a link
            if inner is None:
                return None
            parts += (between, '<a href="', url, '">', inner, "</a>")
        end = span.end()
    rest = text[end:]
    if _NOT_TEXT.search(rest):
        return None
    parts.append(rest)
    return "".join(parts)
