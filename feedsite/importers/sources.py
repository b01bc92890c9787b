"""The sources `feedsite import` reads: which files under the paths it is given, and what each holds."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import tzinfo
from pathlib import Path

from feedsite.importers.article import Article, Notice, SourceError, decode, language_tag
from feedsite.importers.feed import parse_feed
from feedsite.importers.html import parse_html
from feedsite.importers.text import parse_text

TEXT_SUFFIXES = frozenset({".txt"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom", ".json"})
IMPORT_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES
_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9._-]+)", re.IGNORECASE)


def collect(paths: list[Path], show: Callable[[Path], str], fail: Callable[[str, str], None]) -> list[Path]:
    """The source files under `paths`, sorted, each once; reports paths that cannot be read."""
    found: dict[Path, None] = {}
    for given in paths:
        if given.is_dir():
            files = sorted(
                p
                for p in given.rglob("*")
                if p.suffix.lower() in IMPORT_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(given).parts)
            )
            for file in files:
                found.setdefault(file.resolve(), None)
        elif given.is_file():
            if given.suffix.lower() in IMPORT_SUFFIXES:
                found.setdefault(given.resolve(), None)
            else:
                kinds = ", ".join(sorted(IMPORT_SUFFIXES))
                fail(show(given), f"not a kind of source import reads ({kinds})")
        else:
            fail(show(given), "no such file or folder")
    return sorted(found, key=show)


def read_source(path: Path, tz: tzinfo) -> list[Article | SourceError | Notice]:
    """What one source holds: its article, or one per feed item; SourceError when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot be read ({exc.strerror})") from None
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
