"""What an HTML article page says about itself: JSON-LD, <meta>, microdata and visible text, asked
in order of trust.

    Page(doc)                      every metadata source of a parsed page
    Page.first(*keys) -> str       the first <meta> value among keys (name, property or itemprop)
    Page.publisher() -> str        the publisher's name
    Page.site_names(url) -> [str]  every name the site goes by (publisher, og:site_name, host, …)
    Page.title(site) -> str        the headline, without the site's name around it
    Page.bylines(site) -> [str]    the authors' names
    Page.published(tz, url)        the publication date (feedsite.dates.parse_date reads every value)
    Page.modified(tz)              the date of the last change
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import SplitResult, urlsplit

from lxml import etree

from feedsite.importers.article import source_date
from feedsite.importers.bylines import is_role, looks_like_name, names_from, visible_bylines
from feedsite.text import squash

ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenews", "analysisnewsarticle",
                 "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "report",
                 "scholarlyarticle", "techarticle", "liveblogposting", "socialmediaposting",
                 "satiricalarticle", "askpublicnewsarticle", "posting", "discussionforumposting"}  # fmt: skip
PAGE_TYPES = {"webpage", "itempage", "medicalwebpage", "aboutpage", "collectionpage"}
AUTHOR_META = ("author", "article:author", "og:article:author", "byl", "dc.creator", "dcterms.creator",
               "sailthru.author", "parsely-author", "citation_author", "cxenseparse:author",
               "article.author", "authors")  # fmt: skip
PUBLISHED_META = ("article:published_time", "og:article:published_time", "article:published",
                  "datepublished", "publishdate", "publish-date", "publish_date", "published_time",
                  "published-date", "published_date", "publication_date", "publicationdate",
                  "publication-date", "pubdate", "parsely-pub-date", "sailthru.date", "dc.date.issued",
                  "dc.date", "dcterms.issued", "dcterms.date", "dcterms.created", "dc.date.created",
                  "citation_publication_date", "citation_date", "original-publish-date",
                  "originalpublicationdate", "article.published", "article_date_original",
                  "cxenseparse:recs:publishtime", "rnews:datepublished", "bt:pubdate", "displaydate",
                  "date", "datecreated", "release_date")  # fmt: skip
MODIFIED_META = ("article:modified_time", "og:article:modified_time", "og:updated_time", "datemodified",
                 "dcterms.modified", "dc.date.modified", "article.updated", "parsely-updated",
                 "lastmod", "last-modified")  # fmt: skip
SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " « ", " » ", " / ")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                                          "oct", "nov", "dec"), 1)}  # fmt: skip
_NAMED_DATE = re.compile(
    r"(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m1>[A-Za-z]{3,9})\.?,?\s+(?P<y1>\d{4})"
    r"|(?P<m2>[A-Za-z]{3,9})\.?\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{4}))"
)
# ISO 8601 as a whole (a value parse_date refuses in this shape is no date, not a date to guess at)
_ISO = re.compile(
    r"[+-]?\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?\s*(?:[Zz]|[+-]\d\d(?::?\d\d)?)?)?"
)
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](\d{1,2}|[a-z]{3})[/-](\d{1,2})(?:/|-|$)", re.I)
_CDATA = re.compile(r"^\s*(?://|/\*)?\s*<!\[CDATA\[(?:\s*\*/)?|(?://|/\*)?\s*\]\]>(?:\s*\*/)?\s*$")
_TRAILING_COMMA = re.compile(r",\s*([\]}])")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+\d*);", re.I)
_NOT_ALNUM = re.compile(r"\W+")
# Elements whose class names them as the publication date ("article-publish-date", "pub-date",
# "datetime", "article_date"), not as an update's.
_DATED = (
    "//*[not(self::script or self::style or self::meta)][re:test(concat(@class, ' ', @id), "
    "'(^|[^a-z])(pub(lish(ed)?)?|post(ed)?|article|entry|story|news)?[-_]?(date|datetime|dateline|time"
    "stamp)($|[^a-z])', 'i')][not(re:test(concat(@class, ' ', @id), 'updat|modif', 'i'))]"
)
_REGEX = {"re": "http://exslt.org/regular-expressions"}
_LOGO_CLASS = re.compile(r"logo|brand|site-?(title|name)|masthead", re.I)


def clean(value: Any) -> str:
    """A metadata string as plain text: entities left encoded twice decoded, whitespace squashed."""
    if not isinstance(value, str):
        return ""
    return squash(html.unescape(value) if _ENTITY.search(value) else value)


def _json_values(text: str, repaired: bool = False) -> Iterator[Any]:
    """Every JSON value in a script's text: CDATA and comment markers around it, several values in a
    row, and (as a second try) commas before a closing bracket, allowed."""
    text = _CDATA.sub("", text.strip().removeprefix("<!--").removesuffix("-->"))
    if repaired:
        text = _TRAILING_COMMA.sub(r"\1", text)
    decoder = json.JSONDecoder(strict=False)
    at = 0
    while True:
        while at < len(text) and text[at] in " \t\r\n;,":
            at += 1
        if at >= len(text):
            return
        try:
            value, at = decoder.raw_decode(text, at)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than Python's stack
            if not repaired:
                yield from _json_values(text[at:], repaired=True)
            return
        yield value


def _types(obj: dict[str, Any]) -> set[str]:
    types = obj.get("@type")
    names = types if isinstance(types, list) else [types]
    return {t.lower().rsplit("/", 1)[-1] for t in names if isinstance(t, str)}


class Page:
    """Every metadata source of a page, asked in order of trust."""

    def __init__(self, doc: etree._Element) -> None:
        self.doc = doc
        self.objects: list[dict[str, Any]] = []
        for script in doc.xpath("//script[@type='application/ld+json']"):
            for value in _json_values(script.text or ""):
                self._walk(value)
        self.by_id = {o["@id"]: o for o in self.objects if isinstance(o.get("@id"), str) and len(o) > 1}
        articles = [o for o in self.objects if _types(o) & ARTICLE_TYPES]
        self.ld = (articles or [o for o in self.objects if _types(o) & PAGE_TYPES] or [{}])[0]
        self.meta: dict[str, list[str]] = {}
        for el in doc.iter("meta"):
            key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
            content = el.get("content")
            if key and content and content.strip():
                self.meta.setdefault(key, []).append(content.strip())

    def _walk(self, value: Any) -> None:
        """Every object, nested ones too (an author defined inside an article, say), in document order."""
        stack = [value]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                self.objects.append(value)
                value = list(value.values())
            if isinstance(value, list):
                stack.extend(v for v in reversed(value) if isinstance(v, list | dict))

    def resolve(self, value: Any) -> Any:
        """A JSON-LD node given by reference ({"@id": …}) as the node itself."""
        if isinstance(value, dict) and set(value) == {"@id"}:
            return self.by_id.get(value["@id"], value)
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def first(self, *keys: str) -> str:
        for key in keys:
            for value in self.meta.get(key, ()):
                text = clean(value)
                if text:
                    return text
        return ""

    def all(self, key: str) -> list[str]:
        return [clean(v) for v in self.meta.get(key, ())]

    # ---- title ------------------------------------------------------------------------------

    def publisher(self) -> str:
        """The publisher's name: JSON-LD's, else og:site_name or application-name."""
        publisher = self.resolve(self.ld.get("publisher"))
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            return clean(publisher["name"])
        return clean(publisher) or self.first("og:site_name", "application-name")

    def site_names(self, url: str) -> list[str]:
        """Every name the site goes by, to cut from the end of a title."""
        names = [self.publisher(), *self.all("og:site_name"), *self.all("application-name")]
        names += [self.first("apple-mobile-web-app-title")]
        names += [self.first("twitter:site").lstrip("@")]
        host = (_split(url).hostname or "").removeprefix("www.")
        labels = host.split(".")[:-1]
        if len(labels) > 1 and labels[-1] in ("co", "com", "org", "net", "gov", "ac", "edu"):
            labels.pop()
        names += [host, labels[-1] if labels else ""]
        whole = {_key(self._title_tag()), _key(self.first("og:title"))}  # a page that names itself
        return [n for n in names if n and _key(n) not in whole]

    def title(self, site: list[str]) -> str:
        """The headline: JSON-LD's, else Open Graph's, else the page's own <h1>, else <title> — with
        the site name cut from its end (or start)."""
        headline = clean(self.ld.get("headline") or self.ld.get("name"))
        if headline:
            return _without_site(headline, site)
        h1 = self._headline_h1(site)
        for text in (self.first("og:title", "twitter:title", "dc.title", "title"), h1, self._title_tag()):
            text = _without_site(text, site)
            if text and not _is_site(text, site):
                return text
        return ""

    def _title_tag(self) -> str:
        el = self.doc.find(".//title")
        return clean(el.text_content()) if el is not None else ""

    def _headline_h1(self, site: list[str]) -> str:
        """The first <h1> that is the article's, not the site's name or logo."""
        found = []
        for h1 in self.doc.iter("h1"):
            text = clean(h1.text_content())
            inside = {a.tag for a in h1.iterancestors()}
            names = " ".join(f"{e.get('class') or ''} {e.get('id') or ''}" for e in (h1, *h1.iterancestors()))
            if not text or _is_site(text, site) or "nav" in inside:
                continue
            if _LOGO_CLASS.search(names) and not inside & {"article", "main"}:
                continue
            found.append((not inside & {"article", "main"}, text))
        return min(found, key=lambda f: f[0])[1] if found else ""

    # ---- bylines ----------------------------------------------------------------------------

    def bylines(self, site: list[str]) -> list[str]:
        """Authors' names: JSON-LD, <meta>, microdata itemprop="author", rel="author" links, then a
        visible byline ("By Jane Doe"). Addresses (a profile URL as article:author) are no names.
        A page that names only an organization, or itself, as author, yet shows a person's byline,
        gets the person."""
        given, weak = self._given_bylines(site)
        if given and not weak:
            return given
        shown = visible_bylines(self.doc)
        if given and not all(looks_like_name(n) for n in shown):
            return given
        return shown or given

    def _given_bylines(self, site: list[str]) -> tuple[list[str], bool]:
        """The names the page's data gives, and whether they are only an organization's or the site's."""
        for value in (self.ld.get("author"), self.ld.get("creator")):
            value = self.resolve(value)
            names = names_from(value, self.resolve)
            if names:
                return names, self._weak(value, names, site)
        for key in AUTHOR_META:
            names = [n for v in self.all(key) for n in names_from(v, self.resolve)]
            if names:
                return names, self._weak(None, names, site)
        for obj in self.objects:  # an author given on another node (a WebPage, say)
            if _types(obj) & (ARTICLE_TYPES | PAGE_TYPES):
                value = self.resolve(obj.get("author"))
                names = names_from(value, self.resolve)
                if names:
                    return names, self._weak(value, names, site)
        return [], False

    @staticmethod
    def _weak(value: Any, names: list[str], site: list[str]) -> bool:
        values = value if isinstance(value, list) else [value]
        if all(isinstance(v, dict) and _types(v) & {"organization", "newsmediaorganization"} for v in values):
            return True
        return all(_is_site(n, site) or is_role(n) or " " not in n.strip() for n in names)

    # ---- dates ------------------------------------------------------------------------------

    def published(self, tz: tzinfo, url: str) -> datetime | None:
        """JSON-LD datePublished, the date <meta> names, microdata and <time>, then a date in the URL."""
        for value in (self.ld.get("datePublished"), self.ld.get("dateCreated")):
            found = page_date(value, tz)
            if found:
                return found
        for key in PUBLISHED_META:
            for value in self.meta.get(key, ()):
                found = page_date(value, tz)
                if found:
                    return found
        for obj in self.objects:
            found = page_date(obj.get("datePublished"), tz)
            if found:
                return found
        return self._first_time(tz) or _url_date(url, tz)

    def modified(self, tz: tzinfo) -> datetime | None:
        found = page_date(self.ld.get("dateModified"), tz)
        for key in MODIFIED_META:
            for value in self.meta.get(key, ()):
                found = found or page_date(value, tz)
        return found

    def _first_time(self, tz: tzinfo) -> datetime | None:
        """The first dated element: itemprop="datePublished", <time pubdate>, the article's <time>,
        the page's, then an element whose class names it the date ("article-publish-date")."""
        for xpath in ("//*[@itemprop='datePublished']", "//time[@pubdate]", "//article//time",
                      "//main//time", "//*[contains(concat(' ', @class, ' '), ' published ')]",
                      "//time", _DATED):  # fmt: skip
            for el in self.doc.xpath(xpath, namespaces=_REGEX):
                found = page_date(el.get("datetime") or el.get("content") or el.get("title"), tz)
                found = found or page_date(" ".join(el.itertext()), tz)
                if found:
                    return found
        return None


