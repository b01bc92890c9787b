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
    plan: Planner, info: FeedInfo, base: str, posts: Sequence[Post], *, history: bool = True
) -> None:
    """The three feeds of `posts` (newest first; any list: the site's, a tag's, an author's) rooted
    at `base` ("" or a folder such as "tags/x/"): base/feed.xml, base/atom.xml, base/feed.json, and
    with `history` their archive pages under base/feeds/archive/N/. A retracted entry keeps its
    place in the numbering (so no full archive page changes) but no document lists it; the Atom
    subscription document carries a tombstone for it. Without `history` a feed keeps its newest
    entries only, and says it is complete only when it holds them all."""
    feed = _Feed(plan, info, base, posts, history)
    site, total = plan.site, len(posts)
    kept = feedhistory.fitting(min(site.feed_limit, total), feed.bound, feed.exact, site.feed_max_bytes)
    pages = feedhistory.page_count(total - kept, site.feed_archive_size) if history else 0
    for path, make, context in feed.documents(0, pages, feed.items(posts[:kept], feed.deleted)):
        plan.document(path, make, context)
    if not history:
        return
    for number, shown in feedhistory.newest_first_pages(posts, kept, site.feed_archive_size):
        for path, make, context in feed.documents(number, pages, feed.items(shown)):
            plan.document(path, make, context)


class _Feed:
    """One feed being planned: its posts, where its documents live, what each lists."""

    def __init__(
        self, plan: Planner, info: FeedInfo, base: str, posts: Sequence[Post], history: bool
    ) -> None:
        self.plan, self.site, self.info, self.base, self.posts = plan, plan.site, info, base, posts
        self.history = history
        self.deleted = tuple(p for p in posts if p.entry.retracted is not None)
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

    def url(self, name: str, number: int) -> str:
        """The URL of document `number` (0: the subscription document) in the format `name`."""
        if number == 0:
            return self.info.url(name)
        return absolute(self.site.base_url, feedhistory.archive_folder(self.base, number) + name)

    def documents(self, number: int, pages: int, items: Items) -> list[tuple[str, Maker, dict[str, Any]]]:
        """(path, maker, context) of document `number` in each format, of a feed with `pages` pages."""
        folder = self.base if number == 0 else feedhistory.archive_folder(self.base, number)
        hubs = self.site.websub_hubs if number == 0 else ()
        complete = None if self.history else len(items.posts) >= len(self.posts) - len(self.deleted)
        return [
            (
                folder + name,
                make,
                {
                    "site": self.site,
                    "info": self.info,
                    "links": feedhistory.links(partial(self.url, name), number, pages, hubs, complete),
                    "items": items,
                },
            )
            for name, make in FEED_FILES
        ]

    def bound(self, kept: int) -> int:
        """At least the size of the largest subscription document with the newest `kept` entries."""
        return feedsize.document_bound(self.site, self.info, self.items(self.posts[:kept], self.deleted))

    def exact(self, kept: int) -> int:
        """The size of the largest subscription document with the newest `kept` entries."""
        pages = feedhistory.page_count(len(self.posts) - kept, self.site.feed_archive_size)
        made = self.documents(0, pages, self.items(self.posts[:kept], self.deleted))
        return max(len(make(context)) for _path, make, context in made)
