"""Feeds (RSS 2.0/1.0/0.9x, Atom, CDF, JSON Feed) → one Article per item.

Whatever feedparser reads imports: the bytes are decoded first (BOM, UTF-16/32 without one, the
declared encoding, …: article.decode), characters XML forbids dropped, then feedparser reads the
feed, whatever its dialect. A feed lxml finds not well-formed is tried again with HTML's named
entities (`&eacute;`) written as numbers, and else read leniently by feedparser's loose parser, as
feed readers do, with a warning. An item without a title is titled from its text.
"""

from __future__ import annotations

import hashlib
import html.entities
import json
import re
from datetime import tzinfo
from typing import Any

import feedparser
from lxml import etree

from feedsite.importers.article import (
    Article,
    Notice,
    SourceError,
    decode,
    language_tag,
    source_date,
    title_from_text,
    unique,
)
from feedsite.importers.tomarkdown import escape_line_start, escape_text, html_to_markdown, html_to_text
from feedsite.text import clean_text, squash

FEED_ROOTS = {"rss", "feed", "rdf", "channel"}  # RSS, Atom, RSS 1.0, CDF
HTML_TYPES = {"text/html", "application/xhtml+xml", "html", "xhtml"}
_XML_DECL = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding=[\"']([A-Za-z0-9._-]+)[\"'][^>]*\?>")
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_DECLARED_ENTITY = re.compile(r"<!ENTITY\s+([^\s%]+)")
XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})

Item = Article | SourceError | Notice


