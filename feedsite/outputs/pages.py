"""HTML pages: the home page and its older pages, archives, tag pages and author pages (entry pages
are in entries.py). Lists show live posts only: a retracted entry keeps its page but leaves them."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from feedsite.outputs.feeds import FeedInfo, feed_info
from feedsite.posts import Post, Tag, by_month, by_tag
from feedsite.theme import month_name
from feedsite.urls import absolute, allowed_url, output_file, page_dir, slugify

if TYPE_CHECKING:
    from feedsite.outputs import Planner, SiteInfo


def root_of(path: str) -> str:
    """The relative way back to the site root from a page folder: "" → "./", "a/b/" → "../../"."""
    depth = path.count("/")
    return "../" * depth if depth else "./"


def page_info(
    site: SiteInfo,
    path: str,
    title: str,
    feeds: Sequence[FeedInfo],
    *,
    description: str = "",
    lang: str | None = None,
    root: str | None = None,
) -> Any:
    from feedsite.outputs import PageInfo

    return PageInfo(
        path=path,
        title=title,
        description=description or site.description or generated_description(site, title),
        canonical=absolute(site.base_url, path),
        root=root or root_of(path),
        lang=lang or site.language,
        feeds=_links(tuple(feeds)),
    )


def generated_description(site: SiteInfo, title: str) -> str:
    """The meta description of a page when neither it nor the config gives one."""
    if title == site.title:
        return f"The latest news from {site.title}."
    return f"{title}: news from {site.title}."


LEAD_GRID = 4  # stories in the grid under the lead story of a front page


def section_of(post: Post) -> tuple[str, str | None] | None:
    """(name, tag page path or None) of a post's section: `section:` in its front matter, else its
    first tag; a section named like one of its tags links to that tag's page."""
    name = post.entry.section
    if name is None:
        return (post.tags[0].name, post.tags[0].path) if post.tags else None
    key = slugify(name, fallback="section")
    return name, next((tag.path for tag in post.tags if tag.slug == key), None)


def card(post: Post) -> dict[str, Any]:
    """What a list shows of a story besides the post itself: its section and thumbnail URL."""
    section = section_of(post)
    entry = post.entry
    return {
        "post": post,
        "section": None if section is None else {"name": section[0], "path": section[1]},
        "image": absolute(post.url, entry.image) if entry.image else None,
        "image_alt": entry.image_alt or "",
    }


def front_extras(context: dict[str, Any]) -> dict[str, Any]:
    """A front page's hierarchy: the lead story, the next LEAD_GRID in a grid, the rest as a list
    (a numbered page: all in the list). The lead is the context's `lead` (the newest featured
    story), else the newest on the page."""
    shown: tuple[Post, ...] = context["posts"]
    if context["pages"]["number"] or not shown:
        return {"lead": None, "grid": (), "rest": tuple(card(p) for p in shown)}
    lead = context.get("lead") or shown[0]
    others = [p for p in shown if p is not lead]
    return {
        "lead": card(lead),
        "grid": tuple(card(p) for p in others[:LEAD_GRID]),
        "rest": tuple(card(p) for p in others[LEAD_GRID:]),
    }


@functools.cache
def _links(feeds: tuple[FeedInfo, ...]) -> tuple[Any, ...]:
    """The <link rel="alternate"> of a set of feeds (one value per set: hashed once a build)."""
    from feedsite.outputs import FeedLink

    return tuple(FeedLink(f.title, f.rss_url, f.atom_url) for f in feeds)


class Picks:
    """Which of the site's posts are retracted and which featured, found in one pass over them: the
    lists and feeds of thousands of posts then pick by identity, without reading each post again."""

    def __init__(self, posts: Sequence[Post]) -> None:
        self.retracted = frozenset(id(post) for post in posts if post.entry.retracted is not None)
        self.featured = frozenset(id(post) for post in posts if post.entry.featured)

    def live(self, posts: Sequence[Post]) -> list[Post]:
        """The posts lists show: all but the retracted ones."""
        gone = self.retracted
        return [post for post in posts if id(post) not in gone] if gone else list(posts)

    def deleted(self, posts: Sequence[Post]) -> tuple[Post, ...]:
        """The retracted ones."""
        gone = self.retracted
        return tuple(post for post in posts if id(post) in gone) if gone else ()

    def lead(self, posts: Sequence[Post]) -> Post | None:
        """The first featured post (in a list newest first: the newest), if any."""
        chosen = self.featured
        return next((post for post in posts if id(post) in chosen), None) if chosen else None


