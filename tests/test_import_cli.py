"""run_import end to end on a tmp project: output lines, repeat safety, hand edits, bad input."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_import_support import FIXTURES, SEED, entries, make_project, run, split_entry

from feedsite.config import SiteConfig
from feedsite.importers import IMPORT_SUFFIXES, ImportOptions, run_import

ROME = ZoneInfo("Europe/Rome")
DAY = datetime(2024, 11, 7, tzinfo=ROME)
SEED_ENTRY = "2024/11/trump-and-putin-first-phone-call-on-ukrainian-conflict-call-to-avoid-new.md"


@pytest.fixture
def config(tmp_path: Path) -> SiteConfig:
    return make_project(tmp_path)


def seed(config: SiteConfig) -> Path:
    target = config.path("seeds") / SEED.name
    shutil.copyfile(SEED, target)
    return target


def write(config: SiteConfig, name: str, data: str | bytes) -> Path:
    path = config.path("seeds") / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_seed_import_and_repeat_is_byte_identical(config: SiteConfig) -> None:
    seed(config)
    first = run(config, date=DAY)
    assert first.status == 0 and first.err == ""
    assert first.lines == [
        f"created   content/{SEED_ENTRY}  ← seeds/{SEED.name}",
        "Imported: 1 created, 0 updated, 0 unchanged.",
    ]
    before = entries(config)
    entry = config.path("content") / SEED_ENTRY
    stamp = entry.stat().st_mtime_ns
    front, body = split_entry(before[SEED_ENTRY].decode())
    assert list(front) == ["title", "id", "date", "summary", "source", "rights", "imported"]
    assert front["date"] == DAY
    assert str(front["id"]).startswith("urn:uuid:")
    assert front["source"] == {"name": "La Milano"}  # the file's path stays in `imported:`
    assert front["imported"]["source"] == f"seeds/{SEED.name}"
    assert front["imported"]["options"] == {"date": DAY}
    assert body.count("\n## ") == 5

    again = run(config, date=datetime(2030, 1, 1, tzinfo=ROME))
    assert again.lines[0] == f"unchanged content/{SEED_ENTRY}  ← seeds/{SEED.name}"
    assert entries(config) == before
    assert entry.stat().st_mtime_ns == stamp  # not even rewritten


def test_changed_source_updates_in_place(config: SiteConfig) -> None:
    source = write(config, "a.txt", "Harbour news\nA standfirst.\nFirst paragraph.\nSecond.\n")
    run(config, date=DAY)
    (name,) = entries(config)
    old, _ = split_entry((config.path("content") / name).read_text())
    source.write_text("Harbour news, revised title\nA standfirst.\nFirst paragraph, fixed.\nSecond.\n")
    os.utime(source, (1735700000, 1735700000))  # 2025-01-01 03:53:20 +01:00
    result = run(config)
    assert result.lines[0] == f"updated   content/{name}  ← seeds/a.txt"
    (same_name,) = entries(config)
    assert same_name == name  # slug kept although the title changed
    new, body = split_entry((config.path("content") / name).read_text())
    assert (new["id"], new["date"]) == (old["id"], old["date"])
    assert new["title"] == "Harbour news, revised title"
    assert new["updated"] == datetime(2025, 1, 1, 3, 53, 20, tzinfo=ROME)
    assert "fixed" in body
    assert run(config).lines[0].startswith("unchanged ")


def test_hand_edit_survives_until_force(config: SiteConfig) -> None:
    source = seed(config)
    run(config, date=DAY)
    entry = config.path("content") / SEED_ENTRY
    edited = entry.read_text().replace("Recently, US", "Recently (edited by hand), US")
    entry.write_text(edited)
    source.write_text(source.read_text() + "\n")  # even a changed source does not overwrite it
    source.write_text(source.read_text().replace("Recently", "Lately"))
    result = run(config)
    assert result.status == 0
    assert result.lines[0] == (
        f"kept      content/{SEED_ENTRY}  ← seeds/{SEED.name} "
        "(edited by hand since import; --force overwrites)"
    )
    assert entry.read_text() == edited
    forced = run(config, force=True)
    assert forced.lines[0].startswith("updated ")
    text = entry.read_text()
    assert "Lately, US" in text and "edited by hand" not in text
    assert split_entry(text)[0]["id"] == split_entry(edited)[0]["id"]
    assert run(config).lines[0].startswith("unchanged ")


def test_colliding_slugs_get_numbers(config: SiteConfig) -> None:
    for name in ("a.txt", "b.txt", "c.txt"):
        write(config, name, f"Zoë Café\nText of {name}.\n")
    result = run(config, date=DAY)
    assert [line.split()[1] for line in result.lines[:3]] == [
        "content/2024/11/zoe-cafe.md",
        "content/2024/11/zoe-cafe-2.md",
        "content/2024/11/zoe-cafe-3.md",
    ]
    again = run(config, date=DAY)
    assert [line.split()[:2] for line in again.lines[:3]] == [
        ["unchanged", "content/2024/11/zoe-cafe.md"],
        ["unchanged", "content/2024/11/zoe-cafe-2.md"],
        ["unchanged", "content/2024/11/zoe-cafe-3.md"],
    ]


def test_hand_written_entry_is_never_overwritten(config: SiteConfig) -> None:
    mine = config.path("content") / "2024" / "11" / "zoe-cafe.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\ntitle: Mine\ndate: 2024-11-07\n---\nMy text.\n")
    write(config, "a.txt", "Zoë Café\nText.\n")
    assert run(config, date=DAY).lines[0].split()[1] == "content/2024/11/zoe-cafe-2.md"
    assert mine.read_text() == "---\ntitle: Mine\ndate: 2024-11-07\n---\nMy text.\n"


BAD = {
    "empty.txt": (b"", "empty file"),
    "blank.txt": (b" \r\n\t\n  \n", "empty file"),
    "bom-only.txt": (b"\xef\xbb\xbf\n", "empty file"),
    "binary.txt": (bytes(range(256)), "binary file, not text"),
    "scan.txt": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary file (a PDF document), not text"),
    "photo.xml": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (a PNG image), not text"),
    "title-only.txt": (b"Only a title\n", "a title but no body text"),
    "nav.html": (b"<html><title>T</title><body><nav>Menu</nav></body></html>", "no article text"),
    "broken.xml": (b"<!-- a comment, and no feed -->", "malformed feed"),
    "broken.json": (b'{"version": ', "malformed JSON Feed"),
}


def test_bad_inputs_each_get_one_line_and_good_ones_still_import(config: SiteConfig) -> None:
    for name, (data, _) in BAD.items():
        write(config, name, data)
    write(config, "good.txt", "Good story\nIt imports.\n")
    write(config, "notes.md", "not a source")
    missing = config.root / "nowhere"
    result = run(config, [config.path("seeds"), missing, config.path("seeds") / "notes.md"], date=DAY)
    assert result.status == 1
    lines = result.err.splitlines()
    assert len(lines) == len(BAD) + 2
    for name, (_, message) in BAD.items():
        (line,) = [x for x in lines if x.startswith(f"seeds/{name}: ")]
        assert message in line
    assert "nowhere: no such file or folder" in lines
    assert any(x.startswith("seeds/notes.md: not a kind of source") for x in lines)
    assert list(entries(config)) == ["2024/11/good-story.md"]
    assert result.lines[-1] == "Imported: 1 created, 0 updated, 0 unchanged, 12 failed."
    assert "Traceback" not in result.err


def test_crlf_bom_and_forbidden_characters_are_handled(config: SiteConfig) -> None:
    write(config, "w.txt", "\ufeffWindows title\r\nA stand\x0bfirst.\r\nBody\x01 text.\r\nMore.\r\n".encode())
    result = run(config, date=DAY)
    assert result.status == 0, result.err
    data = entries(config)["2024/11/windows-title.md"]
    assert b"\r" not in data and b"\x0b" not in data and b"\x01" not in data
    front, body = split_entry(data.decode())
    assert (front["title"], front["summary"], body.strip()) == (
        "Windows title",
        "A standfirst.",
        "Body text.\n\nMore.",
    )


def test_dry_run_writes_nothing(config: SiteConfig) -> None:
    seed(config)
    result = run(config, date=DAY, dry_run=True)
    assert result.lines == [
        f"would create content/{SEED_ENTRY}  ← seeds/{SEED.name}",
        "Dry run, nothing written: 1 to create, 0 to update, 0 unchanged.",
    ]
    assert not config.path("content").exists()


def test_mtime_fallback_warns(config: SiteConfig) -> None:
    source = write(config, "undated.txt", "Undated\nSome text.\n")
    os.utime(source, (1700000000, 1700000000))  # 2023-11-14 23:13:20 +01:00
    result = run(config)
    assert result.status == 0
    assert result.err == (
        "seeds/undated.txt: warning: no date in the source; using the file's modification time "
        "2023-11-14T23:13:20+01:00 (--date sets one)\n"
    )
    front, _ = split_entry(entries(config)["2023/11/undated.md"].decode())
    assert front["date"] == datetime(2023, 11, 14, 23, 13, 20, tzinfo=ROME)
    assert run(config).err == ""  # the date is kept: no warning on re-import


def test_options_tag_author_lang_and_source_dates_win(config: SiteConfig) -> None:
    write(config, "a.txt", "Plain\nText.\n")
    shutil.copyfile(FIXTURES / "wire.rss", config.path("seeds") / "wire.rss")
    result = run(config, tags=("Imported", "transport"), author="Desk", lang="it", date=DAY)
    assert result.status == 0, result.err
    found = {k: split_entry(v.decode())[0] for k, v in entries(config).items()}
    plain = found["2024/11/plain.md"]
    assert (plain["tags"], plain["authors"], plain["lang"]) == (["Imported", "transport"], ["Desk"], "it")
    strike = found["2024/03/rail-strike-ends-after-deal.md"]  # its own date, authors and lang win
    assert strike["tags"] == ["Transport", "Labour", "Imported"]
    assert (strike["authors"], strike["lang"]) == (["Ana Lopez"], "en-us")
    # a guid that is not a URI becomes a urn:uuid made from it; a URI id is kept as it is
    assert str(strike["id"]).startswith("urn:uuid:")
    assert strike["imported"]["item"] == "wire-2024-0001"
    assert found["2024/03/museum-opens-new-wing.md"]["id"] == "https://wire.example/2024/museum-wing"
    assert strike["source"] == {"name": "Wire Service", "url": "https://wire.example/2024/rail-strike-ends"}
    assert "wire.rss #2" in result.out


def test_import_suffixes() -> None:
    assert {".txt", ".html", ".htm", ".xml", ".rss", ".atom", ".json"} == IMPORT_SUFFIXES


def test_no_temporary_files_left(config: SiteConfig) -> None:
    seed(config)
    write(config, "bad.txt", b"")
    run(config, date=DAY)
    assert all(not p.name.endswith(".tmp") for p in config.root.rglob("*"))


BAD_DATES = {
    "ld.html": (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": "Odd dates",'
        ' "datePublished": "0001-01-01T00:00:00+14:00", "dateModified": "2024-02-30"}</script></head>'
        "<body><article><p>A story long enough to count as the text of an article.</p></article>"
        "</body></html>"
    ),
    "meta.html": (
        '<html><head><title>Meta dates</title><meta property="article:published_time" content="2024-13-45">'
        '</head><body><article><time datetime="9999-12-31T23:59:59-12:00">then</time>'
        "<p>A story long enough to count as the text of an article.</p></article></body></html>"
    ),
    "feed.json": (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "F", "items": ['
        '{"id": "1", "title": "Hour 25", "content_text": "Text.", "date_published": "2024-11-08T25:00:00Z"},'
        '{"id": "2", "title": "Offset", "content_text": "Text.", "date_published": "2024-11-08T09:00+25:00"},'
        '{"id": "3", "title": "Number", "content_text": "Text.", "date_published": 20241108}]}'
    ),
    "feed.rss": (
        "<rss version='2.0'><channel><title>R</title><item><guid>r1</guid><title>Feb 30</title>"
        "<description>Text.</description><pubDate>Fri, 30 Feb 2024 09:00:00 GMT</pubDate></item>"
        "</channel></rss>"
    ),
}


def test_impossible_source_dates_fall_back_cleanly(config: SiteConfig) -> None:
    """Sources whose dates are impossible or out of range import with --date (feedsite.dates refuses
    theirs): no internal error, no traceback."""
    for name, text in BAD_DATES.items():
        write(config, name, text)
    result = run(config, date=DAY)
    assert result.status == 0, result.err
    assert "internal error" not in result.out + result.err and "Traceback" not in result.err
    found = {k: split_entry(v.decode())[0] for k, v in entries(config).items()}
    assert len(found) == 6 and all(front["date"] == DAY for front in found.values())
    assert all("updated" not in front for front in found.values())


def test_bad_dates_in_an_entry_are_replaced_on_forced_update(config: SiteConfig) -> None:
    source = write(config, "a.txt", "Harbour news\nA standfirst.\nFirst paragraph.\nSecond.\n")
    run(config, date=DAY)
    (name,) = entries(config)
    entry = config.path("content") / name
    entry.write_text(entry.read_text().replace("date: 2024-11-07T00:00:00+01:00", "date: 2024-02-30"))
    assert "date: 2024-02-30\n" in entry.read_text()
    source.write_text(source.read_text() + "Third.\n")
    result = run(config, force=True, date=DAY)
    assert result.status == 0 and result.lines[0].startswith("updated "), result.err
    assert split_entry(entry.read_text())[0]["date"] == DAY


def test_progress_goes_to_the_stages_it_is_given(config: SiteConfig) -> None:
    for n in range(3):
        write(config, f"s{n}.txt", f"Story {n}\nText {n}.\n")
    seen: list[tuple[str, int]] = []
    steps: list[int] = []

    def stages(label: str, total: int) -> Callable[[int], None]:
        seen.append((label, total))
        return steps.append

    out, err = io.StringIO(), io.StringIO()
    assert run_import(config, [], ImportOptions(date=DAY), out, err, stages) == 0
    assert seen == [("Importing", 3)] and sum(steps) == 3


def test_a_write_that_fails_leaves_no_entry_and_no_temporary_file(config: SiteConfig) -> None:
    """Entries are staged, flushed to disk together, then renamed: a failure while staging leaves
    content/ as it was."""
    blocker = config.path("content") / "2024"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("a file where a folder must go")
    write(config, "a.txt", "May story\nText.\n")  # staged first, in content/2023/05/
    feed = (
        "<rss><channel><title>W</title><item><title>November story</title><guid isPermaLink='false'>n</guid>"
    )
    feed += "<pubDate>Fri, 08 Nov 2024 09:00:00 GMT</pubDate><description>Text.</description></item>"
    write(config, "w.xml", feed + "</channel></rss>")  # then content/2024/11/: cannot be
    result = run(config, date=datetime(2023, 5, 1, tzinfo=ROME))
    assert result.status == 1
    assert result.lines == ["Nothing written: 1 problem."]
    (line,) = result.err.splitlines()
    assert line.startswith("content/2024/11: cannot be written (") and line.endswith("): nothing was written")
    assert list(entries(config)) == ["2024"]  # the May story was not renamed into place
    assert not [p for p in config.root.rglob("*") if p.name.endswith(".tmp")]


def test_every_entry_is_exactly_what_the_front_matter_writer_writes(config: SiteConfig) -> None:
    """The `imported:` block is put in without dumping the front matter twice: the file is still
    byte for byte what dump_entry makes of its front matter and body."""
    from feedsite.entryfile import dump_entry, read_entry

    seed(config)
    for fixture in sorted(FIXTURES.iterdir()):
        shutil.copyfile(fixture, config.path("seeds") / fixture.name)
    assert run(config, tags=("A tag",), author="Desk", lang="en", date=DAY).status == 0
    written = entries(config)
    assert len(written) == 7
    for data in written.values():
        entry = read_entry(data)
        assert dump_entry(entry.meta, entry.body).encode() == data
