"""Posts → the list of files the site consists of. Pure: each Output renders lazily to bytes.

Each output carries a key naming everything that goes into it, so the writer can skip the
rendering of a file whose inputs did not change (feedsite's memoized full build).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from feedsite.config import SiteConfig
from feedsite.feeds import FeedInfo, render_feeds
from feedsite.pages import Theme, month_name, robots, sitemap, static_files
from feedsite.posts import Post, Tag, by_month, by_tag, newest_time
from feedsite.urls import absolute, output_file, page_dir
from feedsite.writer import Output


def _root(path: str) -> str:
    """The relative way back to the site root from a page folder: "" → "./", "a/b/" → "../../"."""
    depth = path.count("/")
    return "../" * depth if depth else "./"


def _identity(post: Post) -> str:
    return post.identity


def _title_line(post: Post) -> str:
    return post.title_line


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class Fields:
    """Named values a template reads as `page.root` or `page["root"]`: attributes, which Jinja finds
    at once, where it finds a dict's keys only after the attribute lookup fails (twice the cost, paid
    some thirty times a page)."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __getitem__(self, name: str) -> Any:
        return self.__dict__[name]

    def __contains__(self, name: object) -> bool:
        return name in self.__dict__

    def __repr__(self) -> str:
        return f"Fields({self.__dict__!r})"


