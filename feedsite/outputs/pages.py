"""HTML pages: the home page and its older pages, entry pages, archives and tag pages."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from feedsite.outputs.feeds import FeedInfo, feed_info
from feedsite.posts import Post, Tag, by_month, by_tag
from feedsite.theme import month_name
from feedsite.urls import absolute, output_file, page_dir

if TYPE_CHECKING:
    from feedsite.outputs import Planner


def root_of(path: str) -> str:
    """The relative way back to the site root from a page folder: "" → "./", "a/b/" → "../../"."""
    depth = path.count("/")
    return "../" * depth if depth else "./"


def page_info(
    plan: Planner,
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
        description=description or plan.site.description,
        canonical=absolute(plan.site.base_url, path),
        root=root or root_of(path),
        lang=lang or plan.site.language,
        feeds=_links(tuple(feeds)),
    )


@functools.cache
def _links(feeds: tuple[FeedInfo, ...]) -> tuple[Any, ...]:
    """The <link rel="alternate"> of a set of feeds (one value per set: hashed once a build)."""
    from feedsite.outputs import FeedLink

    return tuple(FeedLink(f.title, f.rss_url, f.atom_url) for f in feeds)


def listing(
    plan: Planner,
    base: str,
    title: str,
    posts: Sequence[Post],
    feeds: Sequence[FeedInfo],
    heading: str | None,
) -> None:
    """Summaries, newest first: the newest `per_page` at base, the rest on base/page/N/ in pages
    numbered from the oldest, so that a page keeps its entries once it is full and a new entry
    changes only the first page and the newest numbered one (README, "What gets built")."""
    per_page = plan.site.per_page
    rest = len(posts) - per_page
    count = max(0, -(-rest // per_page))  # numbered pages; the newest may be partly filled
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
        path = page_dir(base, number)
        page_title = f"{title} (page {number})" if number else title
        context = {
            "site": plan.site,
            "page": page_info(plan, path, page_title, feeds),
            "heading": heading,
            "posts": tuple(shown),
            "pages": pages,
        }
        plan.page(output_file(path), "list.html", context)


def home(plan: Planner, posts: Sequence[Post], site_feed: FeedInfo) -> None:
    listing(plan, "", plan.site.title, posts, [site_feed], None)


def entries(plan: Planner, posts: Sequence[Post], site_feed: FeedInfo) -> None:
    for index, post in enumerate(posts):
        context = {
            "site": plan.site,
            "page": page_info(
                plan, post.path, post.entry.title, [site_feed], description=post.summary, lang=post.entry.lang
            ),
            "post": post,
            "newer": posts[index - 1] if index > 0 else None,
            "older": posts[index + 1] if index + 1 < len(posts) else None,
        }
        plan.page(output_file(post.path), "entry.html", context, entry_extras)


def entry_extras(context: dict[str, Any]) -> dict[str, Any]:
    """What entry.html shows that follows from its context: the lead image's URL and the
    NewsArticle JSON-LD."""
    post: Post = context["post"]
    entry, site = post.entry, context["site"]
    image = absolute(post.url, entry.image) if entry.image else None
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": entry.title,
        "datePublished": entry.date.isoformat(),
        "dateModified": entry.modified.isoformat(),
        "mainEntityOfPage": post.url,
        "url": post.url,
        "inLanguage": entry.lang or site.language,
        "publisher": {
            "@type": "Organization",
            "name": entry.source.name if entry.source and entry.source.name else site.title,
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
    return {"image": image, "ld": data}


def archives(plan: Planner, posts: Sequence[Post], site_feed: FeedInfo) -> None:
    years = by_month(posts)

    def archive(
        path: str, title: str, shown: dict[int, dict[int, list[Post]]], month: int | None, up: Any
    ) -> None:
        frozen = {y: {m: tuple(ps) for m, ps in months.items()} for y, months in shown.items()}
        context = {
            "site": plan.site,
            "page": page_info(plan, path, title, [site_feed]),
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
    plan: Planner, posts: Sequence[Post], site_feed: FeedInfo
) -> Iterator[tuple[FeedInfo, str, list[Post]]]:
    """The tag index and each tag's pages; yields (feed, folder, posts) of each tag for its feeds."""
    groups = by_tag(posts)
    counts: tuple[tuple[Tag, int], ...] = tuple((tag, len(tagged)) for tag, tagged in groups.items())
    context = {"site": plan.site, "page": page_info(plan, "tags/", "Tags", [site_feed]), "tags": counts}
    plan.page("tags/index.html", "tags.html", context)
    for tag, tagged in groups.items():
        title = plan.site.title
        info = feed_info(plan.site, f"{title}: {tag.name}", f"Entries tagged {tag.name} on {title}", tag.path)
        listing(plan, tag.path, f"Tag: {tag.name}", tagged, [site_feed, info], f"Tag: {tag.name}")
        yield info, tag.path, tagged
