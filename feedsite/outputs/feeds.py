"""The feeds of a list of posts: RSS 2.0, Atom 1.0 and JSON Feed 1.1, each a subscription document
with the newest entries and archive pages with every older one (feedhistory.py, RFC 5005).

The subscription documents hold the newest `feeds.limit` entries, or fewer when they would not fit
in `feeds.max_bytes`: then the oldest of them move to the archive, whole. That is decided here, at
plan time, from an upper bound on each document's size (feedsize.py), which costs a few string
scans; only a feed whose bound passes the budget is made, and measured, to find how many fit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from feedsite.outputs import feedhistory, feedsize
from feedsite.outputs.feedhistory import Items
from feedsite.outputs.feedxml import atom, rss
from feedsite.outputs.jsonfeed import json_feed
from feedsite.outputs.media import Media, image_media
from feedsite.posts import Post
from feedsite.urls import absolute

if TYPE_CHECKING:
    from feedsite.outputs import Planner, SiteInfo

__all__ = ["FEED_FILES", "FeedInfo", "atom", "feed_info", "json_feed", "plan_feeds", "rss", "site_feed"]

Maker = Callable[[dict[str, Any]], bytes]
FEED_FILES: tuple[tuple[str, Maker], ...] = (("feed.xml", rss), ("atom.xml", atom), ("feed.json", json_feed))


@dataclass(frozen=True)
class FeedInfo:
    """One feed: what it is called and where it and its HTML page live (absolute URLs)."""

    title: str
    description: str
    page_url: str
    rss_url: str
    atom_url: str
    json_url: str = ""

    def url(self, name: str) -> str:
        """The subscription document called `name` (one of FEED_FILES)."""
        return {"feed.xml": self.rss_url, "atom.xml": self.atom_url, "feed.json": self.json_url}[name]


def feed_info(site: SiteInfo, title: str, description: str, base: str) -> FeedInfo:
    url = site.base_url
    return FeedInfo(
        title=title,
        description=description or title,
        page_url=absolute(url, base),
        rss_url=absolute(url, base + "feed.xml"),
        atom_url=absolute(url, base + "atom.xml"),
        json_url=absolute(url, base + "feed.json"),
    )


def site_feed(site: SiteInfo) -> FeedInfo:
    return feed_info(site, site.title, site.description, "")


def plan_feeds(
    plan: Planner,
    info: FeedInfo,
    base: str,
    posts: Sequence[Post],
    deleted: tuple[Post, ...],
    *,
    history: bool = True,
) -> None:
    """The three feeds of `posts` (newest first; any list: the site's, a tag's, an author's) rooted
    at `base` ("" or a folder such as "tags/x/"): base/feed.xml, base/atom.xml, base/feed.json, and
    with `history` their archive pages under base/feeds/archive/N/. A retracted entry keeps its
    place in the numbering (so no full archive page changes) but no document lists it; the Atom
    subscription document carries a tombstone for it (`deleted`: the retracted posts of the list).
    Without `history` a feed keeps its newest entries only, and says it is complete only when it
    holds them all."""
    feed = _Feed(plan, info, base, posts, deleted, history)
    site, total = plan.site, len(posts)
    kept = feedhistory.fitting(min(site.feed_limit, total), feed.bound, feed.exact, site.feed_max_bytes)
    pages = feedhistory.page_count(total - kept, site.feed_archive_size) if history else 0
    first = feed.items(posts[:kept], feed.deleted)
    plan.batch(feed_documents, info, base, ((0, pages, feed.complete(first), first),))
    if not history:
        return
    archive = feedhistory.newest_first_pages(posts, kept, site.feed_archive_size)  # the oldest first
    for start in range(0, len(archive), PAGES):
        batch = archive[start : start + PAGES]
        newest = min(pages, batch[-1][0] + 1)  # as far as these pages' links can tell
        rows = tuple((number, newest, None, feed.items(shown)) for number, shown in batch)
        plan.batch(feed_documents, info, base, rows)


PAGES = 20  # archive pages of a feed planned together


def feed_documents(plan: Planner, info: FeedInfo, base: str, rows: tuple[tuple[Any, ...], ...]) -> None:
    """The documents of a feed, from rows of (number, pages, complete, items) (see documents)."""
    for number, pages, complete, items in rows:
        for path, make, context in documents(plan.site, info, base, number, pages, complete, items):
            plan.document(path, make, context)


def documents(
    site: SiteInfo, info: FeedInfo, base: str, number: int, pages: int, complete: bool | None, items: Items
) -> list[tuple[str, Maker, dict[str, Any]]]:
    """(path, maker, context) of document `number` (0: the subscription document) in each format,
    of a feed with `pages` archive pages (feedhistory.links says what `complete` is)."""
    folder = base if number == 0 else feedhistory.archive_folder(base, number)
    hubs = site.websub_hubs if number == 0 else ()

    def url(name: str, number: int) -> str:
        """The URL of document `number` in the format `name`."""
        if number == 0:
            return info.url(name)
        return absolute(site.base_url, feedhistory.archive_folder(base, number) + name)

    return [
        (
            folder + name,
            make,
            {
                "site": site,
                "info": info,
                "links": feedhistory.links(partial(url, name), number, pages, hubs, complete),
                "items": items,
            },
        )
        for name, make in FEED_FILES
    ]


class _Feed:
    """One feed being planned: its posts, and what each of its documents lists."""

    def __init__(
        self,
        plan: Planner,
        info: FeedInfo,
        base: str,
        posts: Sequence[Post],
        deleted: tuple[Post, ...],
        history: bool,
    ) -> None:
        self.plan, self.site, self.info, self.base, self.posts = plan, plan.site, info, base, posts
        self.deleted, self.history = deleted, history
        self.images: dict[int, Media | None] = {}

    def media(self, post: Post) -> Media | None:
        if id(post) not in self.images:
            found = image_media(self.site.base_url, post.url, post.entry.image, self.plan.static)
            self.images[id(post)] = found
        return self.images[id(post)]

    def items(self, shown: Sequence[Post], deleted: tuple[Post, ...] = ()) -> Items:
        listed = tuple(p for p in shown if p.entry.retracted is None)
        found = tuple(self.media(p) for p in listed) if any(p.entry.image for p in listed) else ()
        return Items(listed, deleted, found if any(found) else ())

    def complete(self, items: Items) -> bool | None:
        """What the subscription document listing items says of its completeness (None: a feed
        with history says it itself, from its archive pages)."""
        return None if self.history else len(items.posts) >= len(self.posts) - len(self.deleted)

    def bound(self, kept: int) -> int:
        """At least the size of the largest subscription document with the newest `kept` entries."""
        return feedsize.document_bound(self.site, self.info, self.items(self.posts[:kept], self.deleted))

    def exact(self, kept: int) -> int:
        """The size of the largest subscription document with the newest `kept` entries."""
        pages = feedhistory.page_count(len(self.posts) - kept, self.site.feed_archive_size)
        items = self.items(self.posts[:kept], self.deleted)
        made = documents(self.site, self.info, self.base, 0, pages, self.complete(items), items)
        return max(len(make(context)) for _path, make, context in made)
