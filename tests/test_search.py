"""Site search (issue 15): Pagefind indexes the built site when search.enabled = true (on in
`feedsite init`'s config); the index is deterministic and holds the entry pages only; every page
has a search box that is a plain GET form to the search page."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest
from helpers import tree, write

pytest.importorskip("pagefind_bin", reason="search needs Pagefind: pip install 'pagefind[bin]'")


def feedsite(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "feedsite", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_init_enables_search_and_build_indexes_entry_pages(tmp_path: Path) -> None:
    project = tmp_path / "news"
    assert feedsite("init", str(project)).returncode == 0
    assert "[search]\nenabled = true" in (project / "feedsite.toml").read_text()
    write(
        project / "content/2024/02/glacier.md", "---\ntitle: Glaciers retreat\ndate: 2024-02-01\n---\nIce.\n"
    )
    built = feedsite("-C", str(project), "build")
    assert built.returncode == 0, built.stderr
    assert "search index: site/pagefind/ in " in built.stdout
    site = project / "site"
    entry = json.loads((site / "pagefind/pagefind-entry.json").read_text())
    assert [language["page_count"] for language in entry["languages"].values()] == [2]  # entry pages only
    home = lxml.html.fromstring((site / "index.html").read_bytes())
    assert home.xpath("//form[@role='search']/@action") == ["./search/"]
    assert home.xpath("//form[@role='search']//input[@type='search']/@name") == ["q"]
    search = (site / "search/index.html").read_text()
    assert 'src="../pagefind/pagefind-ui.js"' in search and "<h1>Search</h1>" in search
    assert b"data-pagefind-body" in (site / "2024/02/glacier/index.html").read_bytes()
    first = tree(site / "pagefind")
    again = feedsite("-C", str(project), "build", "--no-cache")
    assert again.returncode == 0 and tree(site / "pagefind") == first  # deterministic
    assert not [p for p in site.iterdir() if p.name.startswith(".pagefind")]  # no staging left over


def test_search_is_off_unless_enabled(tmp_path: Path) -> None:
    write(tmp_path / "feedsite.toml", '[site]\ntitle = "Quiet"\nbase_url = "https://q.example/"\n')
    write(tmp_path / "content/a.md", "---\ntitle: A\ndate: 2024-01-01\n---\nA.\n")
    assert feedsite("-C", str(tmp_path), "build").returncode == 0
    assert not (tmp_path / "site/pagefind").exists() and not (tmp_path / "site/search").exists()
    assert b'role="search"' not in (tmp_path / "site/index.html").read_bytes()
    write(tmp_path / "feedsite.toml", '[site]\ntitle = "Quiet"\n\n[search]\nenabled = "yes"\n')
    bad = feedsite("-C", str(tmp_path), "build")
    assert bad.returncode == 1 and "feedsite.toml:5: search.enabled must be true or false" in bad.stderr


def test_watch_mode_indexes_again_after_each_build_that_changes_pages(tmp_path: Path) -> None:
    """`feedsite serve` and `build --watch` index the site as `feedsite build` does: an entry added
    while the preview runs can be found by search."""
    from preview_helpers import Streams, config_of, wait_until

    from feedsite.build import BuildOptions
    from feedsite.preview.watch import Watcher

    write(
        tmp_path / "feedsite.toml",
        '[site]\ntitle = "W"\nbase_url = "https://w.example/"\n\n[search]\nenabled = true\n',
    )
    write(
        tmp_path / "content/2024/02/glacier.md", "---\ntitle: Glaciers retreat\ndate: 2024-02-01\n---\nIce.\n"
    )
    streams = Streams()
    watcher = Watcher(config_of(tmp_path), BuildOptions(), streams.out, streams.err)
    pages = tmp_path / "site/pagefind/pagefind-entry.json"

    def count() -> int:
        return sum(lang["page_count"] for lang in json.loads(pages.read_text())["languages"].values())

    def indexed(times: int) -> bool:
        return streams.out.text().count("search index: site/pagefind/ in ") == times

    try:
        watcher.start()
        wait_until(lambda: indexed(1), timeout=120, what="the first index")
        assert count() == 1, streams.err.text()
        write(
            tmp_path / "content/2024/03/flood.md", "---\ntitle: River floods\ndate: 2024-03-01\n---\nWater.\n"
        )
        wait_until(lambda: indexed(2), timeout=120, what="the second index")
        assert count() == 2, streams.err.text()
    finally:
        watcher.stop()
    assert streams.out.text().count("search index: site/pagefind/ in ") == 2
    assert "failed" not in streams.err.text()


def test_an_index_stopped_midway_leaves_the_old_index_whole(tmp_path: Path) -> None:
    """Watch mode stops Pagefind when a change comes in during indexing: nothing half-made stays."""
    from preview_helpers import config_of

    from feedsite.search import index_site

    write(
        tmp_path / "feedsite.toml",
        '[site]\ntitle = "W"\nbase_url = "https://w.example/"\n\n[search]\nenabled = true\n',
    )
    write(
        tmp_path / "content/2024/02/glacier.md", "---\ntitle: Glaciers retreat\ndate: 2024-02-01\n---\nIce.\n"
    )
    assert feedsite("-C", str(tmp_path), "build").returncode == 0
    site = tmp_path / "site"
    before = tree(site / "pagefind")
    assert index_site(config_of(tmp_path), stop=lambda: True) is None  # stopped at its first look
    assert tree(site / "pagefind") == before
    assert not [p for p in site.iterdir() if p.name.startswith(".pagefind")]
