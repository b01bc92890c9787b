"""Identity (issue 13, item 2): an item is the same item wherever it comes from. An item whose id
(guid, Atom id, JSON Feed id; else its link) is an entry's id updates that entry, from any file or
snapshot; `feedsite import` never writes what `feedsite build` refuses."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_import_support import entries, make_project, run, split_entry

from feedsite.build import build
from feedsite.config import SiteConfig


def item(guid: str, title: str, text: str, day: int, permalink: bool = False) -> str:
    guid_tag = f'<guid isPermaLink="{str(permalink).lower()}">{guid}</guid>' if guid else ""
    link = guid if permalink else f"https://wire.example/{title.lower().replace(' ', '-')}"
    return (
        f"<item><title>{title}</title><link>{link}</link>{guid_tag}"
        f"<pubDate>{day:02d} Mar 2024 10:00:00 GMT</pubDate><description>{text}</description></item>"
    )


def wire(*items: str, link: str = "https://wire.example/") -> str:
    return (
        f'<rss version="2.0"><channel><title>Wire</title><link>{link}</link>{"".join(items)}</channel></rss>'
    )


# Three kinds of identity: a guid that is a URI, a guid that is not, no guid (the link).
SNAP1 = wire(
    item("https://wire.example/a", "Story A", "First take on A.", 1, permalink=True),
    item("wire-b", "Story B", "First take on B.", 2),
    item("", "Story C", "First take on C.", 3),
)
SNAP2 = wire(
    item("https://wire.example/a", "Story A", "First take on A.", 1, permalink=True),
    item("wire-b", "Story B", "Second take on B, corrected.", 2),
    item("", "Story C", "Second take on C.", 3),
    item("wire-d", "Story D", "New in the second snapshot.", 4),
)


@pytest.fixture
def config(tmp_path: Path) -> SiteConfig:
    return make_project(tmp_path)


def write(config: SiteConfig, name: str, text: str, mtime: int = 1700000000) -> Path:
    path = config.path("seeds") / name
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


def fronts(config: SiteConfig) -> dict[str, dict[str, object]]:
    return {name: split_entry(data.decode())[0] for name, data in entries(config).items()}


def test_a_second_snapshot_updates_the_entries_of_the_first(config: SiteConfig) -> None:
    snap1 = write(config, "wire-1.xml", SNAP1)
    assert run(config, [snap1]).status == 0
    first = fronts(config)
    assert sorted(first) == ["2024/03/story-a.md", "2024/03/story-b.md", "2024/03/story-c.md"]
    snap2 = write(config, "wire-2.xml", SNAP2, mtime=1710000000)
    result = run(config, [snap2])
    assert result.status == 0, result.err
    assert result.lines == [
        "unchanged content/2024/03/story-a.md  ← seeds/wire-2.xml #1",
        "updated   content/2024/03/story-b.md  ← seeds/wire-2.xml #2",
        "updated   content/2024/03/story-c.md  ← seeds/wire-2.xml #3",
        "created   content/2024/03/story-d.md  ← seeds/wire-2.xml #4",
        "Imported: 1 created, 2 updated, 1 unchanged.",
    ]
    second = fronts(config)
    assert sorted(second) == [*sorted(first), "2024/03/story-d.md"]  # no story-b-2.md
    for name in first:
        assert second[name]["id"] == first[name]["id"] and second[name]["date"] == first[name]["date"]
    assert second["2024/03/story-a.md"]["id"] == "https://wire.example/a"
    assert "corrected" in entries(config)["2024/03/story-b.md"].decode()
    assert build(config).entries == 4  # feedsite build accepts what import wrote


def test_both_snapshots_in_one_run_give_one_entry_per_item(config: SiteConfig) -> None:
    write(config, "wire-1.xml", SNAP1)
    write(config, "wire-2.xml", SNAP2)
    result = run(config)
    assert result.status == 0, result.err
    assert sorted(entries(config)) == [f"2024/03/story-{x}.md" for x in "abcd"]
    skipped = [line for line in result.lines if line.startswith("skipped ")]
    assert len(skipped) == 3 and all("← seeds/wire-1.xml #" in line for line in skipped)
    assert "(the same item as seeds/wire-2.xml #2, which is newer)" in skipped[1]
    assert "corrected" in entries(config)["2024/03/story-b.md"].decode()
    before = entries(config)
    again = run(config)
    assert again.lines[-1] == "Imported: 0 created, 0 updated, 4 unchanged, 3 skipped."
    assert entries(config) == before
    assert build(config).entries == 4


def test_touching_an_older_snapshot_does_not_bring_its_copy_back(config: SiteConfig) -> None:
    """`serve` re-imports only the file that changed: the entry stays the newer snapshot's."""
    snap1 = write(config, "wire-1.xml", SNAP1)
    snap2 = write(config, "wire-2.xml", SNAP2)
    run(config, [snap1])
    run(config, [snap2])
    before = entries(config)
    os.utime(snap1, (1800000000, 1800000000))
    result = run(config, [snap1])
    assert result.status == 0 and not any(line.startswith("updated ") for line in result.lines)
    assert entries(config) == before