def page_date(value: Any, tz: tzinfo) -> datetime | None:
    """A date as pages write them, read by feedsite.dates.parse_date: ISO 8601 and RFC 822 as they
    are; "2024/11/08", "8 November 2024" and "Nov. 8, 2024" as the date they name; a time followed
    by a zone name parse_date does not know, as its date alone."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    text = squash(value)
    if not text or len(text) > 80:
        return None
    found = source_date(text, tz)
    if found or _ISO.fullmatch(text):
        return found  # ISO 8601 that parse_date refused: not a real date, or out of range
    iso = re.match(r"(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?:[T ]|$)", text)
    if iso:
        year, month, day = iso.groups()
        rest = text[iso.end() :].strip()
        found = source_date(f"{year}-{int(month):02d}-{int(day):02d}" + (f"T{rest}" if rest else ""), tz)
        return found or source_date(f"{year}-{int(month):02d}-{int(day):02d}", tz)
    named = _NAMED_DATE.search(text)
    if named:
        day, month, year = (
            named.group("d1", "m1", "y1") if named.group("d1") else named.group("d2", "m2", "y2")
        )
        number = _MONTHS.get(month[:3].lower())
        if number:
            return source_date(f"{year}-{number:02d}-{int(day):02d}", tz)
    return None


def _split(url: str) -> SplitResult:
    """The page URL's parts; none of a text that is no URL at all (a bracketed host that is no IPv6
    address)."""
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit("")


def _url_date(url: str, tz: tzinfo) -> datetime | None:
    match = _URL_DATE.search(_split(url).path)
    if not match:
        return None
    year, month, day = match.groups()
    number = int(month) if month.isdigit() else _MONTHS.get(month.lower(), 0)
    return source_date(f"{year}-{number:02d}-{int(day):02d}", tz) if number else None


def _key(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


def _is_site(text: str, site: list[str]) -> bool:
    key = _key(text)
    return bool(key) and any(key == _key(name) for name in site)


def _without_site(title: str, site: list[str]) -> str:
    """'Headline | Site', 'Headline - Site — Section', 'Site: Headline' → 'Headline'."""
    if not title:
        return ""
    for sep in SEPARATORS:
        at = title.find(sep)
        while at > 0:
            head, tail = title[:at], title[at + len(sep) :]
            if _names_site(tail, site):
                return head.strip()
            at = title.find(sep, at + 1)
        head, _, tail = title.partition(sep)
        if tail and _is_site(head, site):
            return tail.strip()
    for sep in (": ", " | "):
        head, _, tail = title.partition(sep)
        if tail and _is_site(head, site):
            return tail.strip()
    return title


def _names_site(tail: str, site: list[str]) -> bool:
    """True when `tail`, the end of a title, is the site's name (alone or first of what follows)."""
    key = _key(tail)
    if not key:
        return False
    for name in site:
        name_key = _key(name)
        if name_key and (key == name_key or (key.startswith(name_key) and len(name_key) >= 4)):
            return True
    first = _key(re.split(r" [|–—-] ", tail)[0])
    return any(first and first == _key(name) for name in site)
