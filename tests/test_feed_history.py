"""Full feed history (RFC 5005): the subscription documents keep the newest entries, fixed-size
archive pages counted from the oldest keep the rest, and a reader walking the chain sees every
published entry exactly once."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
from feed_helpers import BASE, add_stories, chain, check_json_feed, config, ids_along, project, story
from helpers import build_project, tree, write
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
AT = "{http://purl.org/atompub/tombstones/1.0}"
NAMES = ("feed.xml", "atom.xml", "feed.json")


def story_id(n: int) -> str:
    return f"urn:uuid:00000000-0000-4000-8000-{n:012d}"


def head(path: Path) -> etree._Element:
    """The element holding a document's feed-level links: RSS <channel>, Atom <feed>."""
    root = etree.parse(str(path)).getroot()
    return root.find("channel") if root.tag == "rss" else root


def links(path: Path) -> dict[str, str]:
    return {
        link.get("rel"): link.get("href")
        for link in head(path).findall(f"{ATOM}link")
        if link.get("rel") not in ("alternate", None)
    }


def json_pages(site: Path, base: str = "") -> list[dict[str, object]]:
    return [check_json_feed(path.read_bytes()) for path in chain(site, BASE + base, "feed.json")]


@pytest.fixture(scope="module")
def eleven(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """11 entries, 3 in the subscription documents, pages of 2: four full pages and an empty one."""
    root = project(tmp_path_factory.mktemp("history"), 11)
    build_project(root)
    return root / "site"


@pytest.mark.parametrize("name", NAMES)
def test_walking_the_chain_sees_every_entry_once(eleven: Path, name: str) -> None:
    ids = ids_along(eleven, BASE, name)
    assert ids == [story_id(n) for n in range(11, 0, -1)]  # newest first, each once
    assert len(list(chain(eleven, BASE, name))) == 6


def test_archive_pages_are_numbered_from_the_oldest(eleven: Path) -> None:
    archive = eleven / "feeds/archive"
    assert sorted(int(p.name) for p in archive.iterdir()) == [1, 2, 3, 4, 5]
    titles = {
        n: [e.title for e in feedparser.parse((archive / f"{n}/atom.xml").read_bytes()).entries]
        for n in range(1, 6)
    }
    assert titles == {
        1: ["Story 2", "Story 1"],
        2: ["Story 4", "Story 3"],
        3: ["Story 6", "Story 5"],
        4: ["Story 8", "Story 7"],
        5: [],  # the page still filling: the full page before it can name it already
    }


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_history_links_to_the_letter(eleven: Path, name: str) -> None:
    kind = "application/rss+xml" if name == "feed.xml" else "application/atom+xml"
    subscription = eleven / name
    assert links(subscription) == {"self": BASE + name, "prev-archive": f"{BASE}feeds/archive/5/{name}"}
    assert head(subscription).find(f"{FH}archive") is None  # RFC 5005: never in a subscription document
    assert head(subscription).find(f"{FH}complete") is None
    for n in range(1, 6):
        page = eleven / f"feeds/archive/{n}/{name}"
        expected = {"self": f"{BASE}feeds/archive/{n}/{name}", "current": BASE + name}
        if n > 1:
            expected["prev-archive"] = f"{BASE}feeds/archive/{n - 1}/{name}"
        if n < 5:
            expected["next-archive"] = f"{BASE}feeds/archive/{n + 1}/{name}"
        assert links(page) == expected, n
        assert head(page).find(f"{FH}archive") is not None
        history = [link for link in head(page).findall(f"{ATOM}link") if "archive" in link.get("rel")]
        assert all(link.get("type") == kind for link in history)
    # one logical feed: every Atom document has the subscription document's id
    if name == "atom.xml":
        ids = {head(p).findtext(f"{ATOM}id") for p in chain(eleven, BASE, name)}
        assert ids == {BASE}


def test_json_feed_pages_chain_with_next_url(eleven: Path) -> None:
    pages = json_pages(eleven)
    assert [p.get("next_url") for p in pages] == [
        *(f"{BASE}feeds/archive/{n}/feed.json" for n in range(5, 0, -1)),
        None,
    ]
    assert {p["feed_url"] for p in pages} == {BASE + "feed.json"}


def test_everything_fits_then_the_feed_is_complete(tmp_path: Path) -> None:
    root = project(tmp_path, 3, limit=3)
    build_project(root)
    site = root / "site"
    assert not (site / "feeds").exists()
    for name in ("feed.xml", "atom.xml"):
        assert head(site / name).find(f"{FH}complete") is not None
        assert "prev-archive" not in links(site / name)
    assert "next_url" not in json.loads((site / "feed.json").read_bytes())


def test_full_archive_pages_keep_their_bytes(tmp_path: Path) -> None:
    root = project(tmp_path, 9)  # 6 archived: pages 1-3 full, page 4 empty
    build_project(root)
    before = tree(root / "site/feeds/archive")
    full = {path for path in before if path.split("/")[0] in ("1", "2", "3")}
    stamps = {path: (root / "site/feeds/archive" / path).stat().st_mtime_ns for path in full}
    for more in (1, 2, 5):
        add_stories(root, range(10, 10 + more))
        build_project(root)
        after = tree(root / "site/feeds/archive")
        for path in full:
            assert after[path] == before[path], path
            assert (root / "site/feeds/archive" / path).stat().st_mtime_ns == stamps[path], "not rewritten"
        for name in NAMES:
            assert ids_along(root / "site", BASE, name) == [story_id(n) for n in range(9 + more, 0, -1)]
        for path in list(root.glob("content/story-01*.md")):
            path.unlink()


def test_tag_feeds_keep_their_newest_entries_without_history(eleven: Path) -> None:
    """The full history is the site feed's: a tag's feed keeps its newest entries, has no archive
    pages and, holding only some of its entries, does not say it is complete."""
    tag = eleven / "tags/world"
    assert not (tag / "feeds").exists()
    for name in NAMES:
        assert ids_along(eleven, BASE, f"tags/world/{name}") == [story_id(n) for n in range(11, 8, -1)]
    assert "prev-archive" not in links(tag / "atom.xml")
    assert b"complete" not in (tag / "atom.xml").read_bytes()


def test_a_retracted_entry_leaves_the_feeds_and_keeps_its_place(tmp_path: Path) -> None:
    root = project(tmp_path, 9)
    build_project(root)
    before = tree(root / "site/feeds/archive")
    retraction = "{date: 2024-06-01T10:00:00+02:00, reason: The quotes could not be verified.}"
    write(root / "content/story-003.md", story(3, retracted=retraction))
    write(root / "content/story-008.md", story(8, retracted=retraction))
    build_project(root)
    site = root / "site"
    for name in NAMES:
        assert ids_along(site, BASE, name) == [story_id(n) for n in (9, 7, 6, 5, 4, 2, 1)]
    after = tree(site / "feeds/archive")
    changed = sorted({p.split("/")[0] for p in before if after.get(p) != before[p]})
    assert changed == ["2"], "only the page that held story 3 changed"
    gone = head(site / "atom.xml").findall(f"{AT}deleted-entry")
    assert [(g.get("ref"), g.get("when")) for g in gone] == [
        (story_id(8), "2024-06-01T10:00:00+02:00"),
        (story_id(3), "2024-06-01T10:00:00+02:00"),
    ]
    assert gone[0].findtext(f"{AT}comment") == "The quotes could not be verified."
    assert gone[0].find(f"{ATOM}link").get("href") == BASE + "2024/01/story-008/"
    # the Atom document changed when the retraction came: its updated says so, not the clock
    assert head(site / "atom.xml").findtext(f"{ATOM}updated") == "2024-06-01T10:00:00+02:00"
    assert not any(head(p).findall(f"{AT}deleted-entry") for p in (site / "feeds/archive").rglob("atom.xml"))
    assert b"story-008" not in (site / "feed.xml").read_bytes()
    assert b"story-008" not in (site / "feed.json").read_bytes()


def test_a_subscription_document_over_budget_drops_its_oldest_items_whole(tmp_path: Path) -> None:
    root = project(tmp_path, 12, limit=10, max_bytes=5000)
    long_body = "A long paragraph of reporting. " * 60
    for n in (11, 12):
        write(root / f"content/story-{n:03d}.md", story(n) + "\n" + long_body + "\n")
    build_project(root)
    site = root / "site"
    counts = {}
    for name in NAMES:
        assert len((site / name).read_bytes()) <= 5000, name
        # the archive keeps what the subscription document drops
        assert ids_along(site, BASE, name) == [story_id(n) for n in range(12, 0, -1)]
        first = next(chain(site, BASE, name))
        data = first.read_bytes()
        counts[name] = data.count(b"urn:uuid:00000000")
        assert data.count(b"A long paragraph") in (0, 60, 120)  # never a cut item
    assert len(set(counts.values())) == 1 and 0 < counts["feed.xml"] < 10  # the three hold the same entries


def test_archive_size_is_configurable_and_validated(tmp_path: Path) -> None:
    from feedsite.config import load_config
    from feedsite.errors import ConfigError

    write(tmp_path / "feedsite.toml", config(archive_size=0))
    with pytest.raises(ConfigError, match="archive_size"):
        load_config(tmp_path)
