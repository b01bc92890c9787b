"""The fixture site's feeds, read with feedparser (what real readers use) and checked with lxml."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import feedparser
import pytest
from helpers import build_project, copy_fixture
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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
    # drafts and future entries are left out; newest first; feeds.limit = 3, the rest archived
    assert titles == ["An entry without id", "Quiet day in Zoë's café", "Leaders <talk> & agree"]
    archive = feedparser.parse((site / "feeds/archive/1" / name).read_bytes())
    assert [e.title for e in archive.entries] == ["Spring talks"]
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
    archived = etree.parse(str(site / "feeds/archive/1/feed.xml")).getroot().find("channel/item/guid")
    assert archived.get("isPermaLink") == "true"  # Spring talks: its id is its URL
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
    assert links == {
        "self": BASE + "atom.xml",
        "alternate": BASE,
        "prev-archive": BASE + "feeds/archive/1/atom.xml",
    }
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
    config.write_text(config.read_text().replace("limit = 3", "limit = 2"))
    build_project(root)
    feed = feedparser.parse((root / "site/feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["An entry without id", "Quiet day in Zoë's café"]


def test_drafts_and_future_with_flags(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    build_project(root, drafts=True, future=True)
    titles = [e.title for e in feedparser.parse((root / "site/atom.xml").read_bytes()).entries]
    assert titles[:3] == ["From the future", "An entry without id", "Unfinished draft"]


# ---- images as media -------------------------------------------------------------------------

MEDIA = "{http://search.yahoo.com/mrss/}"


def test_image_becomes_enclosure_and_media(site: Path) -> None:
    image = BASE + "media/call.jpg"  # static/media/call.jpg, published under base_url
    size = str(len((site / "media/call.jpg").read_bytes()))
    item = next(
        i
        for i in etree.parse(str(site / "feed.xml")).getroot().iter("item")
        if i.findtext("guid").endswith("01")
    )
    enclosure = item.find("enclosure")
    assert (enclosure.get("url"), enclosure.get("length"), enclosure.get("type")) == (
        image,
        size,
        "image/jpeg",
    )
    media = item.find(f"{MEDIA}content")
    assert media.get("url") == image and media.get("medium") == "image" and media.get("fileSize") == size
    assert media.findtext(f"{MEDIA}description") == "A telephone"
    entry = next(
        e
        for e in etree.parse(str(site / "atom.xml")).getroot().findall(f"{ATOM}entry")
        if e.findtext(f"{ATOM}id").endswith("01")
    )
    links = {link.get("rel"): link for link in entry.findall(f"{ATOM}link")}
    assert links["enclosure"].attrib == {
        "href": image,
        "rel": "enclosure",
        "type": "image/jpeg",
        "length": size,
    }
    parsed = feedparser.parse((site / "feed.xml").read_bytes())
    call = next(e for e in parsed.entries if e.title.startswith("Leaders"))
    assert [(e.href, e.length, e.type) for e in call.enclosures] == [(image, size, "image/jpeg")]
    assert call.media_content[0]["url"] == image


def test_image_credit_and_images_outside_static(tmp_path: Path) -> None:
    from feed_helpers import BASE as DAILY
    from feed_helpers import project, story
    from helpers import write

    root = project(tmp_path, 0, limit=5)
    credit = {"image_credit": "Photo Agency", "image_alt": "A desk"}
    write(root / "content/story-001.md", story(1, image="https://cdn.example.com/desk.png", **credit))
    write(root / "content/story-002.md", story(2, image="missing.webp"))
    write(root / "content/story-003.md", story(3, image="/media/odd.xyz"))
    write(root / "static/media/odd.xyz", "12345")
    build_project(root)
    rss = {i.findtext("title"): i for i in etree.parse(str(root / "site/feed.xml")).getroot().iter("item")}
    one = rss["Story 1"]
    assert one.find("enclosure") is None  # length unknown: no enclosure rather than a wrong one
    media = one.find(f"{MEDIA}content")
    assert media.attrib == {"url": "https://cdn.example.com/desk.png", "medium": "image", "type": "image/png"}
    assert media.findtext(f"{MEDIA}credit") == "Photo Agency"
    assert rss["Story 2"].find(f"{MEDIA}content").get("url") == DAILY + "2024/01/story-002/missing.webp"
    assert rss["Story 2"].find("enclosure") is None
    odd = rss["Story 3"].find(f"{MEDIA}content")  # in static/, but of no known image type
    assert odd.get("fileSize") == "5" and odd.get("type") is None and rss["Story 3"].find("enclosure") is None
    atom = etree.parse(str(root / "site/atom.xml")).getroot()
    enclosure = next(
        link
        for e in atom.findall(f"{ATOM}entry")
        if e.findtext(f"{ATOM}title") == "Story 1"
        for link in e.findall(f"{ATOM}link")
        if link.get("rel") == "enclosure"
    )
    assert enclosure.attrib == {
        "href": "https://cdn.example.com/desk.png",
        "rel": "enclosure",
        "type": "image/png",
    }


# ---- full text or summary ------------------------------------------------------------------


def test_summary_only_site_wide_and_per_entry(tmp_path: Path) -> None:
    from feed_helpers import check_json_feed, project, story
    from helpers import write

    root = project(tmp_path, 2, limit=5, content="summary")
    write(root / "content/story-002.md", story(2, feed_content="full"))
    build_project(root)
    site = root / "site"
    items = {i.findtext("title"): i for i in etree.parse(str(site / "feed.xml")).getroot().iter("item")}
    encoded = "{http://purl.org/rss/1.0/modules/content/}encoded"
    assert items["Story 1"].find(encoded) is None
    assert items["Story 1"].findtext("description") == "Body of story 1, with a link and bold text."
    assert items["Story 2"].find(encoded) is not None
    atom = {
        e.findtext(f"{ATOM}title"): e
        for e in etree.parse(str(site / "atom.xml")).getroot().findall(f"{ATOM}entry")
    }
    assert atom["Story 1"].find(f"{ATOM}content") is None
    assert atom["Story 1"].findtext(f"{ATOM}summary") == "Body of story 1, with a link and bold text."
    assert atom["Story 2"].find(f"{ATOM}content") is not None
    feed = check_json_feed((site / "feed.json").read_bytes())
    json_items = {i["title"]: i for i in feed["items"]}
    assert "content_html" not in json_items["Story 1"]
    assert json_items["Story 1"]["content_text"] == "Body of story 1, with a link and bold text."
    assert "content_html" in json_items["Story 2"]
    for name in ("feed.xml", "atom.xml"):
        assert not feedparser.parse((site / name).read_bytes()).bozo


# ---- WebSub --------------------------------------------------------------------------------

HUBS = ["https://pubsubhubbub.appspot.com/", "https://hub.example.net/websub"]


def test_hub_and_self_links_in_every_feed(tmp_path: Path) -> None:
    from feed_helpers import BASE as DAILY
    from feed_helpers import check_json_feed, project

    root = project(tmp_path, 5, websub_hubs=HUBS)
    build_project(root)
    site = root / "site"
    for base in ("", "tags/world/"):
        channel = etree.parse(str(site / base / "feed.xml")).getroot().find("channel")
        links = [(link.get("rel"), link.get("href")) for link in channel.findall(f"{ATOM}link")]
        assert ("self", DAILY + base + "feed.xml") in links
        assert [href for rel, href in links if rel == "hub"] == HUBS
        atom = etree.parse(str(site / base / "atom.xml")).getroot()
        links = [(link.get("rel"), link.get("href")) for link in atom.findall(f"{ATOM}link")]
        assert ("self", DAILY + base + "atom.xml") in links
        assert [href for rel, href in links if rel == "hub"] == HUBS
        feed = check_json_feed((site / base / "feed.json").read_bytes())
        assert feed["hubs"] == [{"type": "WebSub", "url": hub} for hub in HUBS]
        parsed = feedparser.parse((site / base / "atom.xml").read_bytes())
        assert [link.href for link in parsed.feed.links if link.rel == "hub"] == HUBS
    archive = (site / "feeds/archive/1/atom.xml").read_bytes()
    assert b'rel="hub"' not in archive  # archives are not subscribed to


@pytest.mark.parametrize(
    ("line", "word"),
    [
        ('websub_hubs = ["javascript:alert(1)"]', "websub_hubs"),
        ('websub_hubs = ["/hub"]', "websub_hubs"),
        ('websub_hubs = "https://hub.example/"', "websub_hubs"),
        ('content = "excerpt"', "feeds.content"),
        ("max_bytes = 10", "max_bytes"),
    ],
)
def test_feed_settings_are_validated(tmp_path: Path, line: str, word: str) -> None:
    from feedsite.config import load_config
    from feedsite.errors import ConfigError

    (tmp_path / "feedsite.toml").write_text(f"[feeds]\n{line}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert word in str(caught.value.problems[0]) and ":2:" in str(caught.value.problems[0])


# ---- the size bound the planner trusts -----------------------------------------------------


def test_the_size_bound_is_never_below_the_real_size(site: Path) -> None:
    from feedsite.config import load_config
    from feedsite.loading import load_entries
    from feedsite.notices import Retraction
    from feedsite.outputs import Planner
    from feedsite.outputs.feedhistory import Items, Links
    from feedsite.outputs.feeds import FEED_FILES, site_feed
    from feedsite.outputs.feedsize import document_bound
    from feedsite.outputs.media import image_media
    from feedsite.posts import newest_first, render_posts
    from feedsite.theme import Theme

    config = load_config(site.parent)
    loaded, bodies = load_entries(config, {}, {})
    posts = tuple(render_posts(config, newest_first(loaded), bodies, {}))
    plan = Planner(config, Theme(config.root, config.path("templates")), "salt")
    info = site_feed(plan.site)
    media = tuple(image_media(plan.site.base_url, p.url, p.entry.image, plan.static) for p in posts)
    hubs = ("https://hub.example/?a=1&b=<2>",)
    links = Links(info.rss_url, BASE + "x", BASE + "y", BASE + "z", archive=True, hubs=hubs)
    when = posts[0].entry.date
    gone = tuple(
        replace(p, entry=replace(p.entry, retracted=Retraction(when, 'Why? <&> "x"'))) for p in posts
    )
    for shown in (posts[:1], posts, ()):
        items = Items(shown, gone, media[: len(shown)])
        bound = document_bound(plan.site, info, items)
        for _name, make in FEED_FILES:
            made = make({"site": plan.site, "info": info, "links": links, "items": items})
            assert len(made) <= bound


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=st.text(alphabet=st.sampled_from("aé€𝄞 &<>\"'\\\n\t"), min_size=1, max_size=40).filter(str.strip),
    body=st.text(alphabet=st.sampled_from("aé€ &<>\"'\\\n\t[]()*_#/.:=,"), max_size=300),
    summary=st.text(alphabet=st.sampled_from("a &<>\"'\\\n"), max_size=40),
)
def test_the_size_bound_holds_for_any_text(title: str, body: str, summary: str) -> None:
    import yaml

    from feedsite.config import SiteConfig
    from feedsite.content import parse_entry, settings_of
    from feedsite.outputs import Planner
    from feedsite.outputs.feedhistory import Items, Links
    from feedsite.outputs.feeds import FEED_FILES, site_feed
    from feedsite.outputs.feedsize import document_bound
    from feedsite.posts import render_posts
    from feedsite.theme import Theme

    config = SiteConfig(root=Path("."), title="Q&A <news>", base_url="https://q.example/a&b/", rights="©")
    body += '\n\n<a href="x?a=1&b=2">x</a> <img src="p.png" srcset="a.png 1x, b.png 2x">\n\n[y](../z/)'
    meta = {"title": title, "date": "2024-11-08T09:00:00+01:00", "id": "urn:uuid:1", "summary": summary}
    meta |= {
        "tags": [title[:5], "C++ & Rust"],
        "authors": [{"name": title, "email": "a@b.c", "uri": "https://x/?a&b"}],
    }
    raw = ("---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body).encode("utf-8")
    entry, markdown = parse_entry(settings_of(config), "content/x.md", raw)
    posts = tuple(render_posts(config, [entry], {entry.key: markdown}, {}))
    site = Planner(config, Theme(Path("."), Path("templates")), "salt").site
    info = site_feed(site)
    for content in ("full", "summary"):
        shown = replace(site, feed_content=content, websub_hubs=("https://hub/?x=<&>",))
        items = Items(posts * 3)
        links = Links(
            info.rss_url, info.rss_url, info.atom_url, info.json_url, archive=True, hubs=shown.websub_hubs
        )
        bound = document_bound(shown, info, items)
        for _name, make in FEED_FILES:
            assert len(make({"site": shown, "info": info, "links": links, "items": items})) <= bound
