"""Saved HTML article pages → Article: metadata from JSON-LD, Open Graph, <meta>, <time>;
the main text without navigation, ads, comments or share widgets."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, tzinfo
from typing import Any

import lxml.html
from lxml import etree

from feedsite.importers.article import Article, SourceError, source_date, unique
from feedsite.importers.tomarkdown import html_to_markdown
from feedsite.text import squash

ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenews", "analysisnewsarticle",
                 "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "report",
                 "scholarlyarticle", "techarticle", "liveblogposting", "webpage"}  # fmt: skip
# Whole elements that are never article text.
NOISE_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "form", "button",
              "nav", "aside", "footer", "svg", "template", "select", "textarea", "input",
              "dialog", "menu")  # fmt: skip
NOISE_WORDS = re.compile(
    r"^(nav|navbar|navigation|menu|breadcrumbs?|sidebar|ad|ads|advert\w*|adsense|banner|promo\w*|"
    r"sponsor\w*|comments?|commenti|disqus|share|sharing|social|sharebar|related|recommended|"
    r"newsletter|subscribe|subscription|cookie\w*|consent|popup|modal|widget|outbrain|taboola|"
    r"footer|masthead|toolbar|paywall|tags|byline|dateline|timestamp|dateline)$"
)
NOISE_ROLES = {"navigation", "banner", "complementary", "contentinfo", "search", "dialog"}
KEEP = {"html", "body", "article", "main"}
INLINE_PARENTS = {"p", "li", "span", "em", "strong", "b", "i", "a", "td", "q", "blockquote", "dd"}
_PIECES = re.compile(r"[\s_-]+")
MIN_TEXT = 40  # characters: less than this is not an article


def _is_noise(el: etree._Element) -> bool:
    if el.tag in KEEP or el.get("itemprop") == "articleBody":
        return False
    if el.get("role") in NOISE_ROLES or el.get("aria-hidden") == "true" or el.get("hidden") is not None:
        return True
    if "display:none" in (el.get("style") or "").replace(" ", ""):
        return True
    names = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return any(NOISE_WORDS.match(piece) for piece in _PIECES.split(names) if piece)


def _strip_noise(root: etree._Element) -> None:
    for el in list(root.iter(*NOISE_TAGS)):
        if el.getparent() is not None:
            el.drop_tree()
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    for time in list(root.iter("time")):  # a date standing alone is metadata, not text
        parent = time.getparent()
        if parent is not None and parent.tag not in INLINE_PARENTS:
            time.drop_tree()
    for header in list(root.iter("header")):
        if not any(a.tag in ("article", "main") for a in header.iterancestors()):
            header.drop_tree()
    for el in list(root.iter()):
        if isinstance(el.tag, str) and el.getparent() is not None and _is_noise(el):
            el.drop_tree()


def _text_len(el: etree._Element) -> int:
    return len(squash(el.text_content()))


def _main(doc: etree._Element) -> etree._Element | None:
    """The element holding the article text: articleBody, <article>, <main>, else the densest."""
    for xpath in ("//*[@itemprop='articleBody']", "//article", "//main", "//*[@role='main']"):
        found = [el for el in doc.xpath(xpath) if _text_len(el) >= MIN_TEXT]
        if found:
            return max(found, key=lambda el: sum(_text_len(p) for p in el.iter("p")) or 1)
    scores: dict[etree._Element, float] = {}
    for p in doc.iter("p"):
        length = _text_len(p)
        parent = p.getparent()
        if parent is None or length < 20:
            continue
        scores[parent] = scores.get(parent, 0) + length
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0) + length / 2
    if scores:
        return max(scores, key=lambda el: scores[el])
    body = doc.find("body")
    return body if body is not None else doc


# ---- metadata ----------------------------------------------------------------------------


def _ld_objects(doc: etree._Element) -> list[dict[str, Any]]:
    """JSON-LD objects, @graph flattened, article types first."""
    found: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            found.append(value)
            walk(value.get("@graph"))

    for script in doc.xpath("//script[@type='application/ld+json']"):
        try:
            walk(json.loads(script.text or "", strict=False))
        except ValueError:
            continue

    def is_article(obj: dict[str, Any]) -> bool:
        types = obj.get("@type")
        names = types if isinstance(types, list) else [types]
        return any(isinstance(t, str) and t.lower() in ARTICLE_TYPES for t in names)

    return [o for o in found if is_article(o)]


def _names(value: Any) -> list[str]:
    """Person/organization names from a JSON-LD value (str, object or list)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    return []


