"""Saved HTML article pages → Article: metadata from JSON-LD, Open Graph, <meta>, microdata and the
visible page (htmlmeta.py, bylines.py); the article text found by trafilatura, or by our own reading
when it finds none (extract.py), sanitized and converted to Markdown (tomarkdown.py)."""

from __future__ import annotations

import html
import re
from datetime import tzinfo
from typing import Any

import lxml.html
from lxml import etree

from feedsite.importers.article import Article, SourceError, unique
from feedsite.importers.extract import MIN_TEXT, article_html
from feedsite.importers.htmlmeta import Page, clean
from feedsite.importers.tomarkdown import html_to_markdown
from feedsite.text import squash


def _url(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return _url(value.get("url") or value.get("@id") or value.get("contentUrl"))
    if isinstance(value, list) and value:
        return _url(value[0])
    return ""


def language(value: Any) -> str:
    """A BCP 47 language tag as the page gives it ("en", "pt-BR"; "en_US" read as "en-US"), or ""
    when it is none ("english", "xx")."""
    import langcodes  # here: only pages that state a language pay for its tables

    tag = value.strip().replace("_", "-") if isinstance(value, str) else ""
    return tag if tag and langcodes.tag_is_valid(tag) else ""


def _body(found: str, title: str, url: str, image: str) -> str:
    """The article's HTML as Markdown, without a heading that repeats the title."""
    if not found.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(found, create_parent="div")
    except (AssertionError, IndexError, etree.ParserError):  # lxml asserts one <body>: a page had none
        return ""
    for heading in root.iter("h1", "h2"):
        if squash(heading.text_content()).casefold() == title.casefold():
            heading.drop_tree()
            break
    return html_to_markdown(lxml.html.tostring(root, encoding="unicode"), url, image)


def parse_html(text: str, tz: tzinfo) -> Article:
    """Raises SourceError when the page holds no article text."""
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        doc = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise SourceError(f"not readable as HTML ({exc})") from None
    page = Page(doc)
    ld = page.ld
    canonical = doc.xpath("//link[@rel='canonical']/@href")
    url = _url(ld.get("url") or ld.get("mainEntityOfPage")) or (
        str(canonical[0]).strip() if canonical else ""
    )
    url = url if url.startswith(("http://", "https://")) else page.first("og:url")
    site = page.site_names(url)
    title = page.title(site)
    if not title:
        raise SourceError("HTML page with no title")
    image = _url(ld.get("image")) or page.first("og:image", "og:image:url", "twitter:image")
    keywords = ld.get("keywords")
    tags = keywords if isinstance(keywords, list) else clean(keywords).split(",")
    tags = [clean(t) for t in tags if isinstance(t, str)] + page.all("article:tag")
    if not any(t.strip() for t in tags):
        tags = page.first("keywords", "news_keywords").split(",")
    lang = language(doc.get("lang")) or language(doc.get("xml:lang")) or language(ld.get("inLanguage"))
    lang = lang or language(page.first("og:locale", "content-language", "language", "dc.language"))
    published = page.published(tz, url)
    modified = page.modified(tz)
    authors = page.bylines(site)
    body = _body(article_html(text, url, doc), title, url, image)
    if len(squash(body)) < MIN_TEXT and isinstance(ld.get("articleBody"), str):
        paragraphs = ld["articleBody"].split("\n")
        body = html_to_markdown("".join(f"<p>{html.escape(p)}</p>" for p in paragraphs))
    if len(squash(body)) < MIN_TEXT:
        raise SourceError("HTML page with no article text")
    return Article(
        title=title,
        body=body,
        summary=clean(ld.get("description"))
        or page.first("og:description", "description", "twitter:description"),
        date=published,
        updated=modified if modified and published and modified > published else None,
        authors=unique(authors),
        tags=unique(tags),
        lang=lang,
        source_name=page.publisher(),
        source_url=url,  # the importer keeps absolute http(s) URLs only, and says what it drops
        rights=clean(ld.get("copyrightNotice")) or page.first("copyright", "dc.rights", "rights"),
        image=image,  # absolute http(s), or rooted at "/" (a page): the importer checks
        image_alt=page.first("og:image:alt", "twitter:image:alt"),
    )
