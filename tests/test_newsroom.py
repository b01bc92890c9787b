"""Issue 14, items 5, 7 and 8 on a built project: the Google News sitemap, NewsArticle JSON-LD,
corrections and retractions on entry pages, and the authors' pages with their feeds."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlparse

import feedparser
import lxml.html
import pytest
from helpers import tree, write
from lxml import etree

from feedsite.build import BuildOptions, build
from feedsite.config import load_config
from feedsite.content import Entry
from feedsite.notices import Correction, Retraction
from feedsite.outputs.sitemaps import NEWS_LIMIT, news_items, news_language
from feedsite.posts import Post, Rendered

BASE = "https://news.example.org/"
NOW = datetime(2025, 3, 15, tzinfo=UTC)
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
CONFIG = """[site]
title = "Desk & Co"
base_url = "https://news.example.org/"
language = "en-GB"
timezone = "Europe/Rome"

[pagination]
per_page = 2
"""
ENTRIES = {
    # the newest entry: two corrections, written out of order
    "newest": """title: Newest story
date: 2025-03-10T12:00:00+01:00
updated: 2025-03-10T13:00:00+01:00
id: urn:uuid:00000000-0000-4000-8000-000000000001
authors: [Jane Doe]
tags: [World]
corrections:
  - {date: 2025-03-11T09:30:00+01:00, text: Second fix.}
  - {date: 2025-03-10T18:00:00+01:00, text: "First fix <b>."}
""",
    # 47 hours before the newest: in the news sitemap; the same author, spelled otherwise
    "inside": """title: Inside the window
date: 2025-03-08T13:00:00+01:00
id: urn:uuid:00000000-0000-4000-8000-000000000002
authors: [{name: jane doe, uri: "https://jane.example/"}]
lang: fr-CA
""",
    # 49 hours before the newest: out of it
    "outside": """title: Outside the window
date: 2025-03-08T11:00:00+01:00
id: urn:uuid:00000000-0000-4000-8000-000000000003
authors: [Bob Roe]
tags: [World]
""",
    "retracted": """title: Retracted story
date: 2025-03-10T10:00:00+01:00
id: urn:uuid:00000000-0000-4000-8000-000000000004
authors: [Jane Doe]
tags: [World]
summary: A SECRET SUMMARY.
retracted: {date: 2025-03-12T08:00:00+01:00, reason: The source was fabricated.}
""",
    "older": """title: An older story
date: 2025-03-01T09:00:00+01:00
id: urn:uuid:00000000-0000-4000-8000-000000000005
authors: [Jane Doe]
""",
    "scheduled": """title: Scheduled story
