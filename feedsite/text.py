"""The one text cleaner: characters XML 1.0 forbids (and readers mangle) are removed."""

from __future__ import annotations

import re

_XML_ILLEGAL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17))
    + "]"
)
_SURELY_LEGAL = re.compile("[\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd]*")


def clean_text(text: str) -> str:
    """Remove the characters XML 1.0 forbids; everything else is kept."""
    if _SURELY_LEGAL.fullmatch(text):
        return text
    return _XML_ILLEGAL.sub("", text)
