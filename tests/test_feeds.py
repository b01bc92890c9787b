"""The fixture site's feeds, read with feedparser (what real readers use) and checked with lxml."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from helpers import build_project, copy_fixture
from lxml import etree

BASE = "https://news.example.org/edition/"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_fixture(tmp_path_factory.mktemp("feeds"))
    build_project(root)
    return root / "site"


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_site_feeds_read_cleanly_newest_first(site: Path, name: str) -> None:
    feed = feedparser.parse((site / name).read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    titles = [e.title for e in feed.entries]
    # drafts and future entries are left out; newest first
    assert titles == [
        "An entry without id",
        "Quiet day in Zoë's café",
        "Leaders <talk> & agree",
        "Spring talks",
    ]
    assert feed.feed.title == "Fixture Times"
    assert feed.feed.link == BASE
    assert feed.feed.language == "en"
    for entry in feed.entries:
        assert entry.link.startswith(BASE) and entry.link.endswith("/")
        assert entry.published_parsed is not None and entry.updated_parsed is not None


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_entry_details(site: Path, name: str) -> None:
    feed = feedparser.parse((site / name).read_bytes())
    call = next(e for e in feed.entries if e.title.startswith("Leaders"))
    assert call.id == "urn:uuid:0f8e7a52-6d1e-4a7e-9d0a-3c2b1a000001"
    assert call.link == BASE + "2024/11/leaders-talk/"
    assert call.summary == "Two leaders spoke by phone."
    html = call.content[0].value
    assert "<em>Thursday</em>" in html
    assert f'href="{BASE}2023/05/spring-talks/"' in html  # relative link made absolute
    assert f'src="{BASE}2024/11/leaders-talk/map.png"' in html
    assert 'href="https://example.com/x?a=1&amp;b=2"' in html
    assert [t.term for t in call.tags] == ["Ukraine", "Diplomacy"]
    names = " ".join(a.get("name", "") for a in call.authors)
    assert "Jane Doe" in names and "Bob Roe" in names


def test_rss_to_the_letter(site: Path) -> None:
    doc = etree.parse(str(site / "feed.xml"))
    channel = doc.getroot().find("channel")
    assert doc.getroot().get("version") == "2.0"
    assert channel.findtext("link") == BASE
    assert channel.findtext("description") == "A fixture site for feedsite's tests"
    assert channel.findtext("generator") == "feedsite"
    # lastBuildDate is the newest entry's time, never the build's clock
    assert channel.findtext("lastBuildDate") == "Mon, 02 Dec 2024 07:00:00 +0100"
    self_link = channel.find(f"{ATOM}link")
    assert self_link.get("rel") == "self" and self_link.get("href") == BASE + "feed.xml"
    items = channel.findall("item")
    guids = {i.findtext("title"): i.find("guid") for i in items}
    assert guids["Spring talks"].get("isPermaLink") == "true"  # its id is its URL
    assert guids["Leaders <talk> & agree"].get("isPermaLink") == "false"
    call = next(i for i in items if i.findtext("title").startswith("Leaders"))
    assert call.findtext("pubDate") == "Fri, 08 Nov 2024 09:00:00 +0100"
    assert call.findtext("author") == "bob@example.org (Bob Roe)"  # RSS author is an e-mail
    creators = call.findall("{http://purl.org/dc/elements/1.1/}creator")
    assert [c.text for c in creators] == ["Jane Doe", "Bob Roe"]
    assert call.findtext("{http://purl.org/rss/1.0/modules/content/}encoded").startswith("<p>The call")


def test_atom_to_the_letter(site: Path) -> None:
    root = etree.parse(str(site / "atom.xml")).getroot()
    assert root.findtext(f"{ATOM}id") == BASE
    assert root.findtext(f"{ATOM}updated") == "2024-12-02T07:00:00+01:00"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {"self": BASE + "atom.xml", "alternate": BASE}
    assert root.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Fixture Desk"
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:  # RFC 4287 4.1.2: id, title, updated are required
        assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}title")
        assert entry.findtext(f"{ATOM}updated")[-6:] in ("+01:00", "+02:00")
        assert entry.find(f"{ATOM}content").get("type") == "html"
    call = next(e for e in entries if e.findtext(f"{ATOM}title").startswith("Leaders"))
    assert call.findtext(f"{ATOM}published") == "2024-11-08T09:00:00+01:00"
    assert call.findtext(f"{ATOM}updated") == "2024-11-09T12:00:00+01:00"
    assert call.findtext(f"{ATOM}rights") == "Reproduction reserved © Copyright La Milano"


def test_illegal_xml_characters_are_removed(site: Path) -> None:
    for name in ("feed.xml", "atom.xml"):
        data = (site / name).read_bytes()
        assert b"\x01" not in data and b"\x0b" not in data
        etree.fromstring(data)  # lxml refuses illegal characters
    feed = feedparser.parse((site / "atom.xml").read_bytes())
    quiet = next(e for e in feed.entries if e.title.startswith("Quiet"))
    assert "A control character here:  and there." in quiet.content[0].value


def test_tag_feeds(site: Path) -> None:
    feed = feedparser.parse((site / "tags/diplomacy/atom.xml").read_bytes())
    assert not feed.bozo
    assert [e.title for e in feed.entries] == ["Leaders <talk> & agree", "Spring talks"]
    assert feed.feed.link == BASE + "tags/diplomacy/"
    rss = feedparser.parse((site / "tags/diplomacy/feed.xml").read_bytes())
    assert [e.id for e in rss.entries] == [e.id for e in feed.entries]


def test_feed_limit(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    config = root / "feedsite.toml"
    config.write_text(config.read_text().replace("limit = 4", "limit = 2"))
    build_project(root)
    feed = feedparser.parse((root / "site/feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["An entry without id", "Quiet day in Zoë's café"]


def test_drafts_and_future_with_flags(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    build_project(root, drafts=True, future=True)
    titles = [e.title for e in feedparser.parse((root / "site/atom.xml").read_bytes()).entries]
    assert titles[:3] == ["From the future", "An entry without id", "Unfinished draft"]
