"""The Article every reader returns, and the decoding and date reading every reader shares."""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo

from feedsite.dates import DateError, parse_date
from feedsite.text import clean_text, squash, unix_newlines


class SourceError(Exception):
    """A source (or one item of a feed) cannot be imported: the message is one line."""


@dataclass(frozen=True)
class Article:
    """One article read from a source, before it becomes an entry.

    `body` is Markdown; `summary` is plain text. Dates are aware or None (the source had none).
    `item` tells the articles of one feed apart ("" for a file that holds one article).
    """

    title: str
    body: str
    summary: str = ""
    date: datetime | None = None
    updated: datetime | None = None
    id: str = ""
    item: str = ""
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    lang: str = ""
    source_name: str = ""
    source_url: str = ""
    rights: str = ""
    image: str = ""
    image_alt: str = ""

    def digest(self) -> str:
        """A hash of everything import read, to tell later whether the source changed."""
        data = asdict(self)
        for key in ("date", "updated"):
            value = data[key]
            data[key] = value.isoformat() if value else None
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


_CONTROL_BYTES = re.compile(b"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def _clean(text: str) -> str:
    """Unix newlines, no characters XML forbids."""
    return clean_text(unix_newlines(text))


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{4,}")


def _looks_latin(text: str) -> bool:
    """True for text that reads plainly as Latin-1/cp1252: accented letters and symbols among ASCII,
    not the long runs of accented gibberish a CJK or other multi-byte encoding turns into."""
    sample = text[:65536]
    visible = [c for c in sample if not c.isspace()]
    high = [c for c in visible if ord(c) > 127]
    if len(high) > 0.5 * len(visible) or _NON_ASCII_RUN.search(sample):
        return False
    return all(unicodedata.category(c)[0] in "LPSN" for c in high)


def decode(data: bytes, declared: str | None = None) -> str:
    """Source bytes as clean text, or SourceError saying why they are not text.

    UTF-8 (with or without BOM) first; then an encoding the source declares; then cp1252/Latin-1
    when the bytes read plainly as such.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE)):
        raise SourceError("UTF-16/UTF-32 text, not UTF-8 or Latin-1/cp1252 (save it as UTF-8)")
    sample = data[:65536]
    if b"\x00" in sample or len(_CONTROL_BYTES.findall(sample)) > max(8, len(sample) // 100):
        raise SourceError("binary file, not text")
    try:
        return _clean(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            codec = codecs.lookup(declared).name
        except LookupError:
            codec = ""
        if codec and codec not in ("utf-8", "latin-1", "iso8859-1", "cp1252", "ascii"):
            try:
                return _clean(data.decode(codec))
            except (UnicodeError, LookupError):  # LookupError: a codec that is not for text (hex, zlib)
                raise SourceError(f"not valid {declared} text, as it declares") from None
    for codec in ("cp1252", "latin-1"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _looks_latin(text):
            return _clean(text)
        break
    raise SourceError("neither UTF-8 nor Latin-1/cp1252 text")


def source_date(value: object, tz: tzinfo) -> datetime | None:
    """A date a source gives, in `tz`, to the second; None when it gives none or one that is not a
    real date (feedsite.dates says which: the caller then falls back to --date or the file's time)."""
    if value is None or value == "":
        return None
    try:
        return parse_date(value, tz).replace(microsecond=0)
    except DateError:
        return None


def unique(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Non-empty values, trimmed, first occurrence kept (case-insensitive)."""
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        value = squash(value)
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            out.append(value)
    return tuple(out)
