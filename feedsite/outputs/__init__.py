"""The plan stage: posts → every file of the site, each an Output whose key is derived.

Each output is planned as a maker (a template, or a pure function of this package) and a context of
plain data; its key hashes the maker's name, the context (outputs.keys) and `salt` (feedsite's code
and the theme's templates). What a maker can see is exactly what is hashed, so no page goes stale
because a field was forgotten. Nothing is rendered here: an Output renders when the writer asks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from feedsite.config import SiteConfig
from feedsite.outputs.keys import Hasher
from feedsite.outputs.media import StaticFiles
from feedsite.posts import Post
from feedsite.theme import Theme
from feedsite.writer import Output


@dataclass(frozen=True)
class FeedLink:
    title: str
    rss: str
    atom: str

    @property
    def json(self) -> str:
        """The JSON Feed beside the RSS feed: …/feed.xml → …/feed.json."""
        return self.rss.removesuffix("feed.xml") + "feed.json"


@dataclass(frozen=True)
class SiteInfo:
    """What every page and feed may show of the config."""

    title: str
    description: str
    language: str
    base_url: str
    author: str
    rights: str
    feed_limit: int
    per_page: int
    feed_content: str = "full"  # "full" or "summary": what feed items carry (an entry may say otherwise)
    feed_max_bytes: int = 1_000_000  # a subscription feed document's budget
    feed_archive_size: int = 50  # entries per RFC 5005 archive document
    websub_hubs: tuple[str, ...] = ()
    search: bool = False  # search.enabled: pages carry the search box, the site a search page


@dataclass(frozen=True)
class PageInfo:
    """What base.html shows of a page. page.x and page["x"] both work in templates."""

    path: str
    title: str
    description: str
    canonical: str
    root: str
    lang: str
    feeds: tuple[FeedLink, ...]

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)


class Planner:
    """Collects the outputs of one site."""

    def __init__(self, config: SiteConfig, theme: Theme, salt: str) -> None:
        self.theme = theme
        self.salt = salt
        self.hasher = Hasher()
        self.outputs: list[Output] = []
        self.site = SiteInfo(
            title=config.title,
            description=config.description,
            language=config.language,
            base_url=config.base_url,
            author=config.author,
            rights=config.rights,
            feed_limit=config.feed_limit,
            per_page=config.per_page,
            feed_content=config.feed_content,
            feed_max_bytes=config.feed_max_bytes,
            feed_archive_size=config.feed_archive_size,
            websub_hubs=config.websub_hubs,
            search=config.search_enabled,
        )
        self.static = StaticFiles(config.path("static"))  # sizes of the project's static files

    def document(self, path: str, make: Callable[[dict[str, Any]], bytes], context: dict[str, Any]) -> None:
        """A file made by make(context), a pure module-level function."""
        name = f"{make.__module__}.{make.__qualname__}"
        self.outputs.append(Output(path, self._key(path, name, context), lambda: make(context)))

    def page(
        self, path: str, template: str, context: dict[str, Any], prepare: Callable[..., Any] | None = None
    ) -> None:
        """An HTML page: template rendered with context (plus, when given, prepare(context)'s
        additions: values derived from the context by a pure function, so not hashed again)."""
        theme = self.theme

        def render() -> bytes:
            return theme.render(template, {**context, **prepare(context)} if prepare else context)

        maker = template + (f"|{prepare.__module__}.{prepare.__qualname__}" if prepare else "")
        self.outputs.append(Output(path, self._key(path, maker, context), render))

    def _key(self, path: str, maker: str, context: dict[str, Any]) -> str:
        return self.hasher.digest(context, self.salt, path, maker)


def plan_site(
    config: SiteConfig,
    theme: Theme,
    posts: Sequence[Post],
    salt: str,
    urls: Mapping[str, Sequence[str]] | None = None,
) -> list[Output]:
    """Every file of the site, for posts that come newest first. `urls` is the remembered addresses
    (entry id → site paths it was published at, feedsite.urlmemory): each old one redirects.

    Lists (home, archives, tags, authors) show the live posts; a retracted post keeps its page, and
    the feeds get every post, retracted ones included, to tell readers they are gone."""
    from feedsite.outputs import entries, extras, feeds, pages, redirects, sitemaps

    plan = Planner(config, theme, salt)
    live = pages.live(posts)
    site_feed = feeds.site_feed(plan.site)
    pages.home(plan, live, site_feed)
    feeds.plan_feeds(plan, site_feed, "", posts)
    entries.entries(plan, posts, live, site_feed)
    pages.archives(plan, live, site_feed)
    for info, base, tagged in pages.tags(plan, posts, site_feed):
        feeds.plan_feeds(plan, info, base, tagged, history=False)
    for info, base, written in pages.authors(plan, posts, site_feed):
        feeds.plan_feeds(plan, info, base, written, history=False)
    sitemaps.plan_sitemaps(plan, posts)
    extras.plan_extras(plan, config, site_feed)
    redirects.plan_redirects(plan, posts, urls or {})  # last: a live page always wins its path
    return plan.outputs
