"""JSON Feed 1.1 documents (https://www.jsonfeed.org/version/1.1/).

The same items as the RSS and Atom documents: permanent ids, absolute URLs, the full HTML with
absolute links (or, for summary-only items, the summary as content_text: an item must carry one of
the two), a plain-text summary, RFC 3339 dates with their offsets, authors, tags, the lead image.
Full history (RFC 5005 has no JSON form) is the spec's own pagination: `next_url` leads from the
subscription document to the newest archive page and from each page to the one before it.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

from feedsite.outputs.feedxml import absolute_body, full_content, parts
from feedsite.text import clean_text
from feedsite.urls import allowed_url

if TYPE_CHECKING:
    from feedsite.outputs import SiteInfo
    from feedsite.outputs.media import Media
    from feedsite.posts import Post

VERSION = "https://jsonfeed.org/version/1.1"


def json_feed(context: dict[str, Any]) -> bytes:
    site, info, links, items = parts(context, lambda feed: feed.json_url)
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": clean_text(info.title),
        "home_page_url": info.page_url,
        "feed_url": links.current or links.self_url,  # the feed's identity: its subscription document
        "description": clean_text(info.description) or clean_text(info.title),
    }
    if links.prev_archive:
        feed["next_url"] = links.prev_archive
    feed["language"] = site.language
    feed["authors"] = [{"name": clean_text(site.author or site.title)}]
    if links.hubs:
        feed["hubs"] = [{"type": "WebSub", "url": hub} for hub in links.hubs]
    media = items.media or (None,) * len(items.posts)
    lines = ",\n".join("    " + _item(site, p, m) for p, m in zip(items.posts, media, strict=True))
    # The head indented, each item on a line of its own: readable in a diff, and quick to make
    # (indent= would make every item in Python; each body is encoded once for every feed).
    head = json.dumps(feed, ensure_ascii=False, indent=2)[: -len("\n}")]
    text = f'{head},\n  "items": [\n{lines}\n  ]\n}}\n' if lines else f'{head},\n  "items": []\n}}\n'
    return text.encode("utf-8")


@functools.lru_cache(maxsize=1024)
def _json_body(html: str, page_url: str) -> str:
    return json.dumps(absolute_body(html, page_url), ensure_ascii=False)


def _item(site: SiteInfo, post: Post, image: Media | None) -> str:
    """One item as a line of JSON: id, url, title, content, then the rest."""
    entry = post.entry
    first = json.dumps({"id": entry.id, "url": post.url, "title": entry.title}, ensure_ascii=False)
    if full_content(site, post):
        content = '"content_html": ' + _json_body(post.html, post.url)
    else:
        content = '"content_text": ' + json.dumps(post.summary, ensure_ascii=False)
    rest: dict[str, Any] = {}
    if post.summary:
        rest["summary"] = post.summary
    if image is not None:
        rest["image"] = image.url
    rest["date_published"] = entry.date.isoformat()
    rest["date_modified"] = entry.modified.isoformat()
    if entry.authors:
        rest["authors"] = [
            {"name": author.name, **({"url": author.uri} if author.uri and allowed_url(author.uri) else {})}
            for author in entry.authors
        ]
    if post.tags:
        rest["tags"] = [tag.name for tag in post.tags]
    if entry.lang:
        rest["language"] = entry.lang
    return f"{first[:-1]}, {content}, {json.dumps(rest, ensure_ascii=False)[1:]}"