def _text_to_markdown(text: str) -> str:
    paragraphs = [squash(p) for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n\n".join(escape_line_start(escape_text(p)) for p in paragraphs)


def _body(value: str, kind: str, base: str) -> str:
    if not isinstance(value, str):
        return ""
    if kind in HTML_TYPES or (kind == "" and "<" in value):
        return html_to_markdown(value, base)
    return _text_to_markdown(value)


def _plain(value: str, kind: str) -> str:
    """Plain text; HTML (or what feedparser left untyped and holds a tag) read through the sanitizer."""
    if not isinstance(value, str):  # None where a lenient parse found the element broken
        return ""
    return html_to_text(value) if kind in HTML_TYPES or (kind == "" and "<" in value) else squash(value)


def _item_key(ident: str, link: str, title: str, number: int) -> str:
    if ident or link:
        return ident or link
    return "sha256:" + hashlib.sha256(f"{number}\n{title}".encode()).hexdigest()[:16]


def _lang(value: Any) -> str:
    return language_tag(value) if isinstance(value, str) and value.strip() else ""


def _title(title: str, text: str, body: str, links: list[str]) -> str:
    """The item's title; else its text's first sentence; else its first web link (or enclosure),
    without the scheme; else "Untitled" when it has a body (an image, say); "" when it has none of
    them (an empty item: nothing to publish)."""
    title = title or title_from_text(text)
    web = [link for link in links if link.lower().startswith(("http://", "https://"))]
    if not title and web:
        title = title_from_text(web[0].split("://", 1)[1].rstrip("/"))
    return title or ("Untitled" if body.strip() else "")


def _empty(number: int) -> Notice:
    return Notice(f"item {number}: no title, text or link: nothing to publish, skipped")


# ---- RSS / Atom --------------------------------------------------------------------------


def _numbered_entities(text: str) -> str:
    """HTML's named entities that XML does not know (`&eacute;`, `&nbsp;`) as character numbers,
    which every XML parser reads; entities the document declares itself are left alone."""
    declared = set(_DECLARED_ENTITY.findall(text))

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        chars = None if name in XML_ENTITIES or name in declared else html.entities.html5.get(name + ";")
        return "".join(f"&#{ord(c)};" for c in chars) if chars else match.group(0)

    return _ENTITY.sub(number, text)


def _well_formed(raw: bytes) -> str:
    """What lxml finds wrong with `raw` as XML: "" when it is well-formed."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        line = (exc.lineno or 2) - 1  # the XML declaration added in front is line 1
        return f"{exc.msg} (line {line})"
    return ""


def _xml_text(data: bytes) -> tuple[bytes, str]:
    """The feed as UTF-8 bytes, and "" when it is well-formed XML, else what lxml says is wrong."""
    declared = _XML_DECL.match(data)
    text = decode(data, declared.group(1).decode() if declared else None)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text).lstrip()
    head = '<?xml version="1.0" encoding="utf-8"?>\n'
    raw = (head + text).encode("utf-8")
    problem = _well_formed(raw)
    if problem and "&" in text:
        fixed = (head + _numbered_entities(text)).encode("utf-8")
        if not _well_formed(fixed):
            return fixed, ""
    return raw, problem


def _rss_item(e: Any, feed: Any, number: int, tz: tzinfo) -> Article | Notice:
    title_detail = e.get("title_detail") or {}
    title = _plain(e.get("title", ""), title_detail.get("type", ""))
    link = e.get("link", "")
    body = text = ""
    for content in e.get("content", []):
        value, kind = _s(content.get("value")), _s(content.get("type"))
        body = _body(value, kind, link)
        if body:
            text = _plain(value, kind)
            break
    summary_kind = _s((e.get("summary_detail") or {}).get("type"))
    summary = _plain(_s(e.get("summary")), summary_kind)
    if not body:
        body, summary, text = _body(_s(e.get("summary")), summary_kind, link), "", summary
    links = [link, *(_s(x.get("href")) for x in e.get("links", []) if isinstance(x, dict))]
    title = _title(title, summary or text, body, links)
    if not title:
        return _empty(number)
    published = source_date(e.get("published_parsed"), tz)  # feedparser's struct_time, in UTC
    updated = source_date(e.get("updated_parsed"), tz)
    image = next(
        (_s(x.get("href")) for x in e.get("enclosures", []) if _s(x.get("type")).startswith("image/")),
        "",
    ) or next((_s(m.get("url")) for m in e.get("media_thumbnail", [])), "")
    return Article(
        title=title,
        body=body,
        summary=summary if summary and summary != squash(body) else "",
        date=published or updated,
        updated=updated if published and updated and updated > published else None,
        id=squash(_s(e.get("id"))),
        item=_item_key(_s(e.get("id")), link, title, number),
        authors=unique([_s(a.get("name")) for a in e.get("authors", []) if isinstance(a, dict)]),
        tags=unique([_s(t.get("term")) or _s(t.get("label")) for t in e.get("tags", [])]),
        lang=_lang(title_detail.get("language")) or _lang(feed.get("language")),
        scope=_scope(feed.get("link"), feed.get("id"), feed.get("title")),
        source_name=squash(_s(feed.get("title"))),
        source_url=link,  # the importer keeps absolute http(s) URLs only, and says what it drops
        rights=squash(e.get("rights", "") or feed.get("rights", "")),
        image=image,
    )


def _scope(*names: Any) -> str:
    return next((squash(name) for name in names if isinstance(name, str) and name.strip()), "")


def _parse_xml(data: bytes, tz: tzinfo) -> list[Item]:
    raw, problem = _xml_text(data)
    parsed = feedparser.parse(raw, sanitize_html=False, resolve_relative_uris=True)
    if not parsed.version and not parsed.entries:
        if problem:
            raise SourceError(f"malformed feed: {problem}")
        root = re.search(rb"<([A-Za-z_][\w.:-]*)", re.sub(rb"<[?!][^>]*>", b"", raw))
        name = root.group(1).decode() if root else "?"
        if name.rpartition(":")[2].lower() not in FEED_ROOTS:
            raise SourceError(f"not an RSS, Atom or JSON feed (root element <{name}>)")
        return []  # a feed feedparser reads no dialect of (a CDF channel, say) with no items
    items = _items(parsed.entries, lambda e, n: _rss_item(e, parsed.feed, n, tz))
    if problem:  # last: an item's place in the list is its number
        items.append(Notice(f"not well-formed XML: {problem}; read leniently, as feed readers do"))
    return items


def _items(entries: list[Any], read: Any) -> list[Item]:
    out: list[Item] = []
    for number, entry in enumerate(entries, 1):
        try:
            out.append(read(entry, number))
        except SourceError as exc:
            out.append(exc)
    return out


# ---- JSON Feed ---------------------------------------------------------------------------


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _json_item(item: Any, feed: dict[str, Any], number: int, tz: tzinfo) -> Article | Notice:
    if not isinstance(item, dict):
        raise SourceError(f"item {number}: not an object")
    raw_id = item.get("id")
    ident = str(raw_id).strip() if isinstance(raw_id, str | int) else ""
    link = _s(item.get("url"))
    title = squash(clean_text(_s(item.get("title"))))
    content_html, content_text = (
        clean_text(_s(item.get("content_html"))),
        clean_text(_s(item.get("content_text"))),
    )
    if content_html.strip():
        body, text = html_to_markdown(content_html, link), html_to_text(content_html) if not title else ""
    else:
        body, text = _text_to_markdown(content_text), squash(content_text)
    summary = html_to_text(clean_text(_s(item.get("summary"))))  # plain by the spec; HTML in the wild
    attachments = [_s(a.get("url")) for a in _list(item.get("attachments")) if isinstance(a, dict)]
    title = _title(title, summary or text, body, [link, _s(item.get("external_url")), *attachments])
    if not title:
        return _empty(number)
    authors = _list(item.get("authors")) or _list(item.get("author"))
    authors = authors or _list(feed.get("authors")) or _list(feed.get("author"))
    published = source_date(item.get("date_published"), tz)
    updated = source_date(item.get("date_modified"), tz)
    image = _s(item.get("image")) or _s(item.get("banner_image"))
    return Article(
        title=title,
        body=body,
        summary=summary,
        date=published or updated,
        updated=updated if published and updated and updated > published else None,
        id=ident,
        item=_item_key(ident, link, title, number),
        authors=unique([_s(a.get("name")) for a in authors if isinstance(a, dict)]),
        tags=unique([t for t in _list(item.get("tags")) if isinstance(t, str)]),
        lang=_lang(item.get("language")) or _lang(feed.get("language")),
        scope=_scope(feed.get("home_page_url"), feed.get("feed_url"), feed.get("title")),
        source_name=squash(_s(feed.get("title"))),
        source_url=link,  # the importer keeps absolute http(s) URLs only, and says what it drops
        image=image,
    )


def _list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value] if value else []


def _parse_json(data: bytes, tz: tzinfo) -> list[Item]:
    text = decode(data)
    try:
        feed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"malformed JSON Feed: {exc.msg} (line {exc.lineno})") from None
    except RecursionError:
        raise SourceError("malformed JSON Feed: nested too deeply") from None
    version = feed.get("version") if isinstance(feed, dict) else None
    if not isinstance(version, str) or not version.startswith("https://jsonfeed.org/version/"):
        raise SourceError("JSON but not a JSON Feed (no jsonfeed.org version)")
    items = feed.get("items")
    if not isinstance(items, list):
        raise SourceError("malformed JSON Feed: 'items' is not a list")
    return _items(items, lambda e, n: _json_item(e, feed, n, tz))


def parse_feed(data: bytes, suffix: str, tz: tzinfo) -> list[Item]:
    """Every item of a feed: an Article, or a SourceError for an item that cannot be imported.

    Raises SourceError when the feed as a whole cannot be read.
    """
    if suffix == ".json" or data.lstrip()[:1] in (b"{", b"["):
        return _parse_json(data, tz)
    return _parse_xml(data, tz)