def _url(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _url(value.get("url") or value.get("@id") or value.get("contentUrl"))
    if isinstance(value, list) and value:
        return _url(value[0])
    return ""


def _str(value: Any) -> str:
    return squash(value) if isinstance(value, str) else ""


class _Meta:
    """Every metadata source of a page, asked in order of trust."""

    def __init__(self, doc: etree._Element) -> None:
        self.ld = (_ld_objects(doc) or [{}])[0]
        self.meta: dict[str, list[str]] = {}
        for el in doc.iter("meta"):
            key = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
            content = el.get("content")
            if key and content and content.strip():
                self.meta.setdefault(key, []).append(content.strip())
        self.doc = doc

    def first(self, *keys: str) -> str:
        for key in keys:
            if self.meta.get(key):
                return squash(self.meta[key][0])
        return ""

    def all(self, key: str) -> list[str]:
        return self.meta.get(key, [])


def _site_suffix(title: str, site: str) -> str:
    """'Headline | Site' → 'Headline'."""
    for sep in (" | ", " - ", " – ", " — ", " :: "):
        if site and title.endswith(sep + site):
            return title[: -len(sep + site)]
    return title


def _first_time(doc: etree._Element, tz: tzinfo) -> datetime | None:
    """The first <time> of the article (else of the page) that holds a date."""
    for xpath in ("//*[@itemprop='datePublished']", "//article//time", "//main//time", "//time"):
        for el in doc.xpath(xpath):
            value = source_date(el.get("datetime") or el.get("content") or el.text_content(), tz)
            if value:
                return value
    return None


def parse_html(text: str, tz: tzinfo) -> Article:
    """Raises SourceError when the page holds no article text."""
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        doc = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise SourceError(f"not readable as HTML ({exc})") from None
    m = _Meta(doc)
    ld = m.ld
    publishers = _names(ld.get("publisher"))
    site = squash(publishers[0]) if publishers else m.first("og:site_name", "application-name")
    title_el = doc.find(".//title")
    h1 = doc.find(".//h1")
    title = (
        _str(ld.get("headline"))
        or m.first("og:title", "twitter:title", "dc.title")
        or (squash(h1.text_content()) if h1 is not None else "")
        or _site_suffix(squash(title_el.text_content()) if title_el is not None else "", site)
    )
    canonical = doc.xpath("//link[@rel='canonical']/@href")
    url = _url(ld.get("url") or ld.get("mainEntityOfPage")) or (str(canonical[0]) if canonical else "")
    url = url or m.first("og:url")
    image = _url(ld.get("image")) or m.first("og:image", "og:image:url", "twitter:image")
    authors = _names(ld.get("author")) or m.all("article:author") or m.all("author")
    authors = [a for a in authors if not a.startswith(("http://", "https://"))]
    keywords = ld.get("keywords")
    tags = keywords if isinstance(keywords, list) else _str(keywords).split(",")
    tags = [t for t in tags if isinstance(t, str)] + m.all("article:tag")
    if not any(t.strip() for t in tags):
        tags = m.first("keywords").split(",")
    lang = _str(ld.get("inLanguage")) or doc.get("lang") or m.first("og:locale").replace("_", "-")

    if not title:
        raise SourceError("HTML page with no title")
    published = (
        source_date(ld.get("datePublished"), tz)
        or source_date(m.first("article:published_time", "date", "dc.date", "pubdate"), tz)
        or _first_time(doc, tz)
    )
    _strip_noise(doc)
    main = _main(doc)
    modified = source_date(ld.get("dateModified"), tz) or source_date(
        m.first("article:modified_time", "og:updated_time"), tz
    )
    body = ""
    if main is not None:
        for heading in main.iter("h1"):
            if squash(heading.text_content()).casefold() == title.casefold():
                heading.drop_tree()
                break
        body = html_to_markdown(lxml.html.tostring(main, encoding="unicode"), url, image)
    if len(body) < MIN_TEXT and _str(ld.get("articleBody")):
        paragraphs = ld["articleBody"].split("\n")
        body = html_to_markdown("".join(f"<p>{html.escape(p)}</p>" for p in paragraphs))
    if len(squash(body)) < MIN_TEXT:
        raise SourceError("HTML page with no article text")
    return Article(
        title=title,
        body=body,
        summary=_str(ld.get("description"))
        or m.first("og:description", "description", "twitter:description"),
        date=published,
        updated=modified if modified and published and modified > published else None,
        authors=unique(authors),
        tags=unique(tags),
        lang=lang if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", lang or "") else "",
        source_name=site,
        source_url=url if url.startswith(("http://", "https://")) else "",
        rights=_str(ld.get("copyrightNotice")) or m.first("copyright", "dc.rights", "rights"),
        image=image if image.startswith(("http://", "https://", "/")) else "",
        image_alt=m.first("og:image:alt", "twitter:image:alt"),
    )
