"""Plain text (.txt) → Article: title line, standfirst, headings, paragraphs, copyright line."""

from __future__ import annotations

import re

from feedsite.importers.article import Article, SourceError
from feedsite.importers.tomarkdown import escape_html, escape_line_start
from feedsite.text import squash
from feedsite.urls import allowed_url

_QUOTES = re.compile("[\"'\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a`]")
_CLOSING = ".!?\u2026:;,"
_RIGHTS = re.compile(r"(©|\(c\)|\bcopyright\b|\breproduction reserved\b)", re.IGNORECASE)
_RIGHTS_WORDS = re.compile(
    r"©|\(c\)|\b(copyright|reproduction|all|rights|reserved|riproduzione|riservata)\b"
    r"|\b\d{4}(\s*[-–]\s*\d{4})?\b",
    re.IGNORECASE,
)
MAX_HEADING = 120
MAX_SUMMARY = 500
MAX_RIGHTS = 200


def _key(line: str) -> str:
    """A line compared as a title: no quotes, case or closing punctuation."""
    return squash(_QUOTES.sub("", line)).casefold().rstrip(_CLOSING + " ")


def _ends_closed(line: str) -> bool:
    """True when a line ends like a sentence (a closing quote after the punctuation counts)."""
    core = _QUOTES.sub("", line).rstrip(" )]")
    return bool(core) and core[-1] in _CLOSING


def _short(line: str) -> bool:
    return len(line) <= MAX_HEADING and not _ends_closed(line)


def publisher(rights: str) -> str:
    """The publisher a copyright line names: "Reproduction reserved © Copyright La Milano" →
    "La Milano"."""
    name = squash(_RIGHTS_WORDS.sub(" ", rights))
    return name.strip(" .,;:-–—")


def _paragraphs(text: str) -> list[str]:
    """One paragraph per line; hard-wrapped text (blank-line separated blocks) is rejoined."""
    lines = text.split("\n")
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    longest = max((len(line) for line in lines), default=0)
    wrapped = len(blocks) > 1 and longest <= 100 and any(len(b) >= 3 for b in blocks)
    if wrapped:
        return [" ".join(b) for b in blocks]
    return [line for b in blocks for line in b]


def parse_text(text: str) -> Article:
    """Read the seed's shape. Raises SourceError for a title with no body."""
    paragraphs = _paragraphs(text)
    if not paragraphs:
        raise SourceError("empty file")
    title = squash(paragraphs[0])
    key = _key(title)
    rest = [p for p in paragraphs[1:] if len(p) > len(title) + 12 or _key(p) != key]
    rights = ""
    if rest and len(rest[-1]) <= MAX_RIGHTS and _RIGHTS.search(rest[-1]):
        rights = squash(rest.pop())
    summary = ""
    if len(rest) >= 2 and len(rest[0]) <= MAX_SUMMARY and _ends_closed(rest[0]):
        summary = squash(rest.pop(0))
    if not rest:
        raise SourceError("a title but no body text")
    return Article(
        title=title,
        body=_markdown(rest),
        summary=summary,
        rights=rights,
        source_name=publisher(rights) if rights else "",
    )


def _markdown(paragraphs: list[str]) -> str:
    """Paragraphs word for word; a short unpunctuated line between paragraphs is a heading."""
    blocks: list[str] = []
    short = [_short(p) for p in paragraphs]
    last = len(paragraphs) - 1
    for i, para in enumerate(paragraphs):
        text = neutral_links(escape_html(squash(para)))
        heading = (
            short[i]
            and 0 < i < last
            and not short[i - 1]
            and not short[i + 1]
            and not blocks[-1].startswith("## ")
        )
        if heading:
            blocks.append("## " + text.rstrip("#").rstrip())
        else:
            blocks.append(escape_line_start(text))
    return "\n\n".join(blocks)


def _target(text: str, start: int) -> str:
    """The destination of a Markdown link whose `](` ends at `start`: up to its closing `)` (or `>`
    after a `<`), nested parentheses counted, or to the end of the line."""
    at = start
    while at < len(text) and text[at] in " \t":
        at += 1
    if text[at : at + 1] == "<":
        end = text.find(">", at)
        return text[at + 1 : end if end >= 0 else len(text)]
    depth = 0
    for index in range(at, len(text)):
        char = text[index]
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return text[at:index]
            depth -= 1
        elif char == "\n":
            return text[at:index]
    return text[at:]


def neutral_links(text: str) -> str:
    """Markdown-ish text in which a link or image whose URL the allow-list refuses
    (`[x](javascript:…)`) stays text: its `]` is escaped, so `[x](javascript:…)` shows as written."""
    if "](" not in text:
        return text
    out: list[str] = []
    last = 0
    for match in re.finditer(r"(\\*)\]\(", text):
        if len(match.group(1)) % 2 == 0 and not allowed_url(_target(text, match.end())):
            out.append(text[last : match.end(1)] + "\\")
            last = match.end(1)
    return "".join(out) + text[last:]
