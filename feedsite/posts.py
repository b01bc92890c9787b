"""Entries plus their rendered HTML, grouped the ways the site shows them. Pure values."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from feedsite.config import SiteConfig
from feedsite.content import Entry
from feedsite.urls import absolute, tag_slug


@dataclass(frozen=True)
class Tag:
    name: str
    slug: str

    @property
    def path(self) -> str:
        return f"tags/{self.slug}/"


@dataclass(frozen=True)
class Post:
    """An entry ready to show: its page path, absolute URL, body HTML and summary."""

    entry: Entry
    url: str  # absolute URL of its page
    html: str  # body HTML as rendered (links as written)
    summary: str  # plain text
    tags: tuple[Tag, ...]

    @property
    def path(self) -> str:
        return self.entry.url_path


def tag_index(entries: Iterable[Entry]) -> dict[str, Tag]:
    """Tag name → Tag. Names sharing a slug ("Ukraine", "ukraine") share one Tag, shown with the
    spelling used most (ties: the capitalized one), so the choice never depends on file order."""
    spellings: dict[str, Counter[str]] = {}
    for entry in entries:
        for name in entry.tags:
            spellings.setdefault(tag_slug(name), Counter())[name] += 1
    index: dict[str, Tag] = {}
    for slug, names in spellings.items():
        tag = Tag(max(names, key=lambda n: (names[n], n != n.lower(), n)), slug)
        index.update(dict.fromkeys(names, tag))
    return index


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """Newest first; ties broken by path so the order never depends on the file system."""
    return sorted(entries, key=lambda e: (-e.date.timestamp(), e.path))


def make_post(config: SiteConfig, entry: Entry, html: str, first_para: str, tags: dict[str, Tag]) -> Post:
    return Post(
        entry=entry,
        url=absolute(config.base_url, entry.url_path),
        html=html,
        summary=entry.summary or first_para,
        tags=tuple(dict.fromkeys(tags[name] for name in entry.tags)),
    )


def newest_time(posts: Sequence[Post]) -> datetime | None:
    """The time a list last changed: the newest published or updated time in it."""
    return max((p.entry.modified for p in posts), default=None)


def by_month(posts: Sequence[Post]) -> dict[int, dict[int, list[Post]]]:
    """year → month → posts, keeping the posts' order (newest first in, newest first out)."""
    years: dict[int, dict[int, list[Post]]] = {}
    for post in posts:
        years.setdefault(post.entry.date.year, {}).setdefault(post.entry.date.month, []).append(post)
    return years


def by_tag(posts: Sequence[Post]) -> dict[Tag, list[Post]]:
    """Tag → its posts (order kept), tags sorted by name, case-insensitively."""
    groups: dict[Tag, list[Post]] = {}
    for post in posts:
        for tag in post.tags:
            groups.setdefault(tag, []).append(post)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0].name.casefold(), kv[0].slug)))
