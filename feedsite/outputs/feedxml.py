"""RSS 2.0 and Atom 1.0 documents, written element by element, every id, date and order explicit.

Besides the core elements: RFC 5005 history (atom:link prev-archive / next-archive / current,
<fh:archive/>, <fh:complete/>; RSS carries them as its Appendix B says), WebSub (rel="hub" beside
rel="self"), RFC 6721 tombstones (<at:deleted-entry> in the Atom subscription document) and the
entry's image (RSS <enclosure> with the file's true length, Media RSS media:content with
media:credit, Atom's rel="enclosure" link).

Written as text rather than through an XML library: it is the hot path of a cold build (every
entry in every feed's archive, twice), and a string written here is escaped by `_text`/`_attr`,
which do what lxml's serializer does. Every string is clean of characters XML 1.0 forbids (entries
are cleaned when parsed, settings here); tests read every document back with lxml and feedparser.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from feedsite import __version__
from feedsite.markup import absolutize
from feedsite.outputs.feedhistory import FH_NS, Items, Links
from feedsite.text import clean_text
from feedsite.urls import allowed_url

if TYPE_CHECKING:
    from feedsite.outputs import SiteInfo
    from feedsite.outputs.feeds import FeedInfo
    from feedsite.outputs.media import Media
    from feedsite.posts import Post

GENERATOR_URI = "https://pypi.org/project/feedsite/"
ATOM_NS = "http://www.w3.org/2005/Atom"
AT_NS = "http://purl.org/atompub/tombstones/1.0"
MEDIA_NS = "http://search.yahoo.com/mrss/"
DC_NS = "http://purl.org/dc/elements/1.1/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # the time of a document without entries: never the clock
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
Attrs = tuple[tuple[str, str | None], ...]


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _as_html(text: str) -> str:
    """Plain text as the HTML that shows it: for RSS's <description>, which readers take for HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _tag(name: str, attrs: Attrs) -> str:
    return name + "".join(f' {key}="{_attr(value)}"' for key, value in attrs if value is not None)


def _element(
    out: list[str], depth: int, name: str, text: str | None = None, attrs: Attrs = (), escaped: bool = False
) -> None:
    """One element on a line of its own, indented two spaces a level (as lxml pretty-prints)."""
    pad = "  " * depth
    if escaped:
        out.append(f"{pad}<{_tag(name, attrs)}>{text}</{name}>")
        return
    out.append(
        f"{pad}<{_tag(name, attrs)}/>"
        if text is None
        else f"{pad}<{_tag(name, attrs)}>{_text(text)}</{name}>"
    )


def rfc822(when: datetime) -> str:
    """RSS's date: "Fri, 08 Nov 2024 09:00:00 +0100" (English names whatever the locale)."""
    offset = when.utcoffset()
    minutes = int(offset.total_seconds()) // 60 if offset is not None else 0
    zone = f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    day, month = DAYS[when.weekday()], MONTHS[when.month - 1]
    clock = f"{when.hour:02d}:{when.minute:02d}:{when.second:02d}"
    return f"{day}, {when.day:02d} {month} {when.year:04d} {clock} {zone}"


@functools.lru_cache(maxsize=1024)
def absolute_body(html: str, page_url: str) -> str:
    """The body with absolute links (markup.absolutize), made once for the RSS, Atom and JSON Feed
    documents that list it, and the site's, tags' and authors' feeds."""
    return absolutize(html, page_url)


@functools.lru_cache(maxsize=1024)
def _escaped_body(html: str, page_url: str) -> str:
    """absolute_body, escaped as XML text: the same in RSS and Atom, made once."""
    return _text(absolute_body(html, page_url))


def full_content(site: SiteInfo, post: Post) -> bool:
    """Whether an item carries the entry's whole text (feeds.content, or the entry's feed_content)."""
    return (post.entry.feed_content or site.feed_content) == "full"


def parts(
    context: dict[str, Any], self_url: Callable[[FeedInfo], str]
) -> tuple[SiteInfo, FeedInfo, Links, Items]:
    """A document's context: the site, the feed, its links and its items (a bare list of posts is
    a subscription document without history)."""
    info: FeedInfo = context["info"]
    links: Links = context.get("links") or Links(self_url(info))
    items: Items = context.get("items") or Items(tuple(context["posts"]))
    return context["site"], info, links, items


