"""`feedsite check`, second half: the feeds of the built site, linted against what readers need and
what feedsite promises. Every feed document in site/ (feed.xml, atom.xml, feed.json: subscription
documents and archive pages) is read back, and each of these is one line per violation:

- required elements: RSS 2.0's channel title, link and description and an item's title or
  description, Atom's id, title, updated and author, an entry's id, title, updated and content or
  link, JSON Feed's version, title and items, an item's id and content; every RSS item has a guid;
- absolute URLs: links, enclosures, media, hubs, history links, and every link inside the HTML of an
  entry; ids are absolute URIs;
- dates with a zone: RFC 822 in RSS, RFC 3339 in Atom and JSON Feed;
- RFC 5005 markers: an archive page says <fh:archive/>, a subscription document never does;
- unique ids: in each document, and along each feed's chain of archive pages;
- the size budget: a subscription document holds at most feeds.max_bytes;
- permanent ids: an entry at a URL that content/.urls.json remembers (id → the site paths it was
  published at) still has the id it was published with.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedsite.config import SiteConfig

NAMES = frozenset({"feed.xml", "atom.xml", "feed.json"})
URLS_FILE = ".urls.json"
ATOM = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
AT = "{http://purl.org/atompub/tombstones/1.0}"
MEDIA = "{http://search.yahoo.com/mrss/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
DAY = "((Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?"
MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
ZONE = "([+-]\\d{4}|UT|GMT|[ECMP][SD]T|Z)"  # RFC 822 zones (not its one-letter military ones)
RFC822 = re.compile(rf"{DAY}\d{{1,2}} {MONTH} \d{{2,4}} \d\d:\d\d(:\d\d)? {ZONE}")
RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
WEB = re.compile(r"https?://[^\s/?#]+[^\s]*")
URL_ATTR = re.compile(r"""\s(?:href|src|poster)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
SRCSET = re.compile(r"""\ssrcset\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


@dataclass
class Document:
    """What the chain and id checks need of one feed document."""

    path: str  # site path
    items: list[tuple[str, str]] = field(default_factory=list)  # (id, url)
    older: str | None = None  # the URL of the archive page before it (prev-archive, next_url)
    problems: list[str] = field(default_factory=list)

    def need(self, ok: Any, message: str) -> None:
        if not ok:
            self.problems.append(message)

    def web(self, url: str | None, what: str) -> None:
        self.need(url and WEB.fullmatch(url), f"{what} is not an absolute http(s) URL: {url!r}")

    def html(self, fragment: str | None, what: str) -> None:
        """Every link of an entry's HTML is absolute (a reader shows it away from the site)."""
        for match in URL_ATTR.finditer(fragment or ""):
            url = match.group(1) if match.group(1) is not None else match.group(2)
            self.need(SCHEME.match(url.strip()), f"{what} links to a relative URL: {url!r}")
        for match in SRCSET.finditer(fragment or ""):
            value = match.group(1) if match.group(1) is not None else match.group(2)
            for candidate in filter(None, (c.split()[:1] for c in value.split(","))):
                self.need(SCHEME.match(candidate[0]), f"{what} links to a relative URL: {candidate[0]!r}")

    def date(self, value: str | None, pattern: re.Pattern[str], what: str) -> None:
        self.need(value and pattern.fullmatch(value.strip()), f"{what} is not a date with a zone: {value!r}")

    def item(self, ident: str | None, url: str | None, what: str) -> None:
        self.need(ident, f"{what} has no id")
        self.need(not ident or SCHEME.match(ident), f"{what}: its id {ident!r} is not an absolute URI")
        if ident:
            self.items.append((ident, url or ""))


def _rss(doc: Document, root: Any, archive: bool) -> None:
    channel = root.find("channel")
    doc.need(root.tag == "rss" and root.get("version") == "2.0", "not an RSS 2.0 document")
    if channel is None:
        doc.need(False, "RSS without a <channel>")
        return
    for name in ("title", "link", "description"):
        doc.need((channel.findtext(name) or "").strip(), f"the channel has no <{name}>")
    doc.web(channel.findtext("link"), "the channel's <link>")
    for name in ("lastBuildDate", "pubDate"):
        if channel.find(name) is not None:
            doc.date(channel.findtext(name), RFC822, f"<{name}>")
    doc.older = _head(doc, channel, f"{ATOM}link", archive)
    for number, item in enumerate(channel.findall("item"), 1):
        what = f"item {number}"
        doc.need(
            item.findtext("title") or item.findtext("description"),
            f"{what} has neither title nor description",
        )
        guid = item.find("guid")
        doc.need(guid is not None, f"{what} has no <guid>")
        if guid is not None and guid.get("isPermaLink", "true") == "true":
            doc.web(guid.text, f"{what}'s permalink <guid>")
        if item.find("link") is not None:
            doc.web(item.findtext("link"), f"{what}'s <link>")
        if item.find("pubDate") is not None:
            doc.date(item.findtext("pubDate"), RFC822, f"{what}'s <pubDate>")
        for enclosure in item.findall("enclosure"):
            doc.web(enclosure.get("url"), f"{what}'s <enclosure>")
            doc.need(
                (enclosure.get("length") or "").isdigit() and enclosure.get("type"),
                f"{what}'s <enclosure> lacks length or type",
            )
        for media in item.iter(f"{MEDIA}content"):
            doc.web(media.get("url"), f"{what}'s media:content")
        doc.html(item.findtext(CONTENT), what)
        doc.item(guid.text if guid is not None else None, item.findtext("link"), what)


def _atom(doc: Document, root: Any, archive: bool) -> None:
    doc.need(root.tag == f"{ATOM}feed", "not an Atom feed document")
    for name in ("id", "title", "updated"):
        doc.need((root.findtext(f"{ATOM}{name}") or "").strip(), f"the feed has no <{name}>")
    doc.need(SCHEME.match(root.findtext(f"{ATOM}id") or ""), "the feed's <id> is not an absolute URI")
    doc.date(root.findtext(f"{ATOM}updated"), RFC3339, "the feed's <updated>")
    authored = root.find(f"{ATOM}author") is not None
    doc.older = _head(doc, root, f"{ATOM}link", archive)
    for gone in root.findall(f"{AT}deleted-entry"):
        doc.need(SCHEME.match(gone.get("ref") or ""), "an at:deleted-entry has no absolute ref")
        doc.date(gone.get("when"), RFC3339, "an at:deleted-entry's when")
    for number, entry in enumerate(root.findall(f"{ATOM}entry"), 1):
        what = f"entry {number}"
        for name in ("title", "updated"):
            doc.need(entry.find(f"{ATOM}{name}") is not None, f"{what} has no <{name}>")
        doc.date(entry.findtext(f"{ATOM}updated"), RFC3339, f"{what}'s <updated>")
        if entry.find(f"{ATOM}published") is not None:
            doc.date(entry.findtext(f"{ATOM}published"), RFC3339, f"{what}'s <published>")
        doc.need(
            authored or entry.find(f"{ATOM}author") is not None, f"{what} has no author, nor has the feed"
        )
        links = entry.findall(f"{ATOM}link")
        for link in links:
            doc.web(link.get("href"), f"{what}'s {link.get('rel', 'alternate')} link")
        alternate = [link.get("href") for link in links if link.get("rel", "alternate") == "alternate"]
        content = entry.find(f"{ATOM}content")
        doc.need(content is not None or alternate, f"{what} has neither content nor an alternate link")
        if content is not None and content.get("type") == "html":
            doc.html(content.text, what)
        doc.item(entry.findtext(f"{ATOM}id"), alternate[0] if alternate else None, what)


def _head(doc: Document, head: Any, link: str, archive: bool) -> str | None:
    """The feed-level links and RFC 5005 markers; returns the prev-archive URL."""
    older = None
    for element in head.findall(link):
        doc.web(element.get("href"), f"the {element.get('rel', 'alternate')} link")
        if element.get("rel") == "prev-archive":
            older = element.get("href")
    marked = head.find(f"{FH}archive") is not None
    doc.need(
        marked == archive,
        "an archive page without <fh:archive/>" if archive else "<fh:archive/> in a subscription document",
    )
    doc.need(not (archive and head.find(f"{FH}complete") is not None), "<fh:complete/> in an archive page")
    return older


def _json(doc: Document, feed: Any) -> None:
    if not isinstance(feed, dict):
        doc.need(False, "not a JSON object")
        return
    doc.need(str(feed.get("version", "")).startswith("https://jsonfeed.org/version/"), "no JSON Feed version")
    doc.need(isinstance(feed.get("title"), str) and feed["title"], "no title")
    for key in ("home_page_url", "feed_url", "next_url"):
        if key in feed:
            doc.web(feed[key], key)
    for hub in feed.get("hubs", []) if isinstance(feed.get("hubs"), list) else []:
        doc.web(hub.get("url") if isinstance(hub, dict) else None, "a hub")
    doc.older = feed.get("next_url") if isinstance(feed.get("next_url"), str) else None
    items = feed.get("items")
    doc.need(isinstance(items, list), "no items list")
    for number, item in enumerate(items if isinstance(items, list) else [], 1):
        what = f"item {number}"
        if not isinstance(item, dict):
            doc.need(False, f"{what} is not an object")
            continue
        doc.need(
            "content_html" in item or "content_text" in item,
            f"{what} has neither content_html nor content_text",
        )
        for key in ("url", "image"):
            if key in item:
                doc.web(item[key], f"{what}'s {key}")
        for key in ("date_published", "date_modified"):
            if key in item:
                doc.date(str(item[key]), RFC3339, f"{what}'s {key}")
        doc.html(item.get("content_html") if isinstance(item.get("content_html"), str) else None, what)
        ident = item.get("id")
        doc.item(
            ident if isinstance(ident, str) else None,
            item.get("url") if isinstance(item.get("url"), str) else None,
            what,
        )


def documents(site: Path) -> Iterator[str]:
    """Site paths of every feed document, sorted."""
    for folder, dirs, files in os.walk(site):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel = Path(folder).relative_to(site).as_posix()
        for name in sorted(NAMES.intersection(files)):
            yield name if rel == "." else f"{rel}/{name}"


def read(site: Path, path: str, max_bytes: int) -> Document:
    doc = Document(path)
    archive = "feeds/archive/" in path
    data = (site / path).read_bytes()
    if not archive:
        doc.need(len(data) <= max_bytes, f"{len(data):,} bytes, over feeds.max_bytes ({max_bytes:,})")
    try:
        if path.endswith(".json"):
            _json(doc, json.loads(data))
        else:
            from lxml import etree

            root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
            (_rss if path.endswith("feed.xml") else _atom)(doc, root, archive)
    except (ValueError, SyntaxError) as exc:  # JSONDecodeError, lxml's XMLSyntaxError
        doc.problems.append(f"cannot be read: {exc}")
    seen: set[str] = set()
    for ident, _url in doc.items:
        doc.need(ident not in seen, f"the id {ident} appears twice")
        seen.add(ident)
    return doc


def _published(root: Path) -> tuple[dict[str, str], list[str]]:
    """Site path → the id published there, from content/.urls.json; and its problems."""
    try:
        data = json.loads(root.read_bytes())
    except FileNotFoundError:
        return {}, []
    except (OSError, ValueError) as exc:
        return {}, [f"{root}: cannot be read: {exc}"]
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        return {}, [f"{root}: not a JSON object of id → [site paths]"]
    owners: dict[str, str] = {}
    for ident, paths in data.items():
        for path in paths:
            if isinstance(path, str):
                owners[path.strip("/")] = ident
    for ident, paths in data.items():  # an address's owner is the entry it is current for
        if paths and isinstance(paths[-1], str):
            owners[paths[-1].strip("/")] = ident
    return owners, []


def lint_site(config: SiteConfig) -> tuple[int, list[str]]:
    """(feed documents read, one line per violation) for the built site."""
    site, base = config.path("output"), config.base_url
    docs = {path: read(site, path, config.feed_max_bytes) for path in documents(site)}
    owners, lines = _published(config.path("content") / URLS_FILE)
    shown = config.output_dir.rstrip("/")
    for path, doc in docs.items():
        lines += [f"{shown}/{path}: {problem}" for problem in doc.problems]
        for ident, url in doc.items:
            where = url[len(base) :].strip("/") if url.startswith(base) else None
            before = owners.get(where) if where is not None else None
            if before is not None and before != ident:
                lines.append(
                    f"{shown}/{path}: the entry at /{where}/ has the id {ident}, published before as {before}"
                )
        if "feeds/archive/" in path:
            continue
        ids: dict[str, str] = {}
        for step in _chain(docs, base, path):
            if step.path not in docs:
                lines.append(f"{shown}/{path}: its archive chain leads to /{step.path}, which is not there")
                break
            for ident, _url in step.items:
                if ident in ids and ids[ident] != step.path:
                    lines.append(f"{shown}/{path}: the id {ident} is in both {ids[ident]} and {step.path}")
                ids.setdefault(ident, step.path)
    return len(docs), lines


def _chain(docs: dict[str, Document], base: str, start: str) -> Iterator[Document]:
    """A subscription document and the archive pages it leads to, oldest last."""
    seen: set[str] = set()
    path: str | None = start
    while path is not None and path not in seen:
        seen.add(path)
        doc = docs.get(path) or Document(path)
        yield doc
        older = doc.older
        path = older[len(base) :] if older and older.startswith(base) else None
