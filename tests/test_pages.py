"""The fixture site's HTML pages: the links, metadata and layout issue #2 asks for."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urljoin, urlparse

import lxml.html
import pytest
from helpers import build_project, copy_fixture
from lxml import etree

BASE = "https://news.example.org/edition/"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_fixture(tmp_path_factory.mktemp("pages"))
    build_project(root)
    return root / "site"


def page(site: Path, path: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((site / path).read_bytes())


def html_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def test_expected_files(site: Path) -> None:
    for path in [
        "index.html",
        "page/1/index.html",
        "2024/11/leaders-talk/index.html",
        "archive/index.html",
        "2024/index.html",
        "2024/11/index.html",
        "tags/index.html",
        "tags/diplomacy/index.html",
        "tags/diplomacy/feed.xml",
        "tags/diplomacy/atom.xml",
        "feed.xml",
        "atom.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "style.css",
        "media/call.jpg",
    ]:
        assert (site / path).is_file(), path
    assert not (site / "2024/12/draft-story").exists()
    assert not (site / "2024/12/future-story").exists()


def test_every_page_has_lang_canonical_and_feed_links(site: Path) -> None:
    for path in html_pages(site):
        doc = page(site, path)
        assert doc.get("lang"), path
        canonical = doc.xpath("//link[@rel='canonical']/@href")
        assert len(canonical) == 1 and canonical[0].startswith(BASE), path
        feeds = [(link.get("type"), link.get("href")) for link in doc.xpath("//link[@rel='alternate']")]
        assert ("application/rss+xml", BASE + "feed.xml") in feeds, path
        assert ("application/atom+xml", BASE + "atom.xml") in feeds, path
        assert not doc.xpath("//script[not(@type='application/ld+json')]"), "no JavaScript needed"


def test_internal_links_resolve(site: Path) -> None:
    for path in html_pages(site):
        if path == "404.html":
            continue  # links from the root: checked below
        doc = page(site, path)
        for href in doc.xpath("//a/@href | //link[@rel='stylesheet']/@href | //img/@src"):
            if urlparse(href).scheme:
                continue
            target = urlparse(urljoin("http://h/" + path, href)).path.lstrip("/")
            file = site / target / "index.html" if target.endswith("/") or not target else site / target
            if "2024/11/leaders-talk/map.png" in target:
                continue  # the entry's own (absent) picture
            assert file.is_file(), f"{path}: broken link {href}"


def test_home_is_paginated_newest_first(site: Path) -> None:
    home = page(site, "index.html")
    assert home.xpath("//article//h2/a/text()") == ["An entry without id", "Quiet day in Zoë's café"]
    assert home.xpath("//a[@rel='next']/@href") == ["./page/1/"]
    assert home.xpath("//nav[@class='pager']/span/text()") == ["10 November 2024 – 2 December 2024"]
    second = page(site, "page/1/index.html")
    assert second.xpath("//article//h2/a/text()") == ["Leaders <talk> & agree", "Spring talks"]
    assert second.xpath("//a[@rel='prev']/@href") == ["../../"]
    assert second.xpath("//a[@rel='next']") == []
    assert second.xpath("//nav[@class='pager']/span/text()") == ["Page 1: 2 May 2023 – 8 November 2024"]
    summary = home.xpath("//article")[1]
    assert summary.xpath(".//time/@datetime") == ["2024-11-10T00:00:00+01:00"]
    assert summary.xpath(".//span[@class='section']/a/text()") == ["Ukraine"]  # its first tag


def test_entry_page(site: Path) -> None:
    doc = page(site, "2024/11/leaders-talk/index.html")
    assert doc.xpath("//h1/text()") == ["Leaders <talk> & agree"]
    assert doc.xpath("//article//time/@datetime")[:2] == [
        "2024-11-08T09:00:00+01:00",
        "2024-11-09T12:00:00+01:00",
    ]
    bylines = doc.xpath("//a[@rel='author']")
    assert [(a.text, a.get("href")) for a in bylines] == [
        ("Jane Doe", "../../../authors/jane-doe/"),
        ("Bob Roe", "../../../authors/bob-roe/"),
    ]
    assert doc.xpath("//ul[@class='tags']//a/@href") == ["../../../tags/ukraine/", "../../../tags/diplomacy/"]
    assert doc.xpath("//div[@class='body']//h2/text()") == ["What was said"]
    assert doc.xpath("//p[@class='rights']/text()") == ["Reproduction reserved © Copyright La Milano"]
    assert doc.xpath("//p[@class='source']/a/@href") == ["https://lamilano.example/call"]
    assert doc.xpath("//a[@rel='prev']/@href") == ["../../../2023/05/spring-talks/"]
    assert doc.xpath("//a[@rel='next']/@href") == ["../../../2024/11/quiet-day/"]
    og = {m.get("property"): m.get("content") for m in doc.xpath("//meta[@property]")}
    assert og["og:title"] == "Leaders <talk> & agree"
    assert og["og:url"] == BASE + "2024/11/leaders-talk/"
    assert og["og:image"] == "https://news.example.org/edition/media/call.jpg"  # where static/ is published
    assert og["og:type"] == "article"
    ld = json.loads(doc.xpath("//script[@type='application/ld+json']/text()")[0])
    assert ld["@type"] == "NewsArticle" and ld["headline"] == "Leaders <talk> & agree"
    assert ld["datePublished"] == "2024-11-08T09:00:00+01:00"
    assert [a["name"] for a in ld["author"]] == ["Jane Doe", "Bob Roe"]


def test_entry_language(site: Path) -> None:
    assert page(site, "2024/11/quiet-day/index.html").get("lang") == "fr"


def test_archives(site: Path) -> None:
    archive = page(site, "archive/index.html")
    assert archive.xpath("//h2/a/text()") == ["2024", "2023"]
    assert [h.text_content().split(" (")[0] for h in archive.xpath("//h3")] == [
        "December 2024",
        "November 2024",
        "May 2023",
    ]
    month = page(site, "2024/11/index.html")
    assert month.xpath("//ul[@class='titles']//a/text()") == [
        "Quiet day in Zoë's café",
        "Leaders <talk> & agree",
    ]
    year = page(site, "2023/index.html")
    assert year.xpath("//ul[@class='titles']//a/text()") == ["Spring talks"]


def test_tag_pages(site: Path) -> None:
    tags = page(site, "tags/index.html")
    assert tags.xpath("//ul[@class='tag-cloud']//a/text()") == ["C++ & Rust", "Diplomacy", "Ukraine"]
    diplomacy = page(site, "tags/diplomacy/index.html")
    assert diplomacy.xpath("//article//h2/a/text()") == ["Leaders <talk> & agree", "Spring talks"]
    feeds = diplomacy.xpath("//link[@rel='alternate']/@href")
    assert BASE + "tags/diplomacy/feed.xml" in feeds and BASE + "tags/diplomacy/atom.xml" in feeds


def test_sitemap_robots_404(site: Path) -> None:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = etree.parse(str(site / "sitemap.xml")).xpath("//s:loc/text()", namespaces=ns)
    assert BASE + "2024/11/leaders-talk/" in locs and BASE in locs
    assert not any("draft" in loc or "future" in loc for loc in locs)
    assert f"Sitemap: {BASE}sitemap.xml" in (site / "robots.txt").read_text()
    missing = page(site, "404.html")
    assert missing.xpath("//link[@rel='stylesheet']/@href") == ["/edition/style.css"]


def test_a_date_without_a_time_of_day_shows_no_clock(site: Path) -> None:
    """`date: 2024-11-10` is a day: lists and its page show the day alone, not "00:00"; an entry
    dated to the minute keeps its time."""
    quiet = page(site, "2024/11/quiet-day/index.html")
    assert quiet.xpath("string(//p[@class='meta']/time)") == "10 November 2024"
    home = lxml.html.tostring(page(site, "index.html"), encoding="unicode")
    assert "10 November 2024</time>" in home and ", 00:00<" not in home
    timed = page(site, "2024/11/leaders-talk/index.html")
    assert timed.xpath("string(//p[@class='meta']/time)") == "8 November 2024, 09:00 CET"
