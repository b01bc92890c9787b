"""The sources `feedsite import` reads: which files under the paths it is given, and what each holds."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, tzinfo
from pathlib import Path

from feedsite.files import FileReadError, not_regular, read_regular
from feedsite.importers.article import Article, Notice, SourceError, decode, language_tag
from feedsite.importers.feed import parse_feed
from feedsite.importers.html import parse_html
from feedsite.importers.text import parse_text
from feedsite.urls import allowed_url

TEXT_SUFFIXES = frozenset({".txt"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom", ".json"})
IMPORT_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES
_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9._-]+)", re.IGNORECASE)


def collect(
    paths: list[Path],
    show: Callable[[Path], str],
    fail: Callable[[str, str], None],
    warn: Callable[[str], None],
) -> list[Path]:
    """The source files under `paths`, sorted, each once; reports paths that cannot be read, and
    skips (with a warning) fifos, devices and sockets named as sources: they are never opened."""
    found: dict[Path, None] = {}
    for given in paths:
        if given.is_dir():
            files = sorted(
                p
                for p in given.rglob("*")
                if p.suffix.lower() in IMPORT_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(given).parts)
            )
            for file in files:
                if file.is_file():
                    found.setdefault(file.resolve(), None)
                elif kind := _odd_kind(file):
                    warn(f"{show(file)}: warning: is {kind}, not a regular file: skipped")
        elif given.is_file():
            if given.suffix.lower() in IMPORT_SUFFIXES:
                found.setdefault(given.resolve(), None)
            else:
                kinds = ", ".join(sorted(IMPORT_SUFFIXES))
                fail(show(given), f"not a kind of source import reads ({kinds})")
        elif kind := _odd_kind(given):
            warn(f"{show(given)}: warning: is {kind}, not a regular file: skipped")
        else:
            fail(show(given), "no such file or folder")
    return sorted(found, key=show)


def _odd_kind(path: Path) -> str | None:
    """What `path` is when it is there but neither a regular file nor a folder ("a fifo", ...)."""
    try:
        kind = not_regular(os.stat(path).st_mode)
    except OSError:
        return None
    return None if kind == "a folder" else kind


def read_source(path: Path, tz: tzinfo) -> list[Article | SourceError | Notice]:
    """What one source holds: its article, or one per feed item; SourceError when it cannot be read."""
    try:
        data = read_regular(path)
    except FileReadError as exc:
        raise SourceError(str(exc)) from None
    if not data.strip(b" \t\r\n\f\v\xef\xbb\xbf"):
        raise SourceError("empty file")
    suffix = path.suffix.lower()
    if suffix in FEED_SUFFIXES:
        return [_checked(item) for item in parse_feed(data, suffix, tz)]
    declared = _CHARSET.search(data[:4096]) if suffix in HTML_SUFFIXES else None
    text = decode(data, declared.group(1).decode("ascii") if declared else None)
    if not text.strip():
        raise SourceError("empty file")
    if suffix in HTML_SUFFIXES:
        return [_checked(parse_html(text, tz))]
    return [parse_text(text)]


def _checked(item: Article | SourceError | Notice) -> Article | SourceError | Notice:
    """A source's language kept only when it is a BCP 47 tag."""
    if isinstance(item, Article) and item.lang and language_tag(item.lang) != item.lang:
        return replace(item, lang=language_tag(item.lang))
    return item


def check_lang(value: str) -> str:
    """`--lang` as given when it is a BCP 47 language tag; else ValueError saying what it must be."""
    tag = language_tag(value)
    if not tag:
        raise ValueError(f"{value!r} is not a BCP 47 language tag (such as en, en-GB, pt-BR, zh-Hant)")
    return tag


def web_urls(article: Article, label: str, rooted: bool, warn: Callable[[str], None]) -> Article:
    """The article with its source URL and image kept only when they pass the allow-list and are
    absolute http(s) (the image, with `rooted`, also a path from the site's root "/…", as a saved
    page may give); what is dropped is said through `warn`."""
    source_url = _web_url(article.source_url, "source url", False, label, warn)
    image = _web_url(article.image, "image", rooted, label, warn)
    if (source_url, image) == (article.source_url, article.image):
        return article
    return replace(article, source_url=source_url, image=image)


def _web_url(url: str, key: str, rooted: bool, label: str, warn: Callable[[str], None]) -> str:
    if not url or (allowed_url(url) and url.startswith(("http://", "https://", *(("/",) if rooted else ())))):
        return url
    kept = "absolute http(s) URLs" + (" and paths from the root" if rooted else "")
    warn(f"{label}: warning: {key} {url[:200]!r} dropped: only {kept} are kept")
    return ""


def file_time(path: Path, tz: tzinfo) -> datetime:
    """The source file's modification time, for a source with no date of its own."""
    try:
        return datetime.fromtimestamp(int(path.stat().st_mtime), tz)
    except (OverflowError, ValueError, OSError):
        raise SourceError(
            "no date in the source, and its modification time is no date (use --date)"
        ) from None
