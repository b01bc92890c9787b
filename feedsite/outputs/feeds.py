"""RSS 2.0 and Atom 1.0 documents made with feedgen, with every id, date and order explicit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from feedsite import __version__
from feedsite.markup import absolutize
from feedsite.posts import Post, newest_time
from feedsite.text import clean_text
from feedsite.urls import absolute

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator

    from feedsite.outputs import Planner, SiteInfo

GENERATOR_URI = "https://pypi.org/project/feedsite/"


@dataclass(frozen=True)
class FeedInfo:
    """One feed: what it is called and where it and its HTML page live (absolute URLs)."""

    title: str
    description: str
    page_url: str
    rss_url: str
    atom_url: str


def feed_info(site: SiteInfo, title: str, description: str, base: str) -> FeedInfo:
    url = site.base_url
    return FeedInfo(
        title=title,
        description=description or title,
        page_url=absolute(url, base),
        rss_url=absolute(url, base + "feed.xml"),
        atom_url=absolute(url, base + "atom.xml"),
    )


def site_feed(site: SiteInfo) -> FeedInfo:
    return feed_info(site, site.title, site.description, "")


def plan_feeds(plan: Planner, info: FeedInfo, base: str, posts: Sequence[Post]) -> None:
    context = {"site": plan.site, "info": info, "posts": tuple(posts[: plan.site.feed_limit])}
    plan.document(base + "feed.xml", rss, context)
    plan.document(base + "atom.xml", atom, context)


def rss(context: dict[str, Any]) -> bytes:
    return _both(context)[0]


def atom(context: dict[str, Any]) -> bytes:
    return _both(context)[1]


_last: list[tuple[dict[str, Any], tuple[bytes, bytes]]] = []  # the last context made: its two feeds


def _both(context: dict[str, Any]) -> tuple[bytes, bytes]:
    """(RSS, Atom) of one context, made from one generator (only the self link differs); the pair
    is kept for the context it was made for, which is the one asked for next."""
    if _last and _last[0][0] is context:
        return _last[0][1]
    info: FeedInfo = context["info"]
    fg = _generator(context["site"], info, context["posts"])
    _links(fg, info, info.rss_url)
    made = fg.rss_str(pretty=True, encoding="UTF-8")
    _links(fg, info, info.atom_url)
    pair = (made, fg.atom_str(pretty=True, encoding="UTF-8"))
    _last[:] = [(context, pair)]
    return pair


def _links(fg: FeedGenerator, info: FeedInfo, self_url: str) -> None:
    fg.link(href=self_url, rel="self", replace=True)
    fg.link(href=info.page_url, rel="alternate", type="text/html")  # last: RSS <link> takes it


def _generator(site: SiteInfo, info: FeedInfo, posts: Sequence[Post]) -> FeedGenerator:
    # Imported here: a rebuild whose feeds did not change never loads feedgen (and lxml).
    from feedgen.feed import FeedGenerator  # first: feedgen.util needs lxml.etree loaded

    from feedgen.ext.dc import DcEntryExtension, DcExtension  # isort: skip

    fg = FeedGenerator()
    # dc:creator carries author names in RSS, whose <author> must be an e-mail address.
    fg.register_extension("dc", DcExtension, DcEntryExtension, atom=False, rss=True)
    fg.id(info.page_url)
    fg.title(clean_text(info.title))
    fg.description(clean_text(info.description) or clean_text(info.title))
    fg.language(site.language)
    fg.author({"name": clean_text(site.author or site.title)})
    fg.generator("feedsite", version=__version__, uri=GENERATOR_URI)
    if site.rights:
        fg.rights(clean_text(site.rights))
    newest = newest_time(posts)
    # never the build's clock: the newest entry's time, or the epoch for an empty feed
    fg.updated(newest if newest is not None else "1970-01-01T00:00:00+00:00")
    for post in posts:
        _add_entry(fg, site, post)
    return fg


def _add_entry(fg: FeedGenerator, site: SiteInfo, post: Post) -> None:
    entry = post.entry
    fe = fg.add_entry(order="append")
    fe.id(entry.id)
    fe.guid(entry.id, permalink=entry.id == post.url)
    fe.title(entry.title)
    fe.link(href=post.url, rel="alternate", type="text/html")
    fe.published(entry.date)
    fe.updated(entry.modified)
    for author in entry.authors:
        fe.author({k: v for k, v in vars(author).items() if v})
        fe.dc.dc_creator(author.name)
    for tag in post.tags:
        fe.category(term=tag.name, label=tag.name)
    if post.summary:
        fe.summary(post.summary)
    fe.content(absolutize(post.html, post.url), type="html")
    if entry.rights or site.rights:
        fe.rights(clean_text(entry.rights or site.rights))