def listing(
    plan: Planner,
    picks: Picks,
    base: str,
    title: str,
    posts: Sequence[Post],
    feeds: Sequence[FeedInfo],
    heading: str | None,
    template: str = "list.html",
    extra: dict[str, Any] | None = None,
    description: str = "",
) -> None:
    """Summaries, newest first: the newest `per_page` at base, the rest on base/page/N/ in pages
    numbered from the oldest, so that a page keeps its entries once it is full and a new entry
    changes only the first page and the newest numbered one (README, "What gets built")."""
    per_page = plan.site.per_page
    lead = picks.lead(posts)  # shown first on the first page
    rest = len(posts) - per_page
    count = max(0, -(-rest // per_page))  # numbered pages; the newest may be partly filled
    rows: list[tuple[int, tuple[Post, ...], int | None, int | None]] = []  # number 0: base
    # (number, its posts, the newer page's number, the older one's)
    for number in range(count + 1):
        if number == 0:
            rows.append((0, tuple(posts[:per_page]), None, count or None))
        else:
            end = len(posts) - (number - 1) * per_page
            shown = tuple(posts[max(per_page, end - per_page) : end])
            rows.append((number, shown, (number + 1 if number < count else 0), (number - 1 or None)))
    about = (base, title, tuple(feeds), heading, template, extra or {}, description)
    plan.batch(list_pages, *about, lead, tuple(rows[:1]))
    for start in range(1, count + 1, PAGES):  # numbered from the oldest: they keep their posts once full
        plan.batch(list_pages, *about, None, tuple(rows[start : start + PAGES]))


PAGES = 20  # numbered list pages planned together


def list_pages(
    plan: Planner,
    base: str,
    title: str,
    feeds: tuple[FeedInfo, ...],
    heading: str | None,
    template: str,
    extra: dict[str, Any],
    description: str,
    lead: Post | None,
    rows: tuple[tuple[Any, ...], ...],
) -> None:
    """The pages of a list, from rows of (number, posts, newer page, older page)."""
    for number, shown, newer, older in rows:
        path, name = page_dir(base, number), f"{title} (page {number})" if number else title
        context = {
            "site": plan.site,
            "page": page_info(plan.site, path, name, feeds, description=description),
            "heading": heading,
            "posts": shown,
            "lead": lead,
            "pages": {
                "number": number or None,
                "newer": None if newer is None else page_dir(base, newer),
                "older": None if older is None else page_dir(base, older),
            },
            **extra,
        }
        plan.page(output_file(path), template, context, front_extras)


def home(plan: Planner, picks: Picks, posts: Sequence[Post], site_feed: FeedInfo) -> None:
    listing(plan, picks, "", plan.site.title, posts, [site_feed], None)


def archives(plan: Planner, posts: Sequence[Post], site_feed: FeedInfo) -> None:
    years = by_month(posts)

    def archive(
        path: str, title: str, shown: dict[int, dict[int, list[Post]]], month: int | None, up: Any
    ) -> None:
        frozen = {y: {m: tuple(ps) for m, ps in months.items()} for y, months in shown.items()}
        context = {
            "site": plan.site,
            "page": page_info(plan.site, path, title, [site_feed]),
            "heading": title,
            "years": frozen,
            "month": month,
            "up": up,
        }
        plan.page(output_file(path), "archive.html", context)

    archive("archive/", "Archive", years, None, None)
    for year, months in years.items():
        archive(f"{year}/", str(year), {year: months}, None, {"path": "archive/", "title": "Archive"})
        for month, month_posts in months.items():
            title = f"{month_name(month)} {year}"
            up = {"path": f"{year}/", "title": str(year)}
            archive(f"{year}/{month:02d}/", title, {year: {month: month_posts}}, month, up)


def tags(
    plan: Planner, picks: Picks, posts: Sequence[Post], site_feed: FeedInfo
) -> Iterator[tuple[FeedInfo, str, list[Post]]]:
    """The tag index and each tag's pages (live posts); yields (feed, folder, posts) of each tag for
    its feeds, retracted posts included (the feeds tell readers they are gone)."""
    groups = by_tag(posts)
    shown = {tag: picks.live(tagged) for tag, tagged in groups.items()}
    counts: tuple[tuple[Tag, int], ...] = tuple((tag, len(ps)) for tag, ps in shown.items() if ps)
    context = {"site": plan.site, "page": page_info(plan.site, "tags/", "Tags", [site_feed]), "tags": counts}
    plan.page("tags/index.html", "tags.html", context)
    for tag, tagged in groups.items():
        title = plan.site.title
        info = feed_info(plan.site, f"{title}: {tag.name}", f"Entries tagged {tag.name} on {title}", tag.path)
        about = f"Stories tagged {tag.name} on {title}, newest first."
        extra = {"tag": tag, "tag_feed": info}
        feeds = [site_feed, info]
        listing(plan, picks, tag.path, tag.name, shown[tag], feeds, tag.name, "tag.html", extra, about)
        yield info, tag.path, tagged


@dataclass(frozen=True)
class AuthorPage:
    """An author as the site shows them: one page for every spelling of a name that shares a slug."""

    name: str
    slug: str
    uri: str | None = None  # their own page elsewhere, when an entry gives one (allowed URLs only)

    @property
    def path(self) -> str:
        return f"authors/{self.slug}/"


@functools.cache
def author_path(name: str) -> str:
    """The folder of an author's page: "authors/jane-doe/"."""
    return f"authors/{slugify(name, fallback='author')}/"


def by_author(posts: Sequence[Post]) -> dict[AuthorPage, list[Post]]:
    """Author → their posts (order kept), sorted by name, case-insensitively. Names that share a slug
    share a page, shown with the spelling used most (ties: the capitalized one), as tags are; the
    uri is the one of the newest post that gives one."""
    spellings: dict[str, Counter[str]] = {}
    uris: dict[str, str] = {}
    written: dict[str, list[Post]] = {}
    for post in posts:
        for author in post.entry.authors:
            path = author_path(author.name)
            spellings.setdefault(path, Counter())[author.name] += 1
            if author.uri and allowed_url(author.uri):
                uris.setdefault(path, author.uri)
            own = written.setdefault(path, [])
            if not own or own[-1] is not post:
                own.append(post)
    groups = {}
    for path, names in spellings.items():
        name = max(names, key=lambda n: (names[n], n != n.lower(), n))
        groups[AuthorPage(name, path.split("/")[1], uris.get(path))] = written[path]
    return dict(sorted(groups.items(), key=lambda kv: (kv[0].name.casefold(), kv[0].slug)))


def authors(
    plan: Planner, picks: Picks, posts: Sequence[Post], site_feed: FeedInfo
) -> Iterator[tuple[FeedInfo, str, list[Post]]]:
    """The authors index (with counts) and each author's pages, paginated like tags; yields (feed,
    folder, posts) of each author for their feeds, retracted posts included."""
    groups = by_author(posts)
    shown = {author: picks.live(written) for author, written in groups.items()}
    counts = tuple((author, len(ps)) for author, ps in shown.items() if ps)
    context = {
        "site": plan.site,
        "page": page_info(plan.site, "authors/", "Authors", [site_feed]),
        "authors": counts,
    }
    plan.page("authors/index.html", "authors.html", context)
    for author, written in groups.items():
        title, heading = plan.site.title, f"Author: {author.name}"
        info = feed_info(
            plan.site, f"{title}: {author.name}", f"Entries by {author.name} on {title}", author.path
        )
        extra, about = {"author": author}, f"Stories by {author.name} on {title}, newest first."
        feeds = [site_feed, info]
        listing(plan, picks, author.path, heading, shown[author], feeds, heading, "author.html", extra, about)
        yield info, author.path, written
