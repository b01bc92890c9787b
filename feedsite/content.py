"""content/**/*.md → validated, immutable Entry values. Every problem in every file is collected."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from feedsite import simple_yaml
from feedsite.config import SiteConfig
from feedsite.errors import ContentError, Problem
from feedsite.urls import entry_dir, is_valid_slug

ENTRY_SUFFIXES = (".md", ".markdown")
KNOWN_KEYS = frozenset(
    (
        "title", "date", "id", "updated", "slug", "summary", "authors", "author",
        "tags", "lang", "draft", "image", "image_alt", "source", "rights",
    )
)  # fmt: skip
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


# The body of an entry read back from the cache, which does not store bodies (see load.body_of).
# Never a real body: clean_text removes NUL characters.
BODY_NOT_LOADED = "\x00"


def clean_text(text: str) -> str:
    """Remove the characters XML 1.0 forbids; everything else is kept."""
    if _SURELY_LEGAL.fullmatch(text):  # nearly every text: one quick pass instead of a slow one
        return text
    return _XML_ILLEGAL.sub("", text)


@dataclass(frozen=True)
class Author:
    name: str
    email: str | None = None
    uri: str | None = None


@dataclass(frozen=True)
class Source:
    name: str | None = None
    url: str | None = None
    file: str | None = None


@dataclass(frozen=True)
class Entry:
    path: str  # the source file, relative to the project root, "/"-separated
    title: str
    date: datetime  # aware, in the site's time zone
    id: str
    id_pinned: bool  # False when the id was derived because front matter has none
    slug: str
    body: str  # Markdown
    digest: str = ""  # sha256 of the file's bytes: what caches key on
    updated: datetime | None = None
    summary: str | None = None  # as written; the builder falls back to the first paragraph
    authors: tuple[Author, ...] = ()
    tags: tuple[str, ...] = ()
    lang: str | None = None
    draft: bool = False
    image: str | None = None
    image_alt: str | None = None
    source: Source | None = None
    rights: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def url_path(self) -> str:
        """Site-relative folder of the entry's page: "2024/11/slug/"."""
        return entry_dir(self.date, self.slug)

    @property
    def modified(self) -> datetime:
        return self.updated or self.date

    def without_body(self) -> Entry:
        """This entry with its body left out (load.body_of reads it again when asked).

        Copied field by field, not by dataclasses.replace: a build sheds ten thousand bodies once
        their Markdown is rendered, and replace() would run every field through __init__ again."""
        if self.body == BODY_NOT_LOADED:
            return self
        copy = object.__new__(Entry)
        copy.__dict__.update(self.__dict__, body=BODY_NOT_LOADED)
        return copy


class _FileProblems:
    """Collects the problems of one file, each with the line it is on."""

    def __init__(self, path: str, front_matter: str, first_line: int) -> None:
        self.path = path
        self.lines = front_matter.splitlines()
        self.first_line = first_line
        self.problems: list[Problem] = []

    def line_of(self, key: str) -> int:
        for number, line in enumerate(self.lines):
            if re.match(rf"{re.escape(key)}\s*:", line):
                return self.first_line + number
        return self.first_line - 1

    def add(self, key: str | None, message: str) -> None:
        line = self.line_of(key) if key else self.first_line - 1
        self.problems.append(Problem(self.path, line, message))


def _split(text: str) -> tuple[str, str] | None:
    """(front matter, body) or None without front matter."""
    if not text.startswith("---"):
        return None
    match = re.match(r"---[ \t]*\r?\n(.*?)(?:^|\n)(?:---|\.\.\.)[ \t]*(?:\r?\n|$)", text, re.S | re.M)
    if match is None:
        return None
    front = match.group(1)
    return front, text[match.end() :]


def _to_datetime(value: Any, tz: ZoneInfo) -> datetime:
    if isinstance(value, str):
        value = value.strip()
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            try:
                value = date.fromisoformat(value)
            except ValueError:
                example = "2024-11-08T09:00:00+01:00"
                raise ValueError(f"{value!r} is not an ISO 8601 date such as {example}") from None
    if isinstance(value, datetime):
        return (value.replace(tzinfo=tz) if value.tzinfo is None else value).astimezone(tz)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=tz)
    raise ValueError("must be a date such as 2024-11-08 or 2024-11-08T09:00:00+01:00")


def _text(value: Any, key: str, required: bool = False) -> str | None:
    if value is None or (value == "" and not required):
        if required:
            raise ValueError(f"{key} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{key} must be text")
    text = " ".join(clean_text(str(value)).split()) if key != "body" else clean_text(str(value))
    if required and not text:
        raise ValueError(f"{key} must not be empty")
    return text


