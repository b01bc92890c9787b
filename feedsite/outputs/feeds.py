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


def plan_feeds(plan: Planner, info: FeedInfo, base: str, posts: Sequence[Post]) -> None:
    """The three feeds of `posts` (newest first; any list: the site's, a tag's, an author's) rooted
    at `base` ("" or a folder such as "tags/x/"): base/feed.xml, base/atom.xml, base/feed.json, and
    their archive pages under base/feeds/archive/N/. A retracted entry keeps its place in the
    numbering (so no full archive page changes) but no document lists it; the Atom subscription
    document carries a tombstone for it."""
    site = plan.site
    size = site.feed_archive_size
    images: dict[int, Media | None] = {}

    def media(post: Post) -> Media | None:
        if id(post) not in images:
            images[id(post)] = image_media(site.base_url, post.url, post.entry.image, plan.static)
        return images[id(post)]

    def items(shown: Sequence[Post], deleted: tuple[Post, ...] = ()) -> Items:
        listed = tuple(p for p in shown if p.entry.retracted is None)
        found = tuple(media(p) for p in listed)
        return Items(listed, deleted, found if any(found) else ())

    def url(name: str, number: int) -> str:
        if number == 0:
            return info.url(name)
        return absolute(site.base_url, feedhistory.archive_folder(base, number) + name)

    deleted = tuple(p for p in posts if p.entry.retracted is not None)

    def subscription(kept: int) -> list[tuple[str, Maker, dict[str, Any]]]:
        pages = feedhistory.page_count(len(posts) - kept, size)
        shown = items(posts[:kept], deleted)
        return [
            (
                base + name,
                make,
                {
                    "site": site,
                    "info": info,
                    "links": feedhistory.links(partial(url, name), 0, pages, site.websub_hubs),
                    "items": shown,
                },
            )
            for name, make in FEED_FILES
        ]

    def bound(kept: int) -> int:
        return feedsize.document_bound(site, info, items(posts[:kept], deleted))

    def exact(kept: int) -> int:
        return max(len(make(context)) for _path, make, context in subscription(kept))

    kept = feedhistory.fitting(min(site.feed_limit, len(posts)), bound, exact, site.feed_max_bytes)
    for path, make, context in subscription(kept):
        plan.document(path, make, context)
    pages = feedhistory.page_count(len(posts) - kept, size)
    for number, shown in feedhistory.newest_first_pages(posts, kept, size):
        listed = items(shown)
        folder = feedhistory.archive_folder(base, number)
        for name, make in FEED_FILES:
            links = feedhistory.links(partial(url, name), number, pages, ())
            plan.document(folder + name, make, {"site": site, "info": info, "links": links, "items": listed})
