"""sitemap.xml, news-sitemap.xml (Google News) and robots.txt, which names both."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from feedsite.posts import Post, newest_time
from feedsite.text import clean_text
from feedsite.urls import absolute

if TYPE_CHECKING:
    from feedsite.outputs import Planner

NEWS_WINDOW = timedelta(hours=48)  # Google News: articles published in the last two days
NEWS_LIMIT = 1000  # ... and at most 1,000 of them in one news sitemap
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def plan_sitemaps(plan: Planner, posts: Sequence[Post]) -> None:
    """For posts that come newest first. The sitemap lists every entry page, retracted ones too
    (their address answers with the notice; their lastmod is the retraction's date); the news
    sitemap lists live articles only."""
    base = plan.site.base_url
    newest = newest_time(posts)
    lists = tuple((absolute(base, p), newest) for p in ("", "archive/", "tags/", "authors/"))
    plan.document("sitemap.xml", sitemap, {"lists": lists, "posts": tuple(posts)})
    news = news_items(plan.site.title, plan.site.language, [p for p in posts if p.entry.retracted is None])
    maps = [absolute(base, "sitemap.xml")]
    if news:  # a urlset needs at least one url: with nothing published there is no news sitemap
        plan.document("news-sitemap.xml", news_sitemap, {"items": news})
        maps.append(absolute(base, "news-sitemap.xml"))
    plan.document("robots.txt", robots, {"sitemaps": tuple(maps)})


def news_items(publication: str, language: str, posts: Sequence[Post]) -> tuple[dict[str, str], ...]:
    """The news sitemap's articles: those published in the 48 hours before the newest one (never
    the build's clock: the same content gives the same file), newest first, at most 1,000."""
    if not posts:
        return ()
    since = posts[0].entry.date - NEWS_WINDOW
    items = []
    for post in posts[:NEWS_LIMIT]:
        if post.entry.date < since:
            break
        items.append(
            {
                "loc": post.url,
                "name": clean_text(publication),
                "language": news_language(post.entry.lang or language),
                "date": post.entry.date.isoformat(),
                "title": post.entry.title,
            }
        )
    return tuple(items)


def news_language(tag: str) -> str:
    """The language as Google News wants it: the ISO 639 code ("en" of "en-GB"), except Chinese,
    which is zh-cn (simplified) or zh-tw (traditional)."""
    parts = tag.lower().split("-")
    if parts[0] == "zh":
        return "zh-tw" if {"tw", "hk", "mo", "hant"} & set(parts[1:]) else "zh-cn"
    return parts[0]


def sitemap(context: dict[str, Any]) -> bytes:
    """sitemap.xml: the lists' (absolute URL, last modified) pairs, then every post's page."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    urls = [*context["lists"], *((p.url, p.entry.modified) for p in context["posts"])]
    for url, modified in urls:
        lastmod = f"<lastmod>{modified.isoformat()}</lastmod>" if modified else ""
        lines.append(f"  <url><loc>{html.escape(url, quote=False)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def news_sitemap(context: dict[str, Any]) -> bytes:
    """news-sitemap.xml: the Google News sitemap schema (publication name and language, publication
    date, title) for each item of news_items."""

    def text(value: str) -> str:
        return html.escape(value, quote=False)

    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="{NEWS_NS}">',
    ]
    for item in context["items"]:
        lines += [
            "  <url>",
            f"    <loc>{text(item['loc'])}</loc>",
            "    <news:news>",
            "      <news:publication>",
            f"        <news:name>{text(item['name'])}</news:name>",
            f"        <news:language>{text(item['language'])}</news:language>",
            "      </news:publication>",
            f"      <news:publication_date>{item['date']}</news:publication_date>",
            f"      <news:title>{text(item['title'])}</news:title>",
            "    </news:news>",
            "  </url>",
        ]
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots(context: dict[str, Any]) -> bytes:
    named = "".join(f"Sitemap: {url}\n" for url in context["sitemaps"])
    return f"User-agent: *\nAllow: /\n\n{named}".encode()
