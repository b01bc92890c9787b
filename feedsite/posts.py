"""Entries plus their rendered HTML, grouped the ways the site shows them. Pure values."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Protocol

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


class BodySource(Protocol):
    """Where a post's body HTML comes from (feedsite.render.Bodies fetches it when first needed)."""

    def html(self, digest: str) -> str: ...

    def first_paragraph(self, digest: str) -> str: ...


@dataclass(frozen=True)
class Post:
    """An entry ready to show: its page path, absolute URL, body HTML and summary."""

    entry: Entry
    url: str  # absolute URL of its page
    tags: tuple[Tag, ...]
    bodies: BodySource = field(repr=False, compare=False)

    @cached_property
    def path(self) -> str:
        return self.entry.url_path

    @property
    def html(self) -> str:
        """Body HTML as rendered (links as written)."""
        return self.bodies.html(self.entry.digest)

    @property
    def summary(self) -> str:
        """Plain text: the entry's summary, or else its first paragraph."""
        return self.entry.summary or self.bodies.first_paragraph(self.entry.digest)

    @cached_property
    def title_line(self) -> str:
        """What the built-in archives show of this post: its link, title and date."""
        return f"{self.path}|{self.entry.title}|{self.entry.date.isoformat()}"

    @cached_property
    def identity(self) -> str:
        """What a list shows of this post changes only when this changes."""
        tags = ",".join(f"{t.slug}={t.name}" for t in self.tags)
        return f"{self.entry.path}|{self.entry.digest}|{tags}"


def tag_index(entries: Iterable[Entry]) -> dict[str, Tag]:
    """Tag name → Tag. Names sharing a slug ("Ukraine", "ukraine") share one Tag, shown with the
    spelling used most (ties: the capitalized one), so the choice never depends on file order."""
    counts: Counter[str] = Counter(name for entry in entries for name in entry.tags)
    spellings: dict[str, Counter[str]] = {}
    for name, count in counts.items():
        spellings.setdefault(tag_slug(name), Counter())[name] += count
    index: dict[str, Tag] = {}
    for slug, names in spellings.items():
        tag = Tag(max(names, key=lambda n: (names[n], n != n.lower(), n)), slug)
        index.update(dict.fromkeys(names, tag))
    return index


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """Newest first; ties broken by path so the order never depends on the file system."""
    return sorted(entries, key=lambda e: (-e.date.timestamp(), e.path))


@dataclass(frozen=True)
class StaticBody:
    """One post's body, given up front."""

    body_html: str
    first: str

    def html(self, digest: str) -> str:
        return self.body_html

    def first_paragraph(self, digest: str) -> str:
        return self.first


def make_post(config: SiteConfig, entry: Entry, html: str, first_para: str, tags: dict[str, Tag]) -> Post:
    return make_posts(config, [entry], StaticBody(html, first_para), tags)[0]


def make_posts(
    config: SiteConfig, entries: Sequence[Entry], bodies: BodySource, tags: dict[str, Tag]
) -> list[Post]:
    """Posts for entries, whose HTML bodies gives when asked."""
    posts = []
    for entry in entries:
        path = entry.url_path
        post = Post(
            entry=entry,
            url=absolute(config.base_url, path),
            tags=tuple(dict.fromkeys(tags[name] for name in entry.tags)),
            bodies=bodies,
        )
        post.__dict__["path"] = path  # the cached_property, filled in: it is asked for often
        posts.append(post)
    return posts


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
