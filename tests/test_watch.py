"""Watch mode with real watchdog events on a temp project: every change gives one full build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from preview_helpers import Streams, entry_text, make_project, read, wait_until, write_entry

from feedsite.build import BuildOptions
from feedsite.config import load_config
from feedsite.preview.watch import BuildResult, Watcher, is_temporary

REPO = Path(__file__).resolve().parent.parent


class Running:
    def __init__(self, root: Path, settle: float = 0.1) -> None:
        self.root = root
        self.site = root / "site"
        self.streams = Streams()
        self.results: list[BuildResult] = []
        self.watcher = Watcher(
            load_config(root),
            BuildOptions(),
            self.streams.out,
            self.streams.err,
            on_result=self.results.append,
            settle=settle,
        )

    def next_build(self, after: int) -> BuildResult:
        """Wait for the build after number `after`, and for no more to be pending."""
        assert self.watcher.wait_for_build(after + 1, 15), f"no build after #{after}"
        wait_until(self.watcher.idle, what="the watcher to be idle")
        return self.results[-1]


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    make_project(tmp_path, {"a": "First story", "b": "Second story"})
    run = Running(tmp_path)
    run.watcher.start()
    assert run.watcher.wait_for_build(1, 15)
    assert run.results[0].ok, run.streams.err.text()
    yield run
    run.watcher.stop()


def pages(site: Path) -> str:
    return (
        read(site / "index.html")
        + read(site / "feed.xml")
        + read(site / "atom.xml")
        + read(site / "sitemap.xml")
    )


def test_edit_rebuilds_with_the_new_title(running: Running) -> None:
    write_entry(running.root, "a", "Edited title")
    result = running.next_build(1)
    assert result.ok and result.changed
    assert "Edited title" in read(running.site / "2024/11/a/index.html")
    assert "Edited title" in read(running.site / "feed.xml")
    assert "built 2 entries" in running.streams.out.text()


def test_created_entry_appears(running: Running) -> None:
    write_entry(running.root, "c", "Brand new story", day=9)
    running.next_build(1)
    assert (running.site / "2024/11/c/index.html").is_file()
    assert all(
        "Brand new story" in read(running.site / name) for name in ("index.html", "feed.xml", "atom.xml")
    )
    assert "/2024/11/c/" in read(running.site / "sitemap.xml")


def test_renamed_entry_moves(running: Running) -> None:
    (running.root / "content/2024/11/a.md").rename(running.root / "content/2024/11/renamed.md")
    running.next_build(1)
    old = read(running.site / "2024/11/a/index.html")  # its old address redirects (issue 14, item 9)
    assert 'http-equiv="refresh" content="0; url=../../../2024/11/renamed/"' in old
    assert (running.site / "2024/11/renamed/index.html").is_file()
    everything = pages(running.site)
    assert "/2024/11/a/" not in everything and "/2024/11/renamed/" in everything


def test_deleted_entry_disappears_everywhere(running: Running) -> None:
    (running.root / "content/2024/11/b.md").unlink()
    result = running.next_build(1)
    assert result.report is not None and result.report.removed >= 1
    assert not (running.site / "2024/11/b").exists()
    everything = pages(running.site)
    assert "Second story" not in everything and "/2024/11/b/" not in everything
    assert "First story" in everything


def test_a_burst_of_200_files_gives_one_build(tmp_path: Path) -> None:
    make_project(tmp_path)
    run = Running(tmp_path, settle=0.5)  # generous quiet period: a slow CI machine may pause mid-burst
    with run.watcher:
        assert run.watcher.wait_for_build(1, 15)
        folder = tmp_path / "content" / "2024" / "12"
        folder.mkdir(parents=True)
        for n in range(200):
            (folder / f"burst-{n:03}.md").write_text(entry_text(f"Burst {n}", day=1), "utf-8")
        result = run.next_build(1)
        assert result.ok and result.report is not None and result.report.entries == 201
        time.sleep(1.0)  # would a straggling event give a second build?
        assert run.watcher.builds == 2 and run.watcher.idle()
    assert len(list((tmp_path / "site/2024/11").glob("burst-*/index.html"))) == 200


def test_editor_temp_files_and_output_never_trigger_a_build(running: Running) -> None:
    time.sleep(0.5)  # the first build wrote site/ and the cache: that must not have woken the watcher
    assert running.watcher.builds == 1 and running.watcher.idle()
    folder = running.root / "content" / "2024" / "11"
    for name in (".a.md.swp", "a.md~", ".#a.md", "4913", "#a.md#", ".hidden.md"):
        (folder / name).write_text("junk", "utf-8")
    (running.site / "extra.html").write_text("x", "utf-8")
    (running.root / "notes.txt").write_text("x", "utf-8")  # not a source folder
    time.sleep(0.5)
    assert running.watcher.builds == 1 and running.watcher.idle()


def test_save_via_temp_file_and_rename_is_one_build(running: Running) -> None:
    folder = running.root / "content" / "2024" / "11"
    tmp = folder / ".a.md.tmp"
    tmp.write_text(entry_text("Saved atomically", day=1), "utf-8")
    os.replace(tmp, folder / "a.md")
    result = running.next_build(1)
    assert result.ok
    assert running.watcher.builds == 2
    assert "Saved atomically" in read(running.site / "index.html")


def test_errors_are_reported_and_the_last_good_site_kept(running: Running) -> None:
    path = running.root / "content/2024/11/a.md"
    good = read(running.site / "2024/11/a/index.html")
    path.write_text("---\ntitle: Broken\n---\nno date\n", "utf-8")
    result = running.next_build(1)
    assert not result.ok
    assert any(p.startswith("content/2024/11/a.md") for p in result.problems), result.problems
    assert "content/2024/11/a.md" in running.streams.err.text()
    assert "the last good site is kept" in running.streams.err.text()
    assert read(running.site / "2024/11/a/index.html") == good
    write_entry(running.root, "a", "Fixed again")
    assert running.next_build(2).ok
    assert "Fixed again" in read(running.site / "index.html")


def test_config_change_is_reloaded_and_a_bad_one_reported(running: Running) -> None:
    config = running.root / "feedsite.toml"
    config.write_text('[site]\ntitle = "Renamed Site"\nbase_url = "https://example.org/"\n', "utf-8")
    assert running.next_build(1).ok
    assert "Renamed Site" in read(running.site / "index.html")
    config.write_text('[site]\ntitle = "X"\ntypo = 1\n', "utf-8")
    result = running.next_build(2)
    assert not result.ok and any("feedsite.toml:3" in p and "typo" in p for p in result.problems)
    assert "Renamed Site" in read(running.site / "index.html")  # last good site kept
    write_entry(running.root, "a", "Edited while the config is broken")
    assert not running.next_build(3).ok  # still broken: the config is read again each time
    config.write_text('[site]\ntitle = "Good Again"\nbase_url = "https://example.org/"\n', "utf-8")
    assert running.next_build(4).ok
    text = read(running.site / "index.html")
    assert "Good Again" in text and "Edited while the config is broken" in text


def test_templates_folder_created_later_is_watched(running: Running) -> None:
    templates = running.root / "templates"
    templates.mkdir()
    running.next_build(1)
    wait_until(lambda: templates.resolve() in running.watcher.watched(), what="templates/ to be watched")
    count = running.watcher.builds
    (templates / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Custom not found</h1>{% endblock %}', "utf-8"
    )
    running.next_build(count)
    assert "Custom not found" in read(running.site / "404.html")


def test_temporary_names() -> None:
    for name in (".a.md.swp", "a.md~", ".#a.md", "4913", "a.md.swx", "#a.md#", "x.tmp"):
        assert is_temporary(name), name
    for name in ("a.md", "4914", "index.html", "feedsite.toml"):
        assert not is_temporary(name), name


def test_import_of_a_changed_seed(running: Running) -> None:
    importers = pytest.importorskip("feedsite.importers")
    if not hasattr(importers, "run_import"):
        pytest.skip("feedsite.importers.run_import is not there yet")
    seeds = running.root / "seeds"
    seeds.mkdir()
    running.next_build(1)
    wait_until(lambda: seeds.resolve() in running.watcher.watched(), what="seeds/ to be watched")
    count = running.watcher.builds
    (seeds / "story.txt").write_text(
        "A seeded headline\n\nDate: 2024-11-07T10:00:00+01:00\n\nThe first paragraph of the seeded story.\n",
        "utf-8",
    )
    wait_until(lambda: "A seeded headline" in read(running.site / "index.html"), what="the imported entry")
    wait_until(lambda: running.watcher.builds > count, what="the build count")


def _feedsite(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "feedsite", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_build_watch_command_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    make_project(tmp_path)
    proc = _feedsite("build", "--watch", cwd=tmp_path)
    try:
        assert proc.stdout is not None
        lines = []
        while not any("watching" in line for line in lines):
            line = proc.stdout.readline()
            assert line, "feedsite build --watch ended early"
            lines.append(line)
        assert any(line.startswith("built 1 entries") for line in lines)
        write_entry(tmp_path, "a", "Changed from outside")
        wait_until(lambda: "Changed from outside" in read(tmp_path / "site/index.html"), what="the rebuild")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "stopped" in out
