"""The Article every reader returns, and the decoding and date reading every reader shares."""

from __future__ import annotations

import codecs
import functools
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import datetime, tzinfo

from feedsite.dates import DateError, parse_date
from feedsite.text import clean_text, squash, unix_newlines


class SourceError(Exception):
    """A source (or one item of a feed) cannot be imported: the message is one line."""


@dataclass(frozen=True)
class Notice:
    """What a reader says beside its articles, shown as a warning (one line), not a failure: an item
    skipped for holding nothing to publish, a feed read leniently."""

    message: str


@dataclass(frozen=True)
class Article:
    """One article read from a source, before it becomes an entry.

    `body` is Markdown; `summary` is plain text. Dates are aware or None (the source had none).
    `item` tells the articles of one feed apart ("" for a file that holds one article): the item's
    own id, else its link. `scope` names the feed an id that is not a URI belongs to (its link, id or
    title): such ids ("42") are unique within their feed only.
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
    scope: str = ""

    def digest(self) -> str:
        """A hash of everything import read, to tell later whether the source changed."""
        # what dataclasses.asdict gives (its deep copy is not needed: every value is a str, a tuple
        # of str or a date), less `scope`, which entries imported before it existed were hashed without
        data: dict[str, object] = {name: getattr(self, name) for name in _DIGESTED}
        for key in ("date", "updated"):
            value = getattr(self, key)
            data[key] = value.isoformat() if value else None
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


_DIGESTED = tuple(f.name for f in fields(Article) if f.name != "scope")

# Magic numbers: files that are surely not text, whatever their name says.
_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PK\x03\x04", "a ZIP archive (or .docx, .odt, .epub)"),
    (b"\x1f\x8b\x08", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xfd7zXZ\x00", "an XZ archive"),
    (b"\x7fELF", "a program"),
    (b"OggS\x00", "an Ogg audio or video file"),
    (b"ID3\x02\x00", "an MP3 file"),
    (b"ID3\x03\x00", "an MP3 file"),
    (b"ID3\x04\x00", "an MP3 file"),
    (b"wOFF\x00", "a web font"),
    (b"wOFFOTTO", "a web font"),
    (b"wOF2\x00", "a web font"),
    (b"wOF2OTTO", "a web font"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# The first characters of an XML document without a BOM, as the XML spec's appendix F reads them.
_XML_STARTS = {
    b"<\x00\x00\x00": "utf-32-le",
    b"\x00\x00\x00<": "utf-32-be",
    b"<\x00?\x00": "utf-16-le",
    b"\x00<\x00?": "utf-16-be",
}
# Declared encodings read as the superset browsers use for them (WHATWG Encoding Standard).
_SUPERSETS = {
    "ascii": "cp1252", "latin-1": "cp1252", "iso8859-1": "cp1252", "iso8859-9": "cp1254",
    "shift_jis": "cp932", "euc_kr": "cp949", "gb2312": "gb18030", "gbk": "gb18030",
    "big5": "big5hkscs", "tis-620": "cp874", "iso8859-11": "cp874",
}  # fmt: skip
# Characters that plain text never holds many of: C0 controls but tab, newlines and form feed, DEL,
# and U+FFFD, which a decoder puts in place of bytes that are not text.
_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f\ufffd]")
MAX_NOT_TEXT = 0.05  # a higher share of those (and more than 8) in the first 64 K characters: binary


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


def _wide(data: bytes) -> str:
    """UTF-16 or UTF-32 without a BOM, told by the XML declaration's first bytes or by where the NUL
    bytes of mostly-Latin text fall; "" for anything else."""
    sample = data[:4096]
    if b"\x00" not in sample:
        return ""
    if sample[:4] in _XML_STARTS:
        return _XML_STARTS[sample[:4]]
    size = len(sample) - len(sample) % 4
    if size < 8:
        return ""
    zeros = [sample[r:size:4].count(0) / (size // 4) for r in range(4)]
    if zeros[3] == 1 and zeros[2] > 0.9 and zeros[0] < 0.1:
        return "utf-32-le"
    if zeros[0] == 1 and zeros[1] > 0.9 and zeros[3] < 0.1:
        return "utf-32-be"
    even, odd = (zeros[0] + zeros[2]) / 2, (zeros[1] + zeros[3]) / 2
    if odd > 0.5 and even < 0.1:
        return "utf-16-le"
    if even > 0.5 and odd < 0.1:
        return "utf-16-be"
    return ""


def _declared(name: str | None) -> str:
    """The codec a source's declared encoding names (its browser superset), or ""."""
    if not name:
        return ""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return ""
    return _SUPERSETS.get(codec, codec)