class Planner:
    def __init__(self, config: SiteConfig, theme: Theme, salt: str) -> None:
        self.config = config
        self.theme = theme
        self.salt = salt
        self.site = Fields(
            title=config.title,
            description=config.description,
            language=config.language,
            base_url=config.base_url,
            author=config.author,
            rights=config.rights,
        )
        self.outputs: list[Output] = []
        self.site_feed = self.feed_info(config.title, config.description, "")

    def feed_info(self, title: str, description: str, base: str) -> FeedInfo:
        url = self.config.base_url
        return FeedInfo(
            title=title,
            description=description or title,
            page_url=absolute(url, base),
            rss_url=absolute(url, base + "feed.xml"),
            atom_url=absolute(url, base + "atom.xml"),
        )

    def add(self, path: str, identity: str, render: Callable[[], bytes]) -> None:
        self.outputs.append(Output(path, _hash(self.salt, path, identity), render))

    def page(self, path: str, template: str, identity: str, title: str, **context: Any) -> None:
        """An HTML page; its context is only built if it has to be rendered."""
        self.add(
            output_file(path),
            template + "|" + identity,
            lambda: self.theme.render(template, self._context(path, title, dict(context))),
        )

    def _context(self, path: str, title: str, context: dict[str, Any]) -> dict[str, Any]:
        feeds = [self.site_feed, *context.pop("feeds", [])]
        description = context.pop("description", "")
        if callable(description):
            description = description()
        page = Fields(
            path=path,
            title=title,
            description=description or self.config.description,
            canonical=absolute(self.config.base_url, path),
            root=context.pop("root", None) or _root(path),
            lang=context.pop("lang", None) or self.config.language,
            feeds=[Fields(title=f.title, rss=f.rss_url, atom=f.atom_url) for f in feeds],
        )
        lazy: dict[str, Callable[[], Any]] = context.pop("lazy", {})
        return {"site": self.site, "page": page, **context, **{k: make() for k, make in lazy.items()}}

    def listing(self, base: str, title: str, posts: Sequence[Post], **context: Any) -> None:
        """Summaries, newest first: the newest `per_page` at base, the rest on base/page/N/ in pages
        numbered from the oldest, so that a page keeps its entries once it is full and a new entry
        changes only the first page and the newest numbered one (README, "What gets built")."""
        per_page = self.config.per_page
        rest = len(posts) - per_page
        count = max(0, -(-rest // per_page))  # numbered pages; the newest may be partly filled
        context.setdefault("heading", None)
        for number in range(count + 1):  # 0: the first page, at base
            if number == 0:
                shown, newer, older = posts[:per_page], None, count or None
            else:
                end = len(posts) - (number - 1) * per_page
                shown = posts[max(per_page, end - per_page) : end]
                newer, older = (number + 1 if number < count else 0), (number - 1 or None)
            pages = {
                "number": number or None,
                "newer": None if newer is None else page_dir(base, newer),
                "older": None if older is None else page_dir(base, older),
            }
            page_title = f"{title} (page {number})" if number else title
            identity = "|".join([str(pages), str(context["heading"]), page_title, *map(_identity, shown)])
            self.page(
                page_dir(base, number), "list.html", identity, page_title, posts=shown, pages=pages, **context
            )

    def feeds(self, info: FeedInfo, base: str, posts: Sequence[Post]) -> None:
        shown = posts[: self.config.feed_limit]
        identity = "|".join([repr(info), *map(_identity, shown)])
        rendered: dict[str, bytes] = {}

        def make(kind: int) -> Callable[[], bytes]:
            def render() -> bytes:
                if "rss" not in rendered:
                    rendered["rss"], rendered["atom"] = render_feeds(self.config, info, shown)
                return rendered["rss" if kind == 0 else "atom"]

            return render

        self.add(base + "feed.xml", identity, make(0))
        self.add(base + "atom.xml", identity, make(1))


def plan_site(config: SiteConfig, theme: Theme, posts: Sequence[Post], salt: str) -> list[Output]:
    """Every file of the site, for posts that come newest first."""
    plan = Planner(config, theme, salt)
    plan.listing("", config.title, posts)
    plan.feeds(plan.site_feed, "", posts)
    _entry_pages(plan, posts)
    _archives(plan, posts)
    _tag_pages(plan, posts)
    _extras(plan, posts)
    return plan.outputs


def _entry_pages(plan: Planner, posts: Sequence[Post]) -> None:
    for index, post in enumerate(posts):
        newer = posts[index - 1] if index > 0 else None
        older = posts[index + 1] if index + 1 < len(posts) else None
        entry = post.entry
        image = absolute(post.url, entry.image) if entry.image else None
        identity = "|".join(
            [_identity(post), *(f"{p.path}={p.entry.title}" if p else "-" for p in (newer, older))]
        )
        plan.page(
            post.path,
            "entry.html",
            identity,
            entry.title,
            description=lambda post=post: post.summary,
            lang=entry.lang,
            post=post,
            newer=newer,
            older=older,
            image=image,
            lazy={"ld": lambda post=post, image=image: _news_article(plan, post, image)},
        )


def _news_article(plan: Planner, post: Post, image: str | None) -> dict[str, Any]:
    entry, config = post.entry, plan.config
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": entry.title,
        "datePublished": entry.date.isoformat(),
        "dateModified": entry.modified.isoformat(),
        "mainEntityOfPage": post.url,
        "url": post.url,
        "inLanguage": entry.lang or config.language,
        "publisher": {
            "@type": "Organization",
            "name": entry.source.name if entry.source and entry.source.name else config.title,
        },
    }
    if post.summary:
        data["description"] = post.summary
    if entry.authors:
        data["author"] = [
            {"@type": "Person", "name": a.name, **({"url": a.uri} if a.uri else {})} for a in entry.authors
        ]
    if post.tags:
        data["keywords"] = [t.name for t in post.tags]
    if image:
        data["image"] = [image]
    if entry.rights:
        data["copyrightNotice"] = entry.rights
    return data


def _archives(plan: Planner, posts: Sequence[Post]) -> None:
    # The built-in archive shows only each entry's title, date and link: an edit to a body does
    # not re-render the archives. A project's own archive template may show anything.
    shows = _identity if plan.theme.overrides("archive.html", "_macros.html") else _title_line
    years = by_month(posts)
    everything = "|".join(map(shows, posts))
    plan.page(
        "archive/", "archive.html", everything, "Archive", heading="Archive", years=years, month=None, up=None
    )
    for year, months in years.items():
        year_posts = [p for m in months.values() for p in m]
        plan.page(
            f"{year}/",
            "archive.html",
            "|".join(map(shows, year_posts)),
            str(year),
            heading=str(year),
            years={year: months},
            month=None,
            up={"path": "archive/", "title": "Archive"},
        )
        for month, month_posts in months.items():
            title = f"{month_name(month)} {year}"
            plan.page(
                f"{year}/{month:02d}/",
                "archive.html",
                "|".join(map(shows, month_posts)),
                title,
                heading=title,
                years={year: {month: month_posts}},
                month=month,
                up={"path": f"{year}/", "title": str(year)},
            )


def _tag_pages(plan: Planner, posts: Sequence[Post]) -> None:
    groups = by_tag(posts)
    counts: list[tuple[Tag, int]] = [(tag, len(tagged)) for tag, tagged in groups.items()]
    plan.page("tags/", "tags.html", repr(counts), "Tags", tags=counts)
    for tag, tagged in groups.items():
        info = plan.feed_info(
            f"{plan.config.title}: {tag.name}", f"Entries tagged {tag.name} on {plan.config.title}", tag.path
        )
        plan.listing(tag.path, f"Tag: {tag.name}", tagged, heading=f"Tag: {tag.name}", feeds=[info])
        plan.feeds(info, tag.path, tagged)


def _extras(plan: Planner, posts: Sequence[Post]) -> None:
    config = plan.config
    lists = [absolute(config.base_url, "")] + [absolute(config.base_url, p) for p in ("archive/", "tags/")]
    newest = newest_time(posts)
    urls = [(u, newest) for u in lists] + [(p.url, p.entry.modified) for p in posts]
    identity = repr(urls)
    plan.add("sitemap.xml", identity, lambda: sitemap(urls))
    sitemap_url = absolute(config.base_url, "sitemap.xml")
    plan.add("robots.txt", sitemap_url, lambda: robots(sitemap_url))
    root = "/" + config.base_url.split("://", 1)[1].split("/", 1)[1]
    plan.page("404.html", "404.html", "", "Page not found", root=root)
    for path, file in static_files(config).items():
        stat = file.stat()
        plan.add(path, f"{file}|{stat.st_size}|{stat.st_mtime_ns}", file.read_bytes)
