"""JSON Feed 1.1: /feed.json and every tag's, checked key by key against the spec, read back by
feedsite's own JSON Feed importer, found by autodiscovery on every page."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html
import pytest
import yaml
from feed_helpers import by_title, check_json_feed
from helpers import build_project, copy_fixture
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedsite.config import SiteConfig
from feedsite.content import parse_entry, settings_of
from feedsite.importers.article import Article
from feedsite.importers.feed import parse_feed
from feedsite.outputs import Planner
from feedsite.outputs.feeds import json_feed, site_feed
from feedsite.posts import render_posts
from feedsite.text import clean_text
from feedsite.theme import Theme

BASE = "https://news.example.org/edition/"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_fixture(tmp_path_factory.mktemp("jsonfeed"))
    build_project(root)
    return root / "site"


def test_site_feed_to_the_letter(site: Path) -> None:
    feed = check_json_feed((site / "feed.json").read_bytes())
    assert feed["title"] == "Fixture Times"
    assert feed["home_page_url"] == BASE and feed["feed_url"] == BASE + "feed.json"
    assert feed["language"] == "en" and feed["authors"] == [{"name": "Fixture Desk"}]
    assert feed["next_url"] == BASE + "feeds/archive/1/feed.json"  # feeds.limit = 3 of 4 entries
    assert "hubs" not in feed
    assert [i["title"] for i in feed["items"]] == [
        "An entry without id",
        "Quiet day in Zoë's café",
        "Leaders <talk> & agree",  # plain text, as written
    ]


def test_item_details(site: Path) -> None:
    call = by_title(check_json_feed((site / "feed.json").read_bytes()))["Leaders <talk> & agree"]
    assert call["id"] == "urn:uuid:0f8e7a52-6d1e-4a7e-9d0a-3c2b1a000001"
    assert call["url"] == BASE + "2024/11/leaders-talk/"
    assert call["summary"] == "Two leaders spoke by phone."
    html = call["content_html"]
    assert "<em>Thursday</em>" in html
    assert f'href="{BASE}2023/05/spring-talks/"' in html  # relative link made absolute, as in Atom
    assert f'src="{BASE}2024/11/leaders-talk/map.png"' in html
    assert call["date_published"] == "2024-11-08T09:00:00+01:00"
    assert call["date_modified"] == "2024-11-09T12:00:00+01:00"
    assert call["authors"] == [{"name": "Jane Doe"}, {"name": "Bob Roe", "url": "https://example.org/bob"}]
    assert call["tags"] == ["Ukraine", "Diplomacy"]
    assert call["image"] == BASE + "media/call.jpg"  # /media/call.jpg: a site path, under base_url
    quiet = by_title(check_json_feed((site / "feed.json").read_bytes()))["Quiet day in Zoë's café"]
    assert quiet["language"] == "fr"


def test_tag_feed_and_its_history(site: Path) -> None:
    feed = check_json_feed((site / "tags/diplomacy/feed.json").read_bytes())
    assert feed["feed_url"] == BASE + "tags/diplomacy/feed.json"
    assert feed["home_page_url"] == BASE + "tags/diplomacy/"
    assert [i["title"] for i in feed["items"]] == ["Leaders <talk> & agree", "Spring talks"]
    assert "next_url" not in feed  # both fit: no archive


def test_the_archive_page(site: Path) -> None:
    page = check_json_feed((site / "feeds/archive/1/feed.json").read_bytes())
    assert page["feed_url"] == BASE + "feed.json"  # the feed it belongs to
    assert [i["title"] for i in page["items"]] == ["Spring talks"]
    assert "next_url" not in page


def test_feedsite_reads_its_own_json_feed_back(site: Path) -> None:
    items = parse_feed((site / "feed.json").read_bytes(), ".json", ZoneInfo("Europe/Rome"))
    articles = [i for i in items if isinstance(i, Article)]
    assert [a.title for a in articles] == [
        "An entry without id",
        "Quiet day in Zoë's café",
        "Leaders <talk> & agree",
    ]
    call = articles[2]
    assert call.id == "urn:uuid:0f8e7a52-6d1e-4a7e-9d0a-3c2b1a000001"
    assert call.tags == ("Ukraine", "Diplomacy") and call.authors == ("Jane Doe", "Bob Roe")
    assert call.date is not None and call.date.isoformat() == "2024-11-08T09:00:00+01:00"


def test_autodiscovery_on_every_page(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        doc = lxml.html.fromstring(path.read_bytes())
        found = doc.xpath("//link[@rel='alternate'][@type='application/feed+json']/@href")
        assert BASE + "feed.json" in found, path
    tag = lxml.html.fromstring((site / "tags/diplomacy/index.html").read_bytes())
    assert BASE + "tags/diplomacy/feed.json" in tag.xpath("//link[@type='application/feed+json']/@href")


CONFIG = SiteConfig(
    root=Path("."), title="P & Q <news>", base_url="https://p.example/", timezone="Europe/Rome"
)
texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=texts.filter(lambda t: " ".join(clean_text(t).split())),
    body=texts,
    tags=st.lists(texts, max_size=3),
)
def test_any_text_gives_a_valid_json_feed(title: str, body: str, tags: list[str]) -> None:
    meta = {"title": title, "date": "2024-11-08T09:00:00+01:00", "id": "urn:uuid:1", "tags": tags}
    raw = ("---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body).encode("utf-8")
    entry, markdown = parse_entry(settings_of(CONFIG), "content/x.md", raw)
    site = Planner(CONFIG, Theme(Path("."), Path("templates")), "salt").site
    posts = tuple(render_posts(CONFIG, [entry], {entry.key: markdown}, {}))
    context = {"site": site, "info": site_feed(site), "posts": posts}
    feed = check_json_feed(json_feed(context))
    assert [i["title"] for i in feed["items"]] == [entry.title]
    assert feed["items"][0]["id"] == "urn:uuid:1"
    assert feed["title"] == "P & Q <news>"
    assert json.loads(json_feed(context)) == feed  # the same bytes every time
