"""Feeds (RSS 2.0/1.0, Atom, JSON Feed) → one Article per item.

XML feeds must be well-formed (checked with lxml, after characters XML forbids are dropped);
feedparser then reads them, whatever their dialect.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import tzinfo
from typing import Any

import feedparser
from lxml import etree

from feedsite.importers.article import Article, SourceError, decode, source_date, unique
from feedsite.importers.tomarkdown import escape_line_start, escape_text, html_to_markdown, html_to_text
from feedsite.text import clean_text, squash

FEED_ROOTS = {"rss", "feed", "RDF"}
HTML_TYPES = {"text/html", "application/xhtml+xml", "html", "xhtml"}
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding=[\"']([A-Za-z0-9._-]+)[\"'][^>]*\?>")
_LANG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")

Item = Article | SourceError


def _text_to_markdown(text: str) -> str:
    paragraphs = [squash(p) for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n\n".join(escape_line_start(escape_text(p)) for p in paragraphs)


def _body(value: str, kind: str, base: str) -> str:
    if kind in HTML_TYPES or (kind == "" and "<" in value):
        return html_to_markdown(value, base)
    return _text_to_markdown(value)


def _plain(value: str, kind: str) -> str:
    """Plain text; HTML (or what feedparser left untyped and holds a tag) read through the sanitizer."""
    return html_to_text(value) if kind in HTML_TYPES or (kind == "" and "<" in value) else squash(value)


def _item_key(ident: str, link: str, title: str, number: int) -> str:
    if ident or link:
        return ident or link
    return "sha256:" + hashlib.sha256(f"{number}\n{title}".encode()).hexdigest()[:16]


def _lang(value: Any) -> str:
    text = value.strip().replace("_", "-") if isinstance(value, str) else ""
    return text if _LANG.fullmatch(text) else ""


# ---- RSS / Atom --------------------------------------------------------------------------


def _xml_text(data: bytes) -> bytes:
    """The feed as UTF-8 bytes, well-formed, or SourceError."""
    declared = _XML_DECL.match(data)
    text = decode(data, declared.group(1).decode() if declared else None)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    raw = ('<?xml version="1.0" encoding="utf-8"?>\n' + text.lstrip()).encode("utf-8")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        line = (exc.lineno or 2) - 1
        raise SourceError(f"malformed feed: {exc.msg} (line {line})") from None
    name = etree.QName(root).localname
    if name not in FEED_ROOTS:
        raise SourceError(f"not an RSS or Atom feed (root element <{name}>)")
    return raw


def _rss_item(e: Any, feed: Any, number: int, tz: tzinfo) -> Article:
    title_detail = e.get("title_detail") or {}
    title = _plain(e.get("title", ""), title_detail.get("type", ""))
    link = e.get("link", "")
    body = ""
    for content in e.get("content", []):
        body = _body(content.get("value", ""), content.get("type", ""), link)
        if body:
            break
    summary_detail = e.get("summary_detail") or {}
    summary_kind = summary_detail.get("type", "")
    summary = e.get("summary", "")
    if not body:
        body, summary = _body(summary, summary_kind, link), ""
    summary = _plain(summary, summary_kind)
    if not title:
        raise SourceError(f"item {number}: no title")
    if not body.strip():
        raise SourceError(f"item {number} ({title!r}): a title but no body text")
    published = source_date(e.get("published_parsed"), tz)  # feedparser's struct_time, in UTC
    updated = source_date(e.get("updated_parsed"), tz)
    image = next(
        (x.get("href", "") for x in e.get("enclosures", []) if x.get("type", "").startswith("image/")),
        "",
    ) or next((m.get("url", "") for m in e.get("media_thumbnail", [])), "")
    return Article(
        title=title,
        body=body,
        summary=summary if summary and summary != squash(body) else "",
        date=published or updated,
        updated=updated if published and updated and updated > published else None,
        id=squash(e.get("id", "")),
        item=_item_key(e.get("id", ""), link, title, number),
        authors=unique([a.get("name", "") for a in e.get("authors", []) if isinstance(a, dict)]),
        tags=unique([t.get("term") or t.get("label") or "" for t in e.get("tags", [])]),
        lang=_lang(title_detail.get("language")) or _lang(feed.get("language")),
        source_name=squash(feed.get("title", "")),
        source_url=link,  # the importer keeps absolute http(s) URLs only, and says what it drops
        rights=squash(e.get("rights", "") or feed.get("rights", "")),
        image=image,
    )


def _parse_xml(data: bytes, tz: tzinfo) -> list[Item]:
    parsed = feedparser.parse(_xml_text(data), sanitize_html=False, resolve_relative_uris=True)
    return _items(parsed.entries, lambda e, n: _rss_item(e, parsed.feed, n, tz))


def _items(entries: list[Any], read: Any) -> list[Item]:
    out: list[Item] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, 1):
        try:
            article = read(entry, number)
        except SourceError as exc:
            out.append(exc)
            continue
        if article.item in seen:
            out.append(SourceError(f"item {number}: repeats the id of an earlier item, skipped"))
            continue
        seen.add(article.item)
        out.append(article)
    return out


# ---- JSON Feed ---------------------------------------------------------------------------


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _json_item(item: Any, feed: dict[str, Any], number: int, tz: tzinfo) -> Article:
    if not isinstance(item, dict):
        raise SourceError(f"item {number}: not an object")
    raw_id = item.get("id")
    ident = str(raw_id).strip() if isinstance(raw_id, str | int) else ""
    link = _s(item.get("url"))
    title = squash(clean_text(_s(item.get("title"))))
    if _s(item.get("content_html")).strip():
        body = html_to_markdown(clean_text(item["content_html"]), link)
    else:
        body = _text_to_markdown(clean_text(_s(item.get("content_text"))))
    if not title:
        raise SourceError(f"item {number}: no title")
    if not body.strip():
        raise SourceError(f"item {number} ({title!r}): a title but no body text")
    authors = _list(item.get("authors")) or _list(item.get("author"))
    authors = authors or _list(feed.get("authors")) or _list(feed.get("author"))
    published = source_date(item.get("date_published"), tz)
    updated = source_date(item.get("date_modified"), tz)
    image = _s(item.get("image")) or _s(item.get("banner_image"))
    return Article(
        title=title,
        body=body,
        summary=html_to_text(clean_text(_s(item.get("summary")))),  # plain by the spec; HTML in the wild
        date=published or updated,
        updated=updated if published and updated and updated > published else None,
        id=ident,
        item=_item_key(ident, link, title, number),
        authors=unique([_s(a.get("name")) for a in authors if isinstance(a, dict)]),
        tags=unique([t for t in _list(item.get("tags")) if isinstance(t, str)]),
        lang=_lang(item.get("language")) or _lang(feed.get("language")),
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
