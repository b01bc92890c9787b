"""Pages a newsroom would ship (issue 15): the front page's hierarchy, section pages, entry pages
with kicker, byline, times, lead image and "more in this section", and what every page carries
(one h1, a meta description, a favicon, headings that skip no level)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import lxml.html
import pytest
from helpers import build_project
from newsroom_site import FEATURED, TITLES, make_newsroom


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_newsroom(tmp_path_factory.mktemp("newsroom"))
    build_project(root)
    return root / "site"


def page(site: Path, path: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((site / path).read_bytes())


def titles(doc: lxml.html.HtmlElement, kind: str) -> list[str]:
    return [t.strip() for t in doc.xpath(f"//article[contains(@class, 'story-{kind}')]//h2/a/text()")]


def test_front_page_has_a_lead_a_grid_and_a_list(site: Path) -> None:
    home = page(site, "index.html")
    assert titles(home, "lead") == [TITLES[FEATURED]]  # featured: true beats the newest
    others = [t for t in TITLES[:7] if t != TITLES[FEATURED]]
    assert titles(home, "grid") == others[:4] and titles(home, "row") == others[4:]
    lead = home.xpath("//article[contains(@class, 'story-lead')]")[0]
    assert lead.xpath(".//img/@src") == ["https://daily.example/media/p3.png"]
    assert lead.xpath(".//p[@class='story-summary']/text()")
    first = home.xpath("//article[contains(@class, 'story-grid')]")[0]
    assert first.xpath(".//span[@class='section']/a/text()") == ["Ukraine"]
    assert first.xpath(".//span[@class='section']/a/@href") == ["./tags/ukraine/"]
    assert first.xpath(".//time/@datetime") == ["2024-11-20T08:00:00+01:00"]
    assert first.xpath(".//time/text()") == ["20 November 2024, 08:00"]
    assert first.xpath(".//span[@class='by']/text()") == ["Jane Doe"]
    older = page(site, "page/1/index.html")  # numbered pages: a plain list, the numbering unchanged
    assert titles(older, "row") == list(TITLES[7:]) and not titles(older, "lead")


def test_section_page_has_the_same_layout_and_its_feeds(site: Path) -> None:
    world = page(site, "tags/world/index.html")
    assert world.xpath("//h1/text()") == ["World"] and titles(world, "lead") == [TITLES[FEATURED]]
    links = world.xpath("//p[@class='follow']/a/@href")
    assert links == [
        f"https://daily.example/tags/world/{name}" for name in ("feed.xml", "atom.xml", "feed.json")
    ]
    culture = page(site, "2024/11/story-6/index.html")  # section: Culture, which is no tag: not linked
    assert culture.xpath("//p[@class='kicker']/text()") == ["Culture"]


def test_entry_page_shows_what_a_newsroom_shows(site: Path) -> None:
    doc = page(site, "2024/11/story-0/index.html")
    assert doc.xpath("//p[@class='kicker']/a/text()") == ["Ukraine"]
    assert doc.xpath("//p[@class='kicker']/a/@href") == ["../../../tags/ukraine/"]
    assert doc.xpath("//h1/text()") == [TITLES[0]]
    assert doc.xpath("//p[@class='standfirst']/text()")
    assert doc.xpath("//p[@class='byline']/a/@href") == ["../../../authors/jane-doe/"]
    times = [(t.get("datetime"), t.text) for t in doc.xpath("//header//time")]
    assert times == [
        ("2024-11-20T08:00:00+01:00", "20 November 2024, 08:00 CET"),
        ("2024-11-21T18:30:00+01:00", "21 November 2024, 18:30 CET"),
    ]
    figure = doc.xpath("//figure[@class='lead']")[0]
    assert figure.xpath("img/@alt") == ["Scene of story 0"]
    assert figure.xpath("normalize-space(figcaption)") == "Where it happened. Photo Agency"
    assert doc.xpath("//ul[@class='tags']//a/text()") == ["Ukraine", "World"]
    assert doc.xpath("//a[@rel='prev']/@href") == ["../../../2024/11/story-1/"] and not doc.xpath(
        "//a[@rel='next']"
    )
    more = doc.xpath("//section[@class='more']//h3/a/text()")
    assert more == [TITLES[3], TITLES[9]]  # the other Ukraine stories, nearest first


def test_more_in_this_section_looks_back_first(site: Path) -> None:
    """A page lists the section's stories just before it, so a new story leaves older pages alone."""
    middle = page(site, "2024/11/story-3/index.html")
    assert middle.xpath("//section[@class='more']//h3/a/text()") == [TITLES[0], TITLES[9]]


def html_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def test_every_page_has_one_h1_a_description_a_favicon_and_no_skipped_heading(site: Path) -> None:
    assert (site / "favicon.ico").read_bytes()[:4] == b"\0\0\1\0"
    assert b"<svg" in (site / "favicon.svg").read_bytes()
    for path in html_pages(site):
        doc = page(site, path)
        if doc.xpath("//meta[@http-equiv='refresh']"):
            continue  # a redirect
        assert len(doc.xpath("//h1")) == 1, path
        description = doc.xpath("//meta[@name='description']/@content")
        assert len(description) == 1 and description[0].strip(), path
        assert doc.xpath("//link[@rel='icon']/@href"), path
        levels = [int(h.tag[1]) for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6")]
        assert levels[0] == 1 and all(b <= a + 1 for a, b in itertools.pairwise(levels)), (path, levels)
    home = page(site, "index.html")
    assert home.xpath("//meta[@name='description']/@content") == ["The latest news from The Daily Fixture."]
    assert re.search(
        "tagged World", page(site, "tags/world/index.html").xpath("//meta[@name='description']/@content")[0]
    )