def _authors(meta: Mapping[str, Any]) -> tuple[Author, ...]:
    raw = meta.get("authors", meta.get("author"))
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    authors = []
    for item in items:
        if isinstance(item, str) and item.strip():
            authors.append(Author(" ".join(clean_text(item).split())))
        elif isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip():
            unknown = set(item) - {"name", "email", "uri"}
            if unknown:
                raise ValueError(f"authors: unknown key {sorted(unknown)[0]!r} (known: name, email, uri)")
            authors.append(
                Author(
                    str(_text(item["name"], "name")),
                    _text(item.get("email"), "email"),
                    _text(item.get("uri"), "uri"),
                )
            )
        else:
            raise ValueError("authors must be a name, a list of names, or a list of {name, email, uri}")
    return tuple(authors)


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    tags: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise ValueError("tags must be a tag or a list of tags")
        tag = " ".join(clean_text(str(item)).split())
        if tag and tag not in tags:
            tags.append(tag)
    return tuple(tags)


def _source(value: Any) -> Source | None:
    if value is None:
        return None
    if isinstance(value, str):
        return Source(name=_text(value, "source"))
    if isinstance(value, dict):
        unknown = set(value) - {"name", "url", "file"}
        if unknown:
            raise ValueError(f"source: unknown key {sorted(unknown)[0]!r} (known: name, url, file)")
        return Source(*(_text(value.get(k), k) for k in ("name", "url", "file")))
    raise ValueError("source must be a name or {name, url, file}")


def _bool(value: Any, key: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false")
    return value


def derived_id(config: SiteConfig, path: str) -> str:
    """A stable id for an entry without one: from the site URL and the file's path."""
    import uuid  # it imports `platform`: a build whose ids are all pinned never needs it

    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, config.base_url + path)}"


def _field(problems: _FileProblems, key: str, parse: Any, *args: Any) -> Any:
    try:
        return parse(*args)
    except ValueError as exc:
        message = str(exc)
        problems.add(key, message if message.startswith(key) else f"{key}: {message}")
        return None


def parse_entry(config: SiteConfig, path: str, raw: bytes) -> Entry:
    """Parse one entry file. Raises ContentError with every problem in it."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError([Problem(path, line, "is not UTF-8 text")]) from None
    text = text.replace("\r\n", "\n")
    parts = _split(text)
    if parts is None:
        message = "has no front matter (it must start with a '---' line and a title: and date:)"
        raise ContentError([Problem(path, 1, message)])
    front, body = parts
    import yaml  # here, not at the top: a rebuild with no new entries never needs it

    try:
        meta = simple_yaml.mapping(front) if front.strip() else {}
        if meta is None:  # not of the usual shape: YAML reads it
            meta = yaml.load(front, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(exc, "problem", None) or "cannot be parsed"
        raise ContentError([Problem(path, line, f"front matter is not valid YAML: {reason}")]) from None
    if not isinstance(meta, dict):
        raise ContentError([Problem(path, 2, "front matter must be a mapping of key: value lines")])
    meta = {str(k): v for k, v in meta.items()}
    problems = _FileProblems(path, front, 2)
    tz = config.tz

    title = _field(problems, "title", _text, meta.get("title"), "title", True)
    when = None
    if meta.get("date") is None:
        problems.add("date", "date is missing")
    else:
        when = _field(problems, "date", _to_datetime, meta["date"], tz)
    updated = _field(problems, "updated", _to_datetime, meta["updated"], tz) if meta.get("updated") else None
    slug = meta.get("slug", Path(path).stem)
    if not isinstance(slug, str) or not is_valid_slug(slug):
        allowed = "letters, digits, '-', '_' or '.'"
        problems.add("slug", f"slug {slug!r} must be a single path segment of {allowed}")
    entry_id = _field(problems, "id", _text, meta.get("id"), "id")
    if entry_id is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", entry_id):
        problems.add("id", f"id {entry_id!r} must be an absolute URI such as urn:uuid:…")
    values = {
        "summary": _field(problems, "summary", _text, meta.get("summary"), "summary"),
        "authors": _field(problems, "authors" if "authors" in meta else "author", _authors, meta) or (),
        "tags": _field(problems, "tags", _tags, meta.get("tags")) or (),
        "lang": _field(problems, "lang", _text, meta.get("lang"), "lang"),
        "draft": _field(problems, "draft", _bool, meta.get("draft"), "draft") or False,
        "image": _field(problems, "image", _text, meta.get("image"), "image"),
        "image_alt": _field(problems, "image_alt", _text, meta.get("image_alt"), "image_alt"),
        "source": _field(problems, "source", _source, meta.get("source")),
        "rights": _field(problems, "rights", _text, meta.get("rights"), "rights"),
    }
    if problems.problems:
        raise ContentError(problems.problems)
    assert isinstance(title, str) and isinstance(when, datetime) and isinstance(slug, str)
    return Entry(
        path=path,
        title=title,
        date=when,
        id=entry_id or derived_id(config, path),
        id_pinned=entry_id is not None,
        slug=slug,
        body=clean_text(body),
        digest=digest(raw),
        updated=updated,
        extra={k: v for k, v in meta.items() if k not in KNOWN_KEYS},
        **values,
    )


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()
