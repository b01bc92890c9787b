"""Entries: the immutable Entry value, and parse_entry, which validates one file into one, every
problem collected. The load stage that walks content/ is loading.py.

An entry's load key hashes exactly the arguments `parse_entry` is called with, so a remembered
Entry is always the one parsing would give. The body, the bulk of a file, is no part of the Entry:
`parse_entry` gives it beside the entry, and the load stage hands bodies on by load key.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from feedsite import notices
from feedsite.config import SiteConfig
from feedsite.dates import is_day, parse_date
from feedsite.entryfile import EntryFileError, read_entry
from feedsite.errors import ContentError, Problem
from feedsite.notices import Correction, Retraction
from feedsite.text import clean_text, is_language_tag
from feedsite.urls import check_urls, checked_url, entry_dir, is_uri, is_url_key, is_valid_slug

ENTRY_SUFFIXES = (".md", ".markdown")
KNOWN_KEYS = frozenset(
    (
        "title", "date", "id", "updated", "slug", "summary", "authors", "author",
        "tags", "lang", "draft", "image", "image_alt", "source", "rights",
        "image_credit", "section", "featured", "corrections", "retracted", "aliases", "feed_content",
    )
)  # fmt: skip


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
    key: str  # hash of what it was parsed from (file path, bytes, settings): it fixes every field
    path: str  # the source file, relative to the project root, "/"-separated
    title: str
    date: datetime  # aware, in the site's time zone
    id: str
    id_pinned: bool  # False when the id was derived because front matter has none
    slug: str
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
    image_credit: str | None = None
    section: str | None = None  # default: the first tag
    featured: bool = False
    corrections: tuple[Correction, ...] = ()
    retracted: Retraction | None = None
    aliases: tuple[str, ...] = ()  # old site paths (no leading "/") that redirect here
    feed_content: str | None = None  # "full" or "summary"; default: the site's feeds.content
    extra: Mapping[str, Any] = field(default_factory=dict)
    day_only: bool = False  # `date:` gave a day and no time of day: shown without a clock

    @cached_property
    def url_path(self) -> str:
        """Site-relative folder of the entry's page: "2024/11/slug/" (worked out once, then kept with it)."""
        return entry_dir(self.date, self.slug)

    @property
    def modified(self) -> datetime:
        """When readers last saw it change: `updated` (else `date`), moved on by its newest
        correction and by its retraction, so feeds, sitemaps and JSON-LD tell them to refresh it."""
        when = self.updated or self.date
        if self.corrections and self.corrections[-1].date > when:
            when = self.corrections[-1].date
        if self.retracted is not None and self.retracted.date > when:
            when = self.retracted.date
        return when

    def __fingerprint__(self) -> str:
        """What a page key takes of this entry: its load key, which fixes every field."""
        return self.key

    def __getstate__(self) -> dict[str, Any]:
        """As pickled (the memo keeps every entry): the fields that differ from their defaults, which
        an entry read back finds on its class; a rebuild reads 10,000 entries back ~40% faster."""
        return {
            name: value
            for name, value in self.__dict__.items()
            if not (name in _DEFAULTS and type(value) is type(_DEFAULTS[name]) and value == _DEFAULTS[name])
        }


# The fields of Entry that have a plain default (its class holds it).
_DEFAULTS = {f.name: f.default for f in fields(Entry) if f.default is not MISSING}


@dataclass(frozen=True)
class Settings:
    """Everything of the config that parsing an entry reads, and nothing else."""

    timezone: str
    base_url: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def settings_of(config: SiteConfig) -> Settings:
    return Settings(config.timezone, config.base_url)


def load_key(settings: Settings, path: str, raw: bytes) -> str:
    """The hash of parse_entry's arguments."""
    head = f"{settings.timezone}\0{settings.base_url}\0{path}\0".encode()
    return hashlib.sha256(head + raw).hexdigest()


class _FileProblems:
    """Collects the problems of one file, each with the line it is on."""

    def __init__(self, path: str, raw_front: list[str]) -> None:
        self.path = path
        self.lines = raw_front
        self.problems: list[Problem] = []

    def line_of(self, key: str) -> int:
        for number, line in enumerate(self.lines):
            if re.match(rf"{re.escape(key)}\s*:", line):
                return number + 1
        return 1

    def add(self, key: str | None, message: str) -> None:
        self.problems.append(Problem(self.path, self.line_of(key) if key else 1, message))

    def field(self, key: str, parse: Any, *args: Any) -> Any:
        try:
            return parse(*args)
        except ValueError as exc:
            message = str(exc)
            self.add(key, message if message.startswith(key) else f"{key}: {message}")
            return None


def _text(value: Any, key: str, required: bool = False) -> str | None:
    if value is None or (value == "" and not required):
        if required:
            raise ValueError(f"{key} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{key} must be text")
    text = " ".join(clean_text(str(value)).split())
    if required and not text:
        raise ValueError(f"{key} must not be empty")
    return text


def _lang(value: Any) -> str | None:
    lang = _text(value, "lang")
    if lang is None or is_language_tag(lang):
        return lang
    raise ValueError(f"lang: {lang[:40]!r} is not a language tag such as 'en' or 'pt-BR'")


def _url(value: Any, key: str) -> str | None:
    url = _text(value, key)
    return None if url is None else checked_url(url, key)


