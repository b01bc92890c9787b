"""RSS 2.0 and Atom 1.0 documents made with feedgen, with every id, date and order explicit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from feedsite import __version__
from feedsite.config import SiteConfig
from feedsite.content import clean_text
from feedsite.markup import absolutize
from feedsite.posts import Post, newest_time

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator

GENERATOR_URI = "https://pypi.org/project/feedsite/"


@dataclass(frozen=True)
class FeedInfo:
    """One feed: what it is called and where it and its HTML page live (absolute URLs)."""

    title: str
    description: str
    page_url: str
    rss_url: str
    atom_url: str


def _links(fg: FeedGenerator, info: FeedInfo, self_url: str) -> None:
    fg.link(href=self_url, rel="self", replace=True)
    fg.link(href=info.page_url, rel="alternate", type="text/html")  # last: RSS <link> takes it


def _generator(config: SiteConfig, info: FeedInfo, posts: Sequence[Post]) -> FeedGenerator:
    # Imported here: a rebuild whose feeds did not change never loads feedgen (and lxml).
    from feedgen.feed import FeedGenerator  # first: feedgen.util needs lxml.etree loaded

    from feedgen.ext.dc import DcEntryExtension, DcExtension  # isort: skip

    fg = FeedGenerator()
    # dc:creator carries author names in RSS, whose <author> must be an e-mail address.
    fg.register_extension("dc", DcExtension, DcEntryExtension, atom=False, rss=True)
    fg.id(info.page_url)
    fg.title(clean_text(info.title))
    fg.description(clean_text(info.description) or clean_text(info.title))
    fg.language(config.language)
    fg.author({"name": clean_text(config.author or config.title)})
    fg.generator("feedsite", version=__version__, uri=GENERATOR_URI)
    if config.rights:
        fg.rights(clean_text(config.rights))
    newest = newest_time(posts)
    if newest is not None:
        fg.updated(newest)  # also lastBuildDate: never the build's clock
    else:  # an empty feed still needs a fixed time: the epoch keeps builds byte-identical
        fg.updated("1970-01-01T00:00:00+00:00")
    for post in posts:
        _add_entry(fg, config, post)
    return fg


def _add_entry(fg: FeedGenerator, config: SiteConfig, post: Post) -> None:
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
    if entry.rights or config.rights:
        fe.rights(clean_text(entry.rights or config.rights))


def render_feeds(config: SiteConfig, info: FeedInfo, posts: Sequence[Post]) -> tuple[bytes, bytes]:
    """(RSS 2.0, Atom 1.0) documents for posts, which come newest first and already limited."""
    fg = _generator(config, info, posts)  # one generator, built once: only the self link differs
    _links(fg, info, info.rss_url)
    rss = fg.rss_str(pretty=True, encoding="UTF-8")
    _links(fg, info, info.atom_url)
    return rss, fg.atom_str(pretty=True, encoding="UTF-8")