def updated(items: Items) -> datetime:
    """The newest entry's time (a retraction counts): the document changed then, not at build time."""
    times = [p.entry.modified for p in items.posts]
    times += [p.entry.retracted.date for p in items.deleted if p.entry.retracted]
    return max(times, default=EPOCH)


def _media_of(items: Items) -> tuple[Media | None, ...]:
    return items.media or (None,) * len(items.posts)


def _history(out: list[str], depth: int, tag: str, links: Links, kind: str) -> None:
    """WebSub hubs and the RFC 5005 links and markers of a document's head."""
    for hub in links.hubs:
        _element(out, depth, tag, attrs=(("href", hub), ("rel", "hub")))
    for rel, url in (("current", links.current), ("prev-archive", links.prev_archive)):
        if url:
            _element(out, depth, tag, attrs=(("href", url), ("rel", rel), ("type", kind)))
    if links.next_archive:
        _element(
            out, depth, tag, attrs=(("href", links.next_archive), ("rel", "next-archive"), ("type", kind))
        )
    if links.archive:
        _element(out, depth, "fh:archive")
    if links.complete:
        _element(out, depth, "fh:complete")


def _media(out: list[str], depth: int, post: Post, image: Media) -> None:
    attrs: Attrs = (("url", image.url), ("medium", "image"), ("type", image.type))
    attrs += (("fileSize", None if image.length is None else str(image.length)),)
    credit, alt = post.entry.image_credit, post.entry.image_alt
    if not (credit or alt):
        _element(out, depth, "media:content", attrs=attrs)
        return
    out.append("  " * depth + f"<{_tag('media:content', attrs)}>")
    if alt:
        _element(out, depth + 1, "media:description", alt, (("type", "plain"),))
    if credit:
        _element(out, depth + 1, "media:credit", credit)
    out.append("  " * depth + "</media:content>")


def _spaces(links: Links, items: Items, more: str = "") -> str:
    spaces = f' xmlns:fh="{FH_NS}"' if links.archive or links.complete else ""
    spaces += more
    return spaces + (f' xmlns:media="{MEDIA_NS}"' if any(items.media) else "")


def rss(context: dict[str, Any]) -> bytes:
    site, info, links, items = parts(context, lambda feed: feed.rss_url)
    spaces = (
        f'xmlns:dc="{DC_NS}"'
        + _spaces(links, items)
        + f' xmlns:atom="{ATOM_NS}" xmlns:content="{CONTENT_NS}"'
    )
    out = ["<?xml version='1.0' encoding='UTF-8'?>", f'<rss {spaces} version="2.0">', "  <channel>"]
    _element(out, 2, "title", clean_text(info.title))
    _element(out, 2, "link", info.page_url)
    _element(out, 2, "description", _as_html(clean_text(info.description) or clean_text(info.title)))
    _element(out, 2, "atom:link", attrs=(("href", links.self_url), ("rel", "self")))
    if site.rights:
        _element(out, 2, "copyright", clean_text(site.rights))
    _element(out, 2, "docs", "http://www.rssboard.org/rss-specification")
    _element(out, 2, "generator", "feedsite")
    _element(out, 2, "language", site.language)
    _element(out, 2, "lastBuildDate", rfc822(updated(items)))
    _history(out, 2, "atom:link", links, "application/rss+xml")
    for post, image in zip(items.posts, _media_of(items), strict=True):
        _item(out, site, post, image)
    out += ["  </channel>", "</rss>", ""]
    return "\n".join(out).encode("utf-8")


def _item(out: list[str], site: SiteInfo, post: Post, image: Media | None) -> None:
    # Written line by line with f-strings: an archive makes every entry into an item again.
    entry, summary = post.entry, post.summary
    out.append(f"    <item>\n      <title>{_text(entry.title)}</title>\n      <link>{_text(post.url)}</link>")
    if full_content(site, post):
        body = _escaped_body(post.html, post.url)
        if summary:
            out.append(f"      <description>{_text(_as_html(summary))}</description>")
            out.append(f"      <content:encoded>{body}</content:encoded>")
        else:  # without a summary, RSS's description carries the body
            out.append(f"      <description>{body}</description>")
    elif summary:
        out.append(f"      <description>{_text(_as_html(summary))}</description>")
    for author in entry.authors:  # RSS's <author> is an e-mail address; names go in <dc:creator>
        if author.email:
            out.append(f"      <author>{_text(author.email)} ({_text(author.name)})</author>")
    permalink = "true" if entry.id == post.url else "false"
    out.append(f'      <guid isPermaLink="{permalink}">{_text(entry.id)}</guid>')
    out.extend(f"      <category>{_text(tag.name)}</category>" for tag in post.tags)
    out.append(f"      <pubDate>{rfc822(entry.date)}</pubDate>")
    out.extend(f"      <dc:creator>{_text(author.name)}</dc:creator>" for author in entry.authors)
    if image is not None:
        if image.type and image.length is not None:  # RSS requires both: never a guess
            attrs: Attrs = (("url", image.url), ("length", str(image.length)), ("type", image.type))
            _element(out, 3, "enclosure", attrs=attrs)
        _media(out, 3, post, image)
    out.append("    </item>")


