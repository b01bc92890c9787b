"""The plan stage: posts → every file of the site, each an Output whose key is derived.

Each output is planned as a maker (a template, or a pure function of this package) and a context of
plain data; its key hashes the maker's name, the context (outputs.keys) and `salt` (feedsite's code
and the theme's templates). What a maker can see is exactly what is hashed, so no page goes stale
because a field was forgotten. Nothing is rendered here: an Output renders when the writer asks.

The many look-alike outputs (entry pages, list pages, feed archives) are planned in batches
(Planner.batch): a pure function of the site and its arguments plans a batch, and the paths and
keys it planned are remembered (`known`) under the hash of those arguments. When a later build
hands the same function equal arguments, the batch's keys are taken from there and its contexts
are made only if the writer renders one of its files: a rebuild after one edit makes the contexts
of the few batches the edited post is in, not of every page of the site.
"""

from __future__ import annotations

import copy
import functools
import itertools
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

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


# What `known` holds for a batch: the (path, key) of each output it planned, in order.
Planned = tuple[tuple[str, str], ...]


class Planner:
    """Collects the outputs of one site."""

    def __init__(
        self, config: SiteConfig, theme: Theme, salt: str, known: MutableMapping[str, Planned] | None = None
    ) -> None:
        self.theme = theme
        self.salt = salt
        self.known: MutableMapping[str, Planned] = {} if known is None else known
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
        self._static: StaticFiles | None = StaticFiles(config.path("static"))

    @property
    def static(self) -> StaticFiles:
        """The sizes of the project's static files (not for a batch: they are not in its hash)."""
        if self._static is None:
            raise RuntimeError("a batch must be given what it needs of the static files")
        return self._static

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

    def batch(self, make: Callable[..., None], *args: Any) -> None:
        """The outputs make(planner, *args) plans. make is a module-level function that plans from
        planner.site and args alone (args of plain data; `static` is refused in it), so that equal
        arguments plan the same paths and keys: when `known` holds those of an earlier build for
        them, they are taken from there, and make runs again only if a file of the batch is rendered."""
        name = f"{make.__module__}.{make.__qualname__}"
        digest = self.hasher.digest((self.site, args), self.salt, name)
        known = self.known.get(digest)
        if _is_planned(known):
            again = functools.cache(functools.partial(self._batch, make, args))
            self.outputs.extend(Output(p, k, functools.partial(_render_again, again, p)) for p, k in known)
            return
        made = self._batch(make, args)
        self.known[digest] = tuple((out.path, out.key) for out in made.values())
        self.outputs.extend(made.values())

    def _batch(self, make: Callable[..., None], args: tuple[Any, ...]) -> dict[str, Output]:
        """make's outputs by path, planned apart from the site's."""
        inner = copy.copy(self)  # the same site, theme, salt and hasher
        inner.outputs, inner._static = [], None
        make(inner, *args)
        return {out.path: out for out in inner.outputs}


def _is_planned(value: object) -> TypeGuard[Planned]:
    """A remembered batch as it should be: (path, key) pairs of text."""
    return type(value) is tuple and all(
        type(pair) is tuple and len(pair) == 2 and type(pair[0]) is str and type(pair[1]) is str
        for pair in value
    )


def _render_again(again: Callable[[], dict[str, Output]], path: str) -> bytes:
    """An output of a batch remembered from an earlier build: its batch is planned once more."""
    return again()[path].render()


def from_oldest(total: int, size: int) -> list[slice]:
    """Slices of a newest-first list of `total` items into batches of `size` counted from the
    oldest (the newest batch may be smaller), in order: a new item changes only the newest one."""
    bounds = [0, *range(total % size or size, total, size), total] if total else []
    return [slice(start, stop) for start, stop in itertools.pairwise(bounds)]


def plan_site(
    config: SiteConfig,
    theme: Theme,
    posts: Sequence[Post],
    salt: str,
    urls: Mapping[str, Sequence[str]] | None = None,
    known: MutableMapping[str, Planned] | None = None,
) -> list[Output]:
    """Every file of the site, for posts that come newest first. `urls` is the remembered addresses
    (entry id → site paths it was published at, feedsite.urlmemory): each old one redirects.

    Lists (home, archives, tags, authors) show the live posts; a retracted post keeps its page, and
    the feeds get every post, retracted ones included, to tell readers they are gone. `known` is
    what earlier builds planned in batches (Planner.batch), and gets this build's batches."""
    from feedsite.outputs import entries, extras, feeds, pages, redirects, sitemaps

    plan = Planner(config, theme, salt, known)
    picks = pages.Picks(posts)
    live = picks.live(posts)
    site_feed = feeds.site_feed(plan.site)
    pages.home(plan, picks, live, site_feed)
    feeds.plan_feeds(plan, site_feed, "", posts, picks.deleted(posts))
    entries.entries(plan, posts, live, site_feed)
    pages.archives(plan, live, site_feed)
    for info, base, tagged in pages.tags(plan, picks, posts, site_feed):
        feeds.plan_feeds(plan, info, base, tagged, picks.deleted(tagged), history=False)
    for info, base, written in pages.authors(plan, picks, posts, site_feed):
        feeds.plan_feeds(plan, info, base, written, picks.deleted(written), history=False)
    sitemaps.plan_sitemaps(plan, posts)
    extras.plan_extras(plan, config, site_feed)
    redirects.plan_redirects(plan, posts, urls or {})  # last: a live page always wins its path
    return plan.outputs