def test_an_id_that_is_not_a_uri_belongs_to_its_feed(config: SiteConfig) -> None:
    one = wire(item("42", "Harbour news", "From the first wire.", 5), link="https://one.example/")
    two = wire(item("42", "Market news", "From the second wire.", 6), link="https://two.example/")
    write(config, "one.xml", one)
    write(config, "two.xml", two)
    assert run(config).status == 0
    found = fronts(config)
    assert sorted(found) == ["2024/03/harbour-news.md", "2024/03/market-news.md"]
    assert found["2024/03/harbour-news.md"]["id"] != found["2024/03/market-news.md"]["id"]


def test_an_item_whose_id_a_hand_written_entry_holds_leaves_it_alone(config: SiteConfig) -> None:
    mine = config.path("content") / "desk" / "story-a.md"
    mine.parent.mkdir(parents=True)
    text = "---\ntitle: Our own A\nid: https://wire.example/a\ndate: 2024-03-01T12:00:00+01:00\n---\nOurs.\n"
    mine.write_text(text)
    write(config, "wire-1.xml", SNAP1)
    result = run(config)
    assert result.status == 0
    assert result.lines[0] == (
        "kept      content/desk/story-a.md  ← seeds/wire-1.xml #1"
        " (written by hand, not by import: left alone)"
    )
    assert mine.read_text() == text
    assert sorted(entries(config)) == ["2024/03/story-b.md", "2024/03/story-c.md", "desk/story-a.md"]
    assert build(config).entries == 3


def test_a_url_another_entry_holds_is_never_taken(config: SiteConfig) -> None:
    """A hand-written entry elsewhere in content/ publishes at /2024/03/story-b/: the import takes
    story-b-2 rather than a URL `feedsite build` would refuse."""
    mine = config.path("content") / "desk" / "mine.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\ntitle: Mine\ndate: 2024-03-20T12:00:00+01:00\nslug: story-b\n---\nMine.\n")
    write(config, "wire-1.xml", SNAP1)
    assert run(config).status == 0
    assert "2024/03/story-b-2.md" in entries(config)
    assert build(config).entries == 4


def test_a_clash_import_cannot_resolve_is_reported_and_nothing_is_written(config: SiteConfig) -> None:
    """An entry edited by hand to another slug, then re-imported with --force, would go back to the
    URL a hand-written entry took meanwhile: exit 1, one line, nothing written."""
    write(config, "wire-1.xml", SNAP1)
    run(config)
    imported = config.path("content") / "2024" / "03" / "story-b.md"
    imported.write_text(imported.read_text().replace("title: Story B\n", "title: Story B\nslug: b-moved\n"))
    mine = config.path("content") / "desk" / "mine.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\ntitle: Mine\ndate: 2024-03-20T12:00:00+01:00\nslug: story-b\n---\nMine.\n")
    assert build(config).entries == 4  # fine as it stands
    before = entries(config)
    write(config, "wire-1.xml", SNAP2)  # a change, so that --force rewrites every entry
    result = run(config, force=True)
    assert result.status == 1
    assert result.err.splitlines() == [
        "content/desk/mine.md: would have the same URL /2024/03/story-b/ as content/2024/03/story-b.md: "
        "nothing was written"
    ]
    assert result.lines == ["Nothing written: 1 problem."]
    assert entries(config) == before


def atom(entry_id: str, text: str, updated: str) -> str:
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Desk</title><id>urn:desk</id>'
        f"<updated>{updated}</updated><entry><id>{entry_id}</id><title>Council vote</title>"
        f"<updated>{updated}</updated><content type='text'>{text}</content></entry></feed>"
    )


def json_feed(item_id: str, text: str) -> str:
    item = {
        "id": item_id,
        "title": "Council vote",
        "content_text": text,
        "date_published": "2024-05-02T10:00:00Z",
    }
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Desk", "items": [item]})


@pytest.mark.parametrize(
    ("suffix", "first", "second"),
    [
        (".atom", atom("tag:desk,2024:7", "Vote today.", "2024-05-02T10:00:00Z"),
         atom("tag:desk,2024:7", "Vote passed.", "2024-05-02T18:00:00Z")),
        (".json", json_feed("7", "Vote today."), json_feed("7", "Vote passed.")),
    ],
)  # fmt: skip
def test_atom_and_json_feed_ids_identify_their_items(
    config: SiteConfig, suffix: str, first: str, second: str
) -> None:
    one = write(config, f"desk-1{suffix}", first)
    two = write(config, f"desk-2{suffix}", second, mtime=1720000000)
    assert run(config, [one]).status == 0
    (name,) = entries(config)
    before = fronts(config)[name]
    result = run(config, [two])
    assert result.lines[0].startswith(f"updated   content/{name}  ← seeds/desk-2{suffix}"), result.lines
    (same,) = entries(config)
    after = fronts(config)[same]
    assert same == name and after["id"] == before["id"] and "Vote passed." in entries(config)[name].decode()


def test_a_feed_item_with_the_id_of_an_entry_a_file_made_in_the_same_run_is_skipped(
    config: SiteConfig,
) -> None:
    write(config, "a-story.txt", "Port news\nThe port reopened.\n")
    run(config, date=None)
    (name,) = entries(config)
    ident = str(fronts(config)[name]["id"])
    write(config, "b-wire.xml", wire(item(ident, "Port news, the wire's copy", "From the wire.", 7)))
    result = run(config)
    assert result.lines[:2] == [
        f"unchanged content/{name}  ← seeds/a-story.txt",
        f"skipped   content/{name}  ← seeds/b-wire.xml #1 (imported from seeds/a-story.txt)",
    ]
    assert list(entries(config)) == [name]
