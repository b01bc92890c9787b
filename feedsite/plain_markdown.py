"""The plainest Markdown, rendered without Python-Markdown: byte for byte what it would make.

Most news articles are paragraphs and `#` headings with *emphasis*, **strong** text and
[links](https://…), and nothing else. Python-Markdown spends a few milliseconds on each (its block
parser, inline patterns, ElementTree and serializer); this does the same in a fraction of that, and
a body it renders never needs Python-Markdown imported at all.

It takes a body only when every line and every inline piece is of a shape whose rendering it knows
for certain, and gives None for anything else (lists, quotes, code, tables, HTML, entities, escapes,
underscores, images, footnotes, attribute lists, line breaks, a stray `*` or `[`, a link whose URL
the allow-list refuses…), which Python-Markdown then renders. Only for the extensions listed in
SAFE_EXTENSIONS, none of which changes such text; property tests hold it to Python-Markdown's
output (tests/test_plain_markdown.py).
"""

from __future__ import annotations

import re

from feedsite.urls import allowed_url

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

# Anywhere in the body: characters that start something other than plain text (and "!["). Looked
# for one by one with `in`: quicker than one regex, whose engine steps through every character.
_NEVER = (*(chr(c) for c in range(0x20) if c != 0x0A), "\x7f", *"<>&\\`{}~^|", "![")
# In "\n" + body + "\n": a line that could start a block of another kind, or one that ends in
# white space (a line break). Each starts with "\n", which the regex engine finds quickly.
_ODD_START = re.compile(r"\n(?:[^\S\n]|[-+=:>_]|\*\s|\d+[.)])")
_ODD_END = re.compile(r"\n(?<=[^\S\n]\n)")
_HEADING = re.compile(r"(#{1,6}) ([^\s#](?:.*[^\s#])?)")
_BLOCKS = re.compile(r"\n{2,}")
_SPAN = re.compile(
    r"\*\*(?<!\*\*\*)([^\s*\[\]_](?:[^*\[\]_\n]*[^\s*\[\]_])?)\*\*(?!\*)"  # **strong**
    r"|\*(?<!\*\*)([^\s*\[\]_](?:[^*\[\]_\n]*[^\s*\[\]_])?)\*(?!\*)"  # *emphasis*
    r"|\[([^\s\[\]_](?:[^\[\]_\n]*[^\s\[\]_])?)\]\(([A-Za-z0-9/:.~%?#=+_@,;-]+)\)"  # [text](url)
)


def plain_html(text: str) -> str | None:
    """The HTML Python-Markdown makes of `text`, if `text` is of the plainest kind; else None."""
    if "\r" in text:  # Windows' and old Macs' line ends, made "\n" as Python-Markdown does
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for never in _NEVER:
        if never in text:
            return None
    text = text.strip("\n")
    if not text:
        return ""
    framed = f"\n{text}\n"
    if _ODD_START.search(framed) or _ODD_END.search(framed):
        return None
    out: list[str] = []
    # Blocks are split by blank lines: str.split does it when no run of them is longer than one.
    for block in _BLOCKS.split(text) if "\n\n\n" in text else text.split("\n\n"):
        if block[:1] != "#" and "\n#" not in block:  # nearly every block: one paragraph
            inner = _inline(block)
            if inner is None:
                return None
            out.append(f"<p>{inner}</p>")
            continue
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


class _UnsureError(Exception):
    pass


def _inline(text: str) -> str | None:
    """`text` with its spans as HTML; None if a `*`, `[`, `]` or `_` is left outside them.

    What `_SPAN.sub` would do, without its engine stepping through every character: a span starts
    with its first `*` or `[`, so each of those (found with str.find) either starts a span (the
    regex matched right there, lookbehinds seeing what is before) or is left outside one."""
    stars, opens = text.find("*"), text.find("[")
    out: list[str] = []
    done = 0  # text[:done] is in out
    while stars >= 0 or opens >= 0:
        start = opens if stars < 0 or 0 <= opens < stars else stars
        gap = text[done:start]
        if "]" in gap or "_" in gap:
            return None
        match = _SPAN.match(text, start)
        if match is None:
            return None
        try:
            out += (gap, _span(match))
        except _UnsureError:
            return None
        done = match.end()
        if stars >= 0 and stars < done:
            stars = text.find("*", done)
        if opens >= 0 and opens < done:
            opens = text.find("[", done)
    rest = text[done:] if done else text
    if "]" in rest or "_" in rest:
        return None
    if not done:
        return text
    out.append(rest)
    return "".join(out)


def _span(match: re.Match[str]) -> str:
    strong, em, label, url = match.groups()
    if strong is not None:
        return f"<strong>{strong}</strong>"
    if em is not None:
        return f"<em>{em}</em>"
    inner = _inline(label)  # a link's text may hold emphasis, never a link
    if inner is None or not allowed_url(url):  # Python-Markdown then renders it, and drops the URL
        raise _UnsureError
    return f'<a href="{url}">{inner}</a>'
