"""`feedsite check` lints the built feeds: a clean build passes, and each kind of damage a reader
would trip on is one line naming the file, with exit status 1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from feed_helpers import BASE, project
from helpers import build_project

from feedsite.cli import main

ID7 = "urn:uuid:00000000-0000-4000-8000-000000000007"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = project(tmp_path_factory.mktemp("lint"), 9, websub_hubs=["https://hub.example/"])
    (root / "content/story-004.md").write_text(
        (root / "content/story-004.md").read_text().replace("tags: [World]", "tags: [World]\nimage: /pic.png")
    )
    (root / "static").mkdir()
    (root / "static/pic.png").write_bytes(b"\x89PNG....")
    build_project(root)
    return root


@pytest.fixture
def root(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    return copy


def check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["-C", str(root), "check"])
    return code, capsys.readouterr().err.splitlines()


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))


def test_a_fresh_build_passes(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["-C", str(built), "check"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    # 3 formats × (site: subscription + 4 archive pages (6 archived, pages of 2, one filling);
    # tag World: its subscription document only)
    assert "18 feed documents in site/ OK" in captured.out


def test_no_site_yet_is_not_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, 2)
    assert main(["-C", str(tmp_path), "check"]) == 0
    assert "site/ is not built yet" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("feed.xml", "<title>Daily</title>", "", "site/feed.xml: the channel has no <title>"),
        (
            "atom.xml",
            "<updated>2024-01-09T09:00:00+01:00</updated>",
            "<updated>2024-01-09T09:00:00</updated>",
            "site/atom.xml: the feed's <updated> is not a date with a zone: '2024-01-09T09:00:00'",
        ),
        (
            "feed.xml",
            "<pubDate>Tue, 09 Jan 2024 09:00:00 +0100</pubDate>",
            "<pubDate>9 January 2024</pubDate>",
            "site/feed.xml: item 1's <pubDate> is not a date with a zone: '9 January 2024'",
        ),
        (
            "atom.xml",
            f'href="{BASE}"&gt;a link',
            'href="../../../"&gt;a link',
            "site/atom.xml: entry 1 links to a relative URL: '../../../'",
        ),
        (
            "feed.json",
            f'"url": "{BASE}2024/01/story-009/"',
            '"url": "/2024/01/story-009/"',
            "site/feed.json: item 1's url is not an absolute http(s) URL: '/2024/01/story-009/'",
        ),
        (
            "feed.xml",
            '<atom:link href="https://hub.example/" rel="hub"/>',
            '<atom:link href="hub" rel="hub"/>',
            "site/feed.xml: the hub link is not an absolute http(s) URL: 'hub'",
        ),
        (
            "feed.json",
            '"content_html": ',
            '"body": ',
            "site/feed.json: item 1 has neither content_html nor content_text",
        ),
        (
            "atom.xml",
            f"<id>{ID7}</id>",
            "<id>story-7</id>",
            "site/atom.xml: entry 3: its id 'story-7' is not an absolute URI",
        ),
        (
            "feeds/archive/2/feed.xml",
            "<fh:archive/>",
            "",
            "site/feeds/archive/2/feed.xml: an archive page without <fh:archive/>",
        ),
        (
            "feeds/archive/1/atom.xml",
            "urn:uuid:00000000-0000-4000-8000-000000000001",
            ID7,
            f"site/atom.xml: the id {ID7} is in both atom.xml and feeds/archive/1/atom.xml",
        ),
        (
            "feeds/archive/2/feed.xml",
            'length="8" type="image/png"',
            'type="image/png"',
            "site/feeds/archive/2/feed.xml: item 1's <enclosure> lacks length or type",
        ),
        ("feed.json", "{", "[", "site/feed.json: cannot be read"),
    ],
)
def test_each_violation_is_one_line(
    root: Path, capsys: pytest.CaptureFixture[str], name: str, old: str, new: str, message: str
) -> None:
    edit(root / "site" / name, old, new)
    code, lines = check(root, capsys)
    assert code == 1
    assert any(line.startswith(message) for line in lines), lines
    assert lines[-1].startswith("feedsite check: ") and "in the built feeds" in lines[-1]


def test_a_broken_archive_chain(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree(root / "site/feeds/archive/3")
    code, lines = check(root, capsys)
    assert code == 1
    assert "site/atom.xml: its archive chain leads to /feeds/archive/3/atom.xml, which is not there" in lines


def test_the_size_budget(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(root / "feedsite.toml", "[feeds]\n", "[feeds]\nmax_bytes = 1000\n")
    code, lines = check(root, capsys)
    assert code == 1
    over = [line for line in lines if "over feeds.max_bytes (1,000)" in line]
    assert {line.split(":")[0] for line in over} >= {"site/feed.xml", "site/atom.xml", "site/feed.json"}
    assert not any("feeds/archive" in line for line in over)  # the budget is the subscription's


def test_ids_published_before_must_not_change(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    urls = {ID7: ["2023/12/old-slug/", "2024/01/story-007/"], "urn:uuid:other": ["/2024/01/story-008/"]}
    (root / "content/.urls.json").write_text(json.dumps(urls))
    code, lines = check(root, capsys)
    assert code == 1
    expected = "the entry at /2024/01/story-008/ has the id urn:uuid:00000000-0000-4000-8000-000000000008, "
    expected += "published before as urn:uuid:other"
    assert {line.split(": ", 1)[0] for line in lines if line.endswith(expected.split(": ", 1)[-1])} == {
        "site/feed.xml",
        "site/atom.xml",
        "site/feed.json",
        "site/tags/world/feed.xml",
        "site/tags/world/atom.xml",
        "site/tags/world/feed.json",
    }
    assert not any("story-007" in line for line in lines)  # its id is the one remembered


def test_a_damaged_urls_file_is_reported(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "content/.urls.json").write_text("[1, 2")
    code, lines = check(root, capsys)
    assert code == 1 and any(
        line.startswith(str(root / "content/.urls.json") + ": cannot be read") for line in lines
    )
