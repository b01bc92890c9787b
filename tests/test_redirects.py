"""Issue 14, item 9: URLs never break. feedsite remembers where each entry was published, by id, in
content/.urls.json; an entry whose address changes leaves a redirect page at the old one, and
`aliases:` adds more."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlparse

import feedparser
import lxml.html
import pytest
from helpers import write
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsite.build import BuildOptions, build
from feedsite.config import load_config
from feedsite.errors import ContentError
from feedsite.urlmemory import memory_bytes, parse_memory, remember
from feedsite.urls import all_plain, is_plain

BASE = "https://news.example.org/"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
CONFIG = '[site]\ntitle = "T"\nbase_url = "https://news.example.org/"\ntimezone = "Europe/Rome"\n'
ID_A = "urn:uuid:00000000-0000-4000-8000-00000000000a"
ID_B = "urn:uuid:00000000-0000-4000-8000-00000000000b"


def entry(
    root: Path, name: str, title: str, uid: str, date: str = "2024-11-08T09:00:00+01:00", **more: str
) -> None:
    extra = "".join(f"{key}: {value}\n" for key, value in more.items())
    text = f"---\ntitle: {title}\ndate: {date}\nid: {uid}\n{extra}---\nThe story of {title}.\n"
    write(root / "content" / "2024" / f"{name}.md", text)


def run(root: Path, **options: object) -> None:
    build(load_config(root), BuildOptions(now=NOW, **options))  # type: ignore[arg-type]


def memory(root: Path) -> dict[str, list[str]]:
    data: dict[str, list[str]] = json.loads((root / "content/.urls.json").read_text("utf-8"))
    return data


def redirect(site: Path, path: str) -> tuple[str, str, str]:
    """(where the meta refresh goes, the canonical URL, where the visible link goes), the relative
    ones resolved against the old address."""
    doc = lxml.html.fromstring((site / path / "index.html").read_bytes())
    (refresh,) = doc.xpath("//meta[@http-equiv='refresh']/@content")
    delay, _, target = refresh.partition("; url=")
    assert delay == "0"
    (canonical,) = doc.xpath("//link[@rel='canonical']/@href")
    (link,) = doc.xpath("//body//a/@href")
    assert not doc.xpath("//script"), "no JavaScript"
    old = f"http://h/{path}/"
    return urlparse(urljoin(old, target)).path, canonical, urlparse(urljoin(old, link)).path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path / "feedsite.toml", CONFIG)
    entry(tmp_path, "a", "Story A", ID_A, slug="first-slug")
    entry(tmp_path, "b", "Story B", ID_B, date="2024-11-09T09:00:00+01:00")
    return tmp_path


def test_a_reslugged_entry_redirects_from_its_old_url_and_keeps_its_feed_id(project: Path) -> None:
    run(project)
    assert memory(project) == {ID_A: ["2024/11/first-slug/"], ID_B: ["2024/11/b/"]}
    entry(project, "a", "Story A", ID_A, slug="second-slug")
    run(project)
    site = project / "site"
    assert redirect(site, "2024/11/first-slug") == (
        "/2024/11/second-slug/",
        BASE + "2024/11/second-slug/",
        "/2024/11/second-slug/",
    )
    assert "Story A" in (site / "2024/11/second-slug/index.html").read_text()
    assert memory(project)[ID_A] == ["2024/11/first-slug/", "2024/11/second-slug/"]
    feed = feedparser.parse((site / "atom.xml").read_bytes())
    (item,) = [e for e in feed.entries if e.title == "Story A"]
    assert item.id == ID_A and item.link == BASE + "2024/11/second-slug/"
    assert b"first-slug" not in (site / "sitemap.xml").read_bytes()
    # a new date moves it again: both old addresses lead to the newest
    entry(project, "a", "Story A", ID_A, slug="second-slug", date="2024-12-01T09:00:00+01:00")
    run(project)
    for old in ("2024/11/first-slug", "2024/11/second-slug"):
        assert redirect(site, old)[0] == "/2024/12/second-slug/"
    assert memory(project)[ID_A] == ["2024/11/first-slug/", "2024/11/second-slug/", "2024/12/second-slug/"]


def test_a_clean_clone_with_the_memory_builds_the_same_redirects(project: Path, tmp_path: Path) -> None:
    run(project)
    entry(project, "a", "Story A", ID_A, slug="second-slug")
    run(project)
    clone = tmp_path / "clone"
    write(clone / "feedsite.toml", CONFIG)
    for file in (project / "content").rglob("*"):
        if file.is_file():
            write(clone / "content" / file.relative_to(project / "content"), file.read_text("utf-8"))
    run(clone, use_cache=False)
    old = "2024/11/first-slug/index.html"
    assert (clone / "site" / old).read_bytes() == (project / "site" / old).read_bytes()


def test_aliases_redirect_and_never_hide_a_live_page(project: Path) -> None:
    aliases = '["/old/story-a/", "/2024/11/b/", "/tags/", "/feed.xml"]'
    entry(project, "a", "Story A", ID_A, slug="first-slug", aliases=aliases)
    run(project)
    site = project / "site"
    assert redirect(site, "old/story-a") == (
        "/2024/11/first-slug/",
        BASE + "2024/11/first-slug/",
        "/2024/11/first-slug/",
    )
    assert "Story B" in (site / "2024/11/b/index.html").read_text()  # the live entry wins
    assert b"refresh" not in (site / "tags/index.html").read_bytes()
    assert (site / "feed.xml").read_bytes().startswith(b"<?xml")


def test_an_address_taken_by_another_entry_is_its_own(project: Path) -> None:
    run(project)
    entry(project, "a", "Story A", ID_A, slug="moved")
    entry(project, "c", "Story C", "urn:uuid:00000000-0000-4000-8000-00000000000c", slug="first-slug")
    run(project)
    site = project / "site"
    assert "Story C" in (site / "2024/11/first-slug/index.html").read_text()
    assert b"refresh" not in (site / "2024/11/first-slug/index.html").read_bytes()
    assert memory(project)[ID_A] == ["2024/11/moved/"]  # the address left A's history
    entry(project, "c", "Story C", "urn:uuid:00000000-0000-4000-8000-00000000000c", slug="gone-on")
    run(project)
    assert redirect(site, "2024/11/first-slug")[0] == "/2024/11/gone-on/"  # to C, who held it last


def test_drafts_and_future_entries_are_not_remembered_until_published(project: Path) -> None:
    entry(project, "d", "Draft", "urn:uuid:00000000-0000-4000-8000-00000000000d", draft="true")
    entry(
        project, "f", "Future", "urn:uuid:00000000-0000-4000-8000-00000000000f", date="2999-01-01T09:00:00Z"
    )
    run(project, drafts=True, future=True)
    assert (project / "site/2024/11/d/index.html").is_file()  # built, in this preview ...
    assert set(memory(project)) == {ID_A, ID_B}  # ... but not published: not remembered


def test_the_memory_file_is_written_only_when_it_changes(project: Path) -> None:
    run(project)
    file = project / "content/.urls.json"
    stamp = file.stat().st_mtime_ns
    text = file.read_text("utf-8")
    assert text == memory_bytes(memory(project)).decode() and text.endswith("]\n}\n")
    assert list(memory(project)) == sorted(memory(project))
    run(project)
    entry(project, "b", "Story B, retitled", ID_B, date="2024-11-09T09:00:00+01:00")
    run(project)  # same addresses: nothing to remember
    assert file.stat().st_mtime_ns == stamp
    assert not [p.name for p in file.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_broken_memory_file_is_an_error_and_nothing_is_written(project: Path) -> None:
    run(project)
    (project / "content/.urls.json").write_text('{\n  "urn:x:1": ["/2024/11/a/"],\n  "urn:x:2": 3\n}\n')
    before = (project / "site/index.html").stat().st_mtime_ns
    entry(project, "b", "Story B, changed", ID_B, date="2024-11-09T09:00:00+01:00")
    with pytest.raises(ContentError) as caught:
        run(project)
    lines = [str(p) for p in caught.value.problems]
    assert lines[0].startswith("content/.urls.json:2: urn:x:1: must be a list of site paths")
    assert lines[1].startswith("content/.urls.json:3: urn:x:2:")
    assert (project / "site/index.html").stat().st_mtime_ns == before
    (project / "content/.urls.json").write_text("<<<<<<< HEAD\n")
    with pytest.raises(ContentError, match="is not valid JSON"):
        run(project)


def test_remember() -> None:
    start = {"a": ("x/",), "b": ("y/", "z/")}
    assert remember(start, [("a", "x/"), ("b", "z/")]) == start
    assert remember(start, [("a", "w/")]) == {"a": ("x/", "w/"), "b": ("y/", "z/")}
    assert remember(start, [("b", "y/")]) == {"a": ("x/",), "b": ("z/", "y/")}  # back at an old one
    assert remember(start, [("c", "x/")]) == {"b": ("y/", "z/"), "c": ("x/",)}  # taken from a
    assert parse_memory(memory_bytes(start), "f") == start


@settings(max_examples=400, deadline=None)
@given(paths=st.lists(st.text(alphabet="ab.-_/\n é%", max_size=12), max_size=6))
def test_the_quick_check_of_a_whole_memory_agrees_with_the_check_of_each_path(paths: list[str]) -> None:
    """urlmemory reads a usual memory with one scan of all its paths (urls.all_plain): it must
    accept exactly what the check of each path alone accepts."""
    assert all_plain(paths) == all(path and is_plain(path) for path in paths)