def _guess(data: bytes) -> str | None:
    """The text in the encoding charset-normalizer finds most likely, or None when none fits."""
    from charset_normalizer import from_bytes  # only for the rare source in an undeclared encoding

    best = from_bytes(data[:262144]).best()
    if best is None or best.encoding is None:
        return None
    try:
        return data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _legacy(data: bytes, declared: str | None) -> str:
    """Bytes that are not UTF-8, UTF-16 or UTF-32: the declared encoding, else cp1252/Latin-1 when
    they read plainly as such, else the encoding charset-normalizer finds."""
    codec = _declared(declared)
    if codec and not codec.startswith(("utf-8", "utf-16", "utf-32")):
        try:
            return data.decode(codec)
        except (UnicodeError, LookupError):  # LookupError: a codec that is not for text (hex, zlib)
            pass
    for latin in ("cp1252", "latin-1"):
        try:
            text = data.decode(latin)
        except UnicodeDecodeError:
            continue
        if _looks_latin(text):
            return text
        break
    guessed = _guess(data)
    if guessed is None:
        raise SourceError("not text in UTF-8 or any encoding that can be told (save it as UTF-8)")
    return guessed


def binary_kind(data: bytes) -> str:
    """What a file is when its first bytes are a known binary format's magic number, else ""."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return "a RIFF media file"
    if data[4:8] == b"ftyp":
        return "an MP4 or HEIC file"
    return ""


def decode(data: bytes, declared: str | None = None) -> str:
    """Source bytes as clean text, or SourceError saying why they are not text.

    A file is binary on evidence only: a known magic number (PDF, PNG, ZIP, GIF, JPEG…), or more
    than 5% (and more than 8) of its first 64 K characters being ones text never holds; a lone NUL
    is removed like every character XML forbids. A BOM decides the encoding (UTF-8, UTF-16, UTF-32;
    bytes it cannot read become U+FFFD, as in browsers); UTF-16/32 without one is told by where its
    NUL bytes fall; then UTF-8, the encoding the source declares (`declared`), cp1252/Latin-1, or
    what charset-normalizer finds.
    """
    kind = binary_kind(data)
    if kind:
        raise SourceError(f"binary file ({kind}), not text")
    bom, codec = next(((bom, name) for bom, name in _BOMS if data.startswith(bom)), (b"", ""))
    if codec:
        text = data[len(bom) :].decode(codec, "replace")
    elif wide := _wide(data):
        text = data.decode(wide, "replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            _check_text(data[:65536].decode("latin-1"))  # one character per byte: the bytes themselves
            text = _legacy(data, declared)
    _check_text(text[:65536])
    return _clean(text)


def _check_text(sample: str) -> None:
    if len(_NOT_TEXT.findall(sample)) > max(8, MAX_NOT_TEXT * len(sample)):
        raise SourceError("binary file, not text")


def source_date(value: object, tz: tzinfo) -> datetime | None:
    """A date a source gives, in `tz`, to the second; None when it gives none or one that is not a
    real date (feedsite.dates says which: the caller then falls back to --date or the file's time)."""
    if value is None or value == "":
        return None
    try:
        return parse_date(value, tz).replace(microsecond=0)
    except DateError:
        return None


# The end of a sentence: . ! ? … and closing quotes or brackets, then a space or the end; or a CJK
# full stop, question or exclamation mark, which need no space.
_SENTENCE_END = re.compile(
    "(?:[.!?\u2026][\"'\u2019\u201d\u00bb)\\]]*(?=\\s|$)|[\u3002\uff01\uff1f][\u300d\u300f\uff09]*)"
)
# Words a period follows without ending the sentence: "Mr. Smith", "J. Doe", "U.S. troops".
_ABBREVIATION = re.compile(
    r"(?:^|\s)(?:[A-Z]|[A-Za-z]\.[A-Za-z.]*|Mr|Mrs|Ms|Dr|Prof|St|Sr|Jr|Mt|Gen|Sen|Rep|Gov|Lt|Col|Capt|"
    r"No|Nos|vs|etc|Inc|Ltd|Co|Corp|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$"
)
MAX_TITLE = 90


def title_from_text(text: str) -> str:
    """A title for an item that has none: the first sentence of its text, at most MAX_TITLE
    characters, cut at a word boundary (with "…") when longer; "" when there is no text."""
    text = squash(text)
    sentence = text
    for end in _SENTENCE_END.finditer(text):
        if not _ABBREVIATION.search(text[: end.end()]):
            sentence = text[: end.end()]
            break
    if sentence.endswith(".") and not sentence.endswith(".."):
        sentence = sentence[:-1]
    if len(sentence) <= MAX_TITLE:
        return sentence
    room = MAX_TITLE - 1  # and "…"
    head = sentence[:room]
    if sentence[room] != " " and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:-\u2013\u2014") + "\u2026"


@functools.lru_cache(maxsize=256)
def language_tag(value: str) -> str:
    """A BCP 47 language tag as given ("en", "pt-BR", "zh-Hant"; "_" read as "-"), or "" when it is
    not one ("english", "xx")."""
    import langcodes  # here: a source that states no language never pays for its tables

    tag = value.strip().replace("_", "-")
    return tag if tag and langcodes.tag_is_valid(tag) else ""


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