date: 2025-04-01T09:00:00+02:00
id: urn:uuid:00000000-0000-4000-8000-000000000006
authors: [Jane Doe]
""",
}


def make(root: Path) -> Path:
    write(root / "feedsite.toml", CONFIG)
    for slug, front in ENTRIES.items():
        body = "SECRET BODY TEXT.\n" if slug == "retracted" else f"The {slug} story.\n"
        write(root / "content" / "2025" / "03" / f"{slug}.md", f"---\n{front}---\n{body}")
    return root


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make(tmp_path_factory.mktemp("newsroom"))
    build(load_config(root), BuildOptions(now=NOW))
    return root / "site"


def page(site: Path, path: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((site / path / "index.html").read_bytes())


def ld(site: Path, path: str) -> dict[str, object]:
    (script,) = page(site, path).xpath("//script[@type='application/ld+json']/text()")
    data: dict[str, object] = json.loads(script)
    return data


# -- 5. News sitemap and JSON-LD ---------------------------------------------------------------


def test_news_sitemap_holds_the_48_hours_before_the_newest_entry(site: Path) -> None:
    root = etree.fromstring((site / "news-sitemap.xml").read_bytes())
    assert root.tag == f"{SITEMAP}urlset"
    urls = root.findall(f"{SITEMAP}url")
    assert [u.findtext(f"{SITEMAP}loc") for u in urls] == [BASE + "2025/03/newest/", BASE + "2025/03/inside/"]
    first, second = (u.find(f"{NEWS}news") for u in urls)
    assert first is not None and second is not None
    assert first.findtext(f"{NEWS}publication/{NEWS}name") == "Desk & Co"
    assert first.findtext(f"{NEWS}publication/{NEWS}language") == "en"
    assert second.findtext(f"{NEWS}publication/{NEWS}language") == "fr"
    assert first.findtext(f"{NEWS}publication_date") == "2025-03-10T12:00:00+01:00"
    assert first.findtext(f"{NEWS}title") == "Newest story"
    # the order Google's schema requires: publication, publication_date, title
    assert [child.tag for child in first] == [f"{NEWS}publication", f"{NEWS}publication_date", f"{NEWS}title"]
    robots = (site / "robots.txt").read_text()
    assert f"Sitemap: {BASE}sitemap.xml\n" in robots and f"Sitemap: {BASE}news-sitemap.xml\n" in robots


def test_the_news_window_follows_the_newest_entry_not_the_clock(site: Path, tmp_path: Path) -> None:
    root = make(tmp_path / "later")
    build(load_config(root), BuildOptions(now=NOW + timedelta(days=20)))  # the scheduled one is out too
    later = root / "site/news-sitemap.xml"
    locs = etree.fromstring(later.read_bytes()).findall(f"{SITEMAP}url/{SITEMAP}loc")
    assert [loc.text for loc in locs] == [BASE + "2025/04/scheduled/"]
    root = make(tmp_path / "same")
    build(load_config(root), BuildOptions(now=NOW + timedelta(hours=30)))
    assert (root / "site/news-sitemap.xml").read_bytes() == (site / "news-sitemap.xml").read_bytes()


def test_the_news_sitemap_holds_at_most_1000_articles() -> None:
    when = datetime(2025, 1, 1, tzinfo=UTC)
    posts = []
    for n in range(NEWS_LIMIT + 5):  # one a minute: all inside 48 hours
        entry = Entry("k", f"{n}.md", f"Story {n}", when - timedelta(minutes=n), f"urn:x:{n}", True, f"s{n}")
        posts.append(Post(entry, f"s{n}/", f"{BASE}s{n}/", (), Rendered.made("k", ""), ""))
    items = news_items("P", "en", posts)
    assert len(items) == NEWS_LIMIT and items[0]["title"] == "Story 0"
    assert [news_language(t) for t in ("en-GB", "PT-br", "zh-Hant-TW", "zh-CN", "zh")] == [
        "en",
        "pt",
        "zh-tw",
        "zh-cn",
        "zh-cn",
    ]


def test_json_ld_news_article(site: Path) -> None:
    data = ld(site, "2025/03/newest")
    assert data["@type"] == "NewsArticle" and data["headline"] == "Newest story"
    assert data["datePublished"] == "2025-03-10T12:00:00+01:00"
    assert data["dateModified"] == "2025-03-11T09:30:00+01:00"  # the newest correction
    assert data["author"] == [{"@type": "Person", "name": "Jane Doe", "url": BASE + "authors/jane-doe/"}]
    assert data["publisher"] == {"@type": "Organization", "name": "Desk & Co"}
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "First fix <b>.",
            "datePublished": "2025-03-10T18:00:00+01:00",
        },
        {"@type": "CorrectionComment", "text": "Second fix.", "datePublished": "2025-03-11T09:30:00+01:00"},
    ]
    other = ld(site, "2025/03/inside")
    assert other["author"] == [
        {
            "@type": "Person",
            "name": "jane doe",
            "url": BASE + "authors/jane-doe/",
            "sameAs": "https://jane.example/",
        }
    ]
    assert "correction" not in other and other["dateModified"] == other["datePublished"]


# -- 7. Corrections and retractions ---------------------------------------------------------------


def test_corrections_show_on_the_page_and_move_updated(site: Path) -> None:
    doc = page(site, "2025/03/newest")
    items = doc.xpath("//aside[@class='corrections']//li")
    assert [li.xpath("string(time/@datetime)") for li in items] == [
        "2025-03-10T18:00:00+01:00",
        "2025-03-11T09:30:00+01:00",
    ]  # newest last
    assert items[0].text_content() == "10 March 2025, 18:00 CET: First fix <b>."
    assert items[1].text_content() == "11 March 2025, 09:30 CET: Second fix."
    (updated,) = doc.xpath("//p[@class='meta']/time[2]/@datetime")
    assert updated == "2025-03-11T09:30:00+01:00"
    assert doc.xpath("//meta[@property='article:modified_time']/@content") == [updated]
    assert "The newest story." in doc.text_content()


def test_entry_modified_includes_corrections_and_retraction() -> None:
    day = datetime(2025, 1, 1, tzinfo=UTC)
    entry = Entry("k", "a.md", "T", day, "urn:x:1", True, "a", updated=day + timedelta(hours=1))
    assert entry.modified == day + timedelta(hours=1)
    corrected = replace(entry, corrections=(Correction(day + timedelta(hours=5), "x"),))
    assert corrected.modified == day + timedelta(hours=5)
    early = replace(entry, corrections=(Correction(day + timedelta(minutes=5), "x"),))
    assert early.modified == day + timedelta(hours=1)
    retracted = replace(corrected, retracted=Retraction(day + timedelta(days=2), "why"))
    assert retracted.modified == day + timedelta(days=2)


def test_a_retracted_entry_keeps_its_url_with_a_notice_instead_of_the_article(site: Path) -> None:
    doc = page(site, "2025/03/retracted")
    (notice,) = doc.xpath("//div[@class='retraction']")
    assert notice.xpath("string(.//time/@datetime)") == "2025-03-12T08:00:00+01:00"
    assert "12 March 2025, 08:00 CET" in notice.text_content()
    assert "The source was fabricated." in notice.text_content()
    html = (site / "2025/03/retracted/index.html").read_text()
    assert "SECRET" not in html and "Retracted story" in html
    assert ld(site, "2025/03/retracted")["description"] == "Retracted: The source was fabricated."
    assert not doc.xpath("//a[@rel='prev' or @rel='next']"), "linked from no list, it has no neighbours"


def test_a_retracted_entry_leaves_every_list_but_stays_in_the_sitemap(site: Path) -> None:
    files = tree(site)
    lists = [p for p in files if p.endswith("index.html") and "2025/03/" not in p]
    assert {
        "index.html",
        "archive/index.html",
        "tags/world/index.html",
        "authors/jane-doe/index.html",
    } <= set(lists)
    for path in lists:
        assert b"2025/03/retracted/" not in files[path], path
    assert b"2025/03/retracted/" not in files["news-sitemap.xml"]
    sitemap = etree.fromstring(files["sitemap.xml"])
    lastmod = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in sitemap}
    assert lastmod[BASE + "2025/03/retracted/"] == "2025-03-12T08:00:00+01:00"
    assert b'World</a> <span class="count">(2)' in files["tags/index.html"]  # the live ones


# -- 8. Authors ---------------------------------------------------------------------------------


def test_authors_index_and_pages(site: Path) -> None:
    index = page(site, "authors")
    rows = [(a.text, a.get("href"), a.getnext().text) for a in index.xpath("//ul[@class='authors']/li/a")]
    assert rows == [("Bob Roe", "../authors/bob-roe/", "(1)"), ("Jane Doe", "../authors/jane-doe/", "(3)")]
    jane = page(site, "authors/jane-doe")
    assert jane.xpath("string(//h1)") == "Author: Jane Doe"
    assert jane.xpath("//p[contains(@class, 'author-link')]/a/@href") == ["https://jane.example/"]
    shown = jane.xpath("//article[contains(@class, 'story')]//h2/a/@href")
    assert shown == ["../../2025/03/newest/", "../../2025/03/inside/"]  # per_page 2, newest first
    older = page(site, "authors/jane-doe/page/1")
    assert older.xpath("//article[contains(@class, 'story')]//h2/a/@href") == ["../../../../2025/03/older/"]
    feeds = {(link.get("type"), link.get("href")) for link in jane.xpath("//link[@rel='alternate']")}
    assert ("application/atom+xml", BASE + "authors/jane-doe/atom.xml") in feeds
    assert ("application/rss+xml", BASE + "authors/jane-doe/feed.xml") in feeds


def test_authors_feeds(site: Path) -> None:
    for name in ("feed.xml", "atom.xml"):
        feed = feedparser.parse((site / "authors/jane-doe" / name).read_bytes())
        assert not feed.bozo, feed.bozo_exception
        assert feed.feed.title == "Desk & Co: Jane Doe"
        links = [e.link for e in feed.entries]
        assert BASE + "2025/03/newest/" in links and BASE + "2025/03/scheduled/" not in links


def test_the_byline_links_to_the_authors_pages(site: Path) -> None:
    for path in ("2025/03/newest", "2025/03/inside"):
        (link,) = page(site, path).xpath("//p[@class='byline']/a[@rel='author']")
        target = urlparse(urljoin(f"http://h/{path}/", link.get("href"))).path
        assert target == "/authors/jane-doe/" and (site / target.strip("/") / "index.html").is_file()
    assert b"authors/" in (site / "index.html").read_bytes()  # the site's navigation