def _authors(meta: Mapping[str, Any]) -> tuple[Author, ...]:
    raw = meta.get("authors", meta.get("author"))
    if raw is None:
        return ()
    authors = []
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, str) and item.strip():
            authors.append(Author(" ".join(clean_text(item).split())))
        elif isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip():
            unknown = set(item) - {"name", "email", "uri"}
            if unknown:
                raise ValueError(f"authors: unknown key {sorted(unknown)[0]!r} (known: name, email, uri)")
            name, email = (_text(item.get(k), k) for k in ("name", "email"))
            authors.append(Author(str(name), email, _url(item.get("uri"), "uri")))
        else:
            raise ValueError("authors must be a name, a list of names, or a list of {name, email, uri}")
    return tuple(authors)


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    tags: list[str] = []
    for item in value if isinstance(value, list) else [value]:
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
        name, file = (_text(value.get(k), k) for k in ("name", "file"))
        return Source(name, _url(value.get("url"), "url"), file)
    raise ValueError("source must be a name or {name, url, file}")


def _bool(value: Any, key: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false")
    return value


def derived_id(base_url: str, path: str) -> str:
    """A stable id for an entry without one: from the site URL and the file's path."""
    import uuid  # it imports `platform`: a build whose ids are all pinned never needs it

    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, base_url + path)}"


def parse_entry(settings: Settings, path: str, raw: bytes) -> tuple[Entry, str]:
    """Parse one entry file into its Entry and its body (Markdown). Raises ContentError with every
    problem in it."""
    try:
        text = read_entry(raw)
    except EntryFileError as exc:
        raise ContentError([Problem(path, exc.line, str(exc))]) from None
    meta = text.meta
    problems = _FileProblems(path, raw.decode("utf-8-sig", "replace").splitlines()[: text.body_line])
    tz = settings.tz
    title = problems.field("title", _text, meta.get("title"), "title", True)
    when = None
    if meta.get("date") is None:
        problems.add("date", "date is missing")
    else:
        when = problems.field("date", parse_date, meta["date"], tz)
    updated = problems.field("updated", parse_date, meta["updated"], tz) if meta.get("updated") else None
    slug = meta.get("slug", PurePosixPath(path).stem)
    if not isinstance(slug, str) or not is_valid_slug(slug):
        allowed = "letters, digits, '-', '_' or '.'"
        problems.add("slug", f"slug {slug!r} must be a single path segment of {allowed}")
    entry_id = problems.field("id", _text, meta.get("id"), "id")
    if entry_id is not None and not is_uri(entry_id):
        problems.add("id", f"id {entry_id!r} must be an absolute URI such as urn:uuid:…")
    values = {
        "summary": problems.field("summary", _text, meta.get("summary"), "summary"),
        "authors": problems.field("authors" if "authors" in meta else "author", _authors, meta) or (),
        "tags": problems.field("tags", _tags, meta.get("tags")) or (),
        "lang": problems.field("lang", _lang, meta.get("lang")),
        "draft": problems.field("draft", _bool, meta.get("draft"), "draft") or False,
        "image": problems.field("image", _url, meta.get("image"), "image"),
        "image_alt": problems.field("image_alt", _text, meta.get("image_alt"), "image_alt"),
        "source": problems.field("source", _source, meta.get("source")),
        "rights": problems.field("rights", _text, meta.get("rights"), "rights"),
        "image_credit": problems.field("image_credit", _text, meta.get("image_credit"), "image_credit"),
        "section": problems.field("section", _text, meta.get("section"), "section"),
        "featured": problems.field("featured", _bool, meta.get("featured"), "featured") or False,
        "corrections": problems.field("corrections", notices.corrections, meta.get("corrections"), tz) or (),
        "retracted": problems.field("retracted", notices.retraction, meta.get("retracted"), tz),
        "aliases": problems.field("aliases", notices.aliases, meta.get("aliases")) or (),
        "feed_content": problems.field("feed_content", notices.feed_content, meta.get("feed_content")),
    }
    for key in (k for k in meta if k not in KNOWN_KEYS and is_url_key(k)):
        problems.field(key, check_urls, meta[key], key)
    if problems.problems:
        raise ContentError(problems.problems)
    assert isinstance(title, str) and isinstance(when, datetime) and isinstance(slug, str)
    entry = Entry(
        key=load_key(settings, path, raw),
        path=path,
        title=title,
        date=when,
        id=entry_id or derived_id(settings.base_url, path),
        id_pinned=entry_id is not None,
        slug=slug,
        updated=updated,
        extra={k: v for k, v in meta.items() if k not in KNOWN_KEYS},
        day_only=is_day(meta.get("date")),
        **values,
    )
    return entry, body_of(text.body)


def body_of(markdown: str) -> str:
    """An entry's body as parsed from the Markdown under its front matter."""
    return clean_text(markdown)


def read_body(settings: Settings, path: str, raw: bytes) -> str:
    """The body parse_entry(settings, path, raw) gives, without validating the front matter again."""
    try:
        return body_of(read_entry(raw).body)
    except EntryFileError as exc:
        raise ContentError([Problem(path, exc.line, str(exc))]) from None


def check_unique(entries: Iterable[Entry]) -> list[Problem]:
    """Two entries may not share a URL or an id."""
    problems: list[Problem] = []
    by_url: dict[str, Entry] = {}
    by_id: dict[str, Entry] = {}
    for entry in entries:
        for index, key, what in ((by_url, entry.url_path, "URL /"), (by_id, entry.id, "id ")):
            first = index.setdefault(key, entry)
            if first is not entry:
                problems.append(Problem(entry.path, None, f"has the same {what}{key} as {first.path}"))
    return problems
