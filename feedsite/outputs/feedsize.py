"""An upper bound on the size of a feed document, from a few scans of its strings, so that the
planner knows without making a document that it fits `feeds.max_bytes` (feeds.py).

The bound holds for RSS, Atom and JSON Feed alike: every string is counted at its UTF-8 length
plus 8 bytes for each character any of the three formats may escape (XML's &amp; &lt; &gt; &quot;
&#13; …, JSON's \\" \\\\ \\n …: 5 bytes more at most), each absolute link made in a body is counted
at 10 bytes per character of the page's URL (HTML-escaped, then XML-escaped), and the markup
around each string is given more room than any of the three writers takes. tests/test_feeds.py
checks the bound against the documents the writers make.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedsite.outputs.feedxml import full_content
from feedsite.posts import escaped_size

if TYPE_CHECKING:
    from feedsite.outputs import SiteInfo
    from feedsite.outputs.feedhistory import Items
    from feedsite.outputs.feeds import FeedInfo
    from feedsite.outputs.media import Media
    from feedsite.posts import Post, Rendered

HEAD = 4096  # the markup of a document's head: declarations, element names, dates, generator
ITEM = 2048  # the markup of one item: element names, indentation, two dates, the guid's attribute


def escaped(text: str | None) -> int:
    """At least the bytes `text` takes once escaped in XML (text or attribute) or JSON."""
    return escaped_size(text.encode("utf-8", "surrogatepass")) if text else 0


def content_bound(body: Rendered, page_url: str) -> int:
    """The body HTML with its links made absolute against page_url, escaped: from the counts kept
    when it was rendered (posts.escaped_size and posts.link_count of its HTML), so that planning
    never reads the HTML itself."""
    return body.escaped + body.links * 10 * len(page_url.encode("utf-8", "surrogatepass"))


def item_bound(site: SiteInfo, post: Post, image: Media | None) -> int:
    entry = post.entry
    size = ITEM + 3 * escaped(entry.id) + 4 * escaped(post.url) + escaped(entry.title)
    size += escaped(entry.lang) + escaped(entry.rights or site.rights)
    if full_content(site, post):
        size += escaped(post.summary) + content_bound(post.rendered, post.url)
    else:  # JSON Feed's content_text is the summary again
        size += 2 * escaped(post.summary)
    for author in entry.authors:
        size += 200 + 2 * escaped(author.name) + escaped(author.email) + escaped(author.uri)
    for tag in post.tags:
        size += 100 + 2 * escaped(tag.name)
    if image is not None:
        size += 400 + 3 * escaped(image.url) + escaped(entry.image_credit) + escaped(entry.image_alt)
    return size


def document_bound(site: SiteInfo, info: FeedInfo, items: Items) -> int:
    """At least the size of the RSS, Atom and JSON Feed documents that list `items` (with any
    history links: eight URLs at most)."""
    size = HEAD + 2 * escaped(info.title) + 2 * escaped(info.description) + 2 * escaped(site.language)
    size += 8 * max(escaped(u) for u in (info.page_url, info.rss_url, info.atom_url, info.json_url))
    size += 8 * escaped(info.page_url) + 2 * escaped(site.author or site.title) + escaped(site.rights)
    size += sum(200 + 2 * escaped(hub) for hub in site.websub_hubs)
    for post in items.deleted:
        reason = post.entry.retracted.reason if post.entry.retracted else ""
        size += 300 + 2 * escaped(post.entry.id) + escaped(reason) + escaped(post.url)
    media = items.media or (None,) * len(items.posts)
    return size + sum(item_bound(site, p, m) for p, m in zip(items.posts, media, strict=True))