def atom(context: dict[str, Any]) -> bytes:
    site, info, links, items = parts(context, lambda feed: feed.atom_url)
    spaces = _spaces(links, items, f' xmlns:at="{AT_NS}"' if items.deleted else "")
    out = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        f'<feed{spaces} xmlns="{ATOM_NS}" xml:lang="{_attr(site.language)}">',
    ]
    _element(out, 1, "id", info.page_url)  # one id for every document of the feed: they make one feed
    _element(out, 1, "title", clean_text(info.title))
    _element(out, 1, "updated", updated(items).isoformat())
    out.append("  <author>")
    _element(out, 2, "name", clean_text(site.author or site.title))
    out.append("  </author>")
    _element(out, 1, "link", attrs=(("href", links.self_url), ("rel", "self")))
    _element(out, 1, "link", attrs=(("href", info.page_url), ("rel", "alternate"), ("type", "text/html")))
    generator = (("uri", GENERATOR_URI), ("version", __version__))
    _element(out, 1, "generator", "feedsite", generator)
    if site.rights:
        _element(out, 1, "rights", clean_text(site.rights))
    _element(out, 1, "subtitle", clean_text(info.description) or clean_text(info.title))
    _history(out, 1, "link", links, "application/atom+xml")
    for post in items.deleted:  # RFC 6721: readers drop the entry they hold with this id
        retracted = post.entry.retracted
        assert retracted is not None
        when = (("ref", post.entry.id), ("when", retracted.date.isoformat()))
        out.append(f"  <{_tag('at:deleted-entry', when)}>")
        _element(out, 2, "at:comment", retracted.reason, (("type", "text"),))
        _element(out, 2, "link", attrs=(("href", post.url), ("type", "text/html")))
        out.append("  </at:deleted-entry>")
    rights = clean_text(site.rights)
    for post, image in zip(items.posts, _media_of(items), strict=True):
        _entry(out, site, post, image, rights)
    out += ["</feed>", ""]
    return "\n".join(out).encode("utf-8")


def _entry(out: list[str], site: SiteInfo, post: Post, image: Media | None, rights: str) -> None:
    entry = post.entry
    out.append(
        f"  <entry>\n    <id>{_text(entry.id)}</id>\n    <title>{_text(entry.title)}</title>\n"
        f"    <updated>{entry.modified.isoformat()}</updated>"
    )
    for author in entry.authors:
        out.append(f"    <author>\n      <name>{_text(author.name)}</name>")
        if author.email:
            out.append(f"      <email>{_text(author.email)}</email>")
        if author.uri and allowed_url(author.uri):
            out.append(f"      <uri>{_text(author.uri)}</uri>")
        out.append("    </author>")
    if full_content(site, post):
        out.append(f'    <content type="html">{_escaped_body(post.html, post.url)}</content>')
    out.append(f'    <link href="{_attr(post.url)}" rel="alternate" type="text/html"/>')
    if image is not None:
        length = None if image.length is None else str(image.length)
        attrs: Attrs = (("href", image.url), ("rel", "enclosure"), ("type", image.type), ("length", length))
        _element(out, 2, "link", attrs=attrs)
    if post.summary:
        out.append(f'    <summary type="text">{_text(post.summary)}</summary>')
    for tag in post.tags:
        name = _attr(tag.name)
        out.append(f'    <category term="{name}" label="{name}"/>')
    out.append(f"    <published>{entry.date.isoformat()}</published>")
    if entry.rights or rights:
        out.append(f"    <rights>{_text(entry.rights or rights)}</rights>")
    if image is not None:
        _media(out, 2, post, image)
    out.append("  </entry>")
