"""Newsroom front matter: corrections, a retraction, old addresses (aliases) and per-entry feed
content, parsed into plain values. Every problem is a ValueError with a message for its key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from feedsite.dates import parse_date
from feedsite.text import clean_text

FEED_CONTENT = ("full", "summary")


@dataclass(frozen=True)
class Correction:
    date: datetime
    text: str


@dataclass(frozen=True)
class Retraction:
    date: datetime
    reason: str


def _line(value: Any, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{what} must be text")
    text = " ".join(clean_text(str(value)).split())
    if not text:
        raise ValueError(f"{what} must not be empty")
    return text


def _dated(value: Any, key: str, words: tuple[str, str], tz: tzinfo) -> tuple[datetime, str]:
    if not isinstance(value, dict) or set(value) != {"date", words[1]}:
        raise ValueError(f"must be {{date: …, {words[1]}: …}} ({words[0]})")
    return parse_date(value["date"], tz), _line(value[words[1]], f"{key} {words[1]}")


def corrections(value: Any, tz: tzinfo) -> tuple[Correction, ...]:
    """`corrections: [{date, text}, …]`, newest last; kept in date order."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    made = [
        Correction(*_dated(item, "correction", ("a list of them, newest last", "text"), tz)) for item in items
    ]
    return tuple(sorted(made, key=lambda c: c.date))


def retraction(value: Any, tz: tzinfo) -> Retraction | None:
    """`retracted: {date, reason}`: the page stays as a notice; feeds drop the entry."""
    if value is None or value is False:
        return None
    return Retraction(*_dated(value, "retraction", ("when and why", "reason"), tz))


_SITE_PATH = re.compile(r"/?(?:[A-Za-z0-9._~%!$&'()*+,;=:@-]+/)*[A-Za-z0-9._~%!$&'()*+,;=:@-]*")


def aliases(value: Any) -> tuple[str, ...]:
    """`aliases: [/2024/11/old-slug/, …]`: site paths (no scheme, host, query or '..') that redirect
    here; returned without their leading '/'."""
    if value is None:
        return ()
    found: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if not isinstance(item, str) or not item.strip():
            raise ValueError("must be a site path such as /2024/11/old-slug/ or a list of them")
        path = item.strip()
        parts = path.strip("/").split("/")
        if not _SITE_PATH.fullmatch(path) or path.startswith("//") or ".." in parts or "." in parts:
            raise ValueError(f"{path!r} is not a site path such as /2024/11/old-slug/")
        rel = path.lstrip("/")
        if rel and rel not in found:
            found.append(rel)
    return tuple(found)


def feed_content(value: Any) -> str | None:
    """`feed_content: full | summary`: what this entry's feed items carry (default: feeds.content)."""
    if value is None:
        return None
    if value not in FEED_CONTENT:
        raise ValueError(f"must be one of {', '.join(FEED_CONTENT)}")
    return str(value)
