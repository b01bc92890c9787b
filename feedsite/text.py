"""The one text cleaner, and the small text helpers the importers share.

clean_text(text) -> str      the characters XML 1.0 forbids (and readers mangle) removed
unix_newlines(text) -> str   CRLF, CR, NEL, LINE/PARAGRAPH SEPARATOR → "\\n"
squash(text) -> str          whitespace runs as single spaces, trimmed
is_language_tag(text) -> bool  "en", "pt-BR", "zh-Hant-TW": what a lang attribute may hold
"""

from __future__ import annotations

import re

__all__ = ["clean_text", "is_language_tag", "squash", "unix_newlines"]

# XML 1.0 forbids C0 controls but tab/newline/CR, lone surrogates, U+FFFE and U+FFFF; it
# discourages DEL, the C1 controls and the other noncharacters, which readers mangle: all go.
_XML_ILLEGAL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17))
    + "]"
)
# A subset of what XML allows, in few ranges (so quick to test): the tab, newlines, printable ASCII and
# the Basic Multilingual Plane from U+00A0 less surrogates and noncharacters.
_SURELY_LEGAL = re.compile("[\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd]*")
_NEWLINES = re.compile("\r\n|\r|\u2028|\u2029|\x85")
_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Remove the characters XML 1.0 forbids or discourages; everything else is kept (CR too)."""
    if _SURELY_LEGAL.fullmatch(text):  # nearly every text: one quick pass instead of a slow one
        return text
    return _XML_ILLEGAL.sub("", text)


def unix_newlines(text: str) -> str:
    """Every kind of line break as "\\n"."""
    return _NEWLINES.sub("\n", text)


def squash(text: str) -> str:
    """Whitespace runs as single spaces, trimmed."""
    return _SPACES.sub(" ", text).strip()


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def is_language_tag(text: str) -> bool:
    """A BCP 47 language tag's shape (at most 35 characters): safe in <html lang> and og:locale."""
    return len(text) <= 35 and _LANGUAGE_TAG.fullmatch(text) is not None
