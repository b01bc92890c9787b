"""sitemap.xml and robots.txt."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from feedsite.posts import Post, newest_time
from feedsite.urls import absolute

if TYPE_CHECKING:
    from feedsite.outputs import Planner


def plan_sitemaps(plan: Planner, posts: Sequence[Post]) -> None:
    base = plan.site.base_url
    newest = newest_time(posts)
    lists = [absolute(base, p) for p in ("", "archive/", "tags/")]
    urls = tuple((u, newest) for u in lists) + tuple((p.url, p.entry.modified) for p in posts)
    plan.document("sitemap.xml", sitemap, {"urls": urls})
    plan.document("robots.txt", robots, {"sitemap": absolute(base, "sitemap.xml")})


def sitemap(context: dict[str, Any]) -> bytes:
    """sitemap.xml for (absolute URL, last modified) pairs."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for url, modified in context["urls"]:
        lastmod = f"<lastmod>{modified.isoformat()}</lastmod>" if modified else ""
        lines.append(f"  <url><loc>{html.escape(url, quote=False)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots(context: dict[str, Any]) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {context['sitemap']}\n".encode()
