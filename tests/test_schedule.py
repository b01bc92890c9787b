"""Issue 14, item 10: schedules that keep themselves. A build says when the next scheduled entry goes
live, `feedsite next` prints it alone, and watch mode and the preview server build again at that
moment. Time is an injected clock here, moved by the test: nothing sleeps until a date comes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import write
from preview_helpers import TIMEOUT, Streams, get

from feedsite.build import BuildOptions, build
from feedsite.cli import main
from feedsite.config import load_config
from feedsite.preview.server import PreviewServer
from feedsite.preview.watch import BuildResult, Watcher

CONFIG = '[site]\ntitle = "T"\nbase_url = "https://example.org/"\ntimezone = "Europe/Rome"\n'
SOON = datetime.fromisoformat("2030-01-01T09:00:00+01:00")


def entry(root: Path, slug: str, date: str, draft: bool = False) -> None:
    flag = "draft: true\n" if draft else ""
    text = f"---\ntitle: Story {slug}\ndate: {date}\nid: urn:x:{slug}\n{flag}---\nBody of {slug}.\n"
    write(root / "content" / f"{slug}.md", text)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path / "feedsite.toml", CONFIG)
    entry(tmp_path, "now", "2024-11-08T09:00:00+01:00")
    entry(tmp_path, "soon", SOON.isoformat())
    entry(tmp_path, "later", "2030-02-01T09:00:00+01:00")
    entry(tmp_path, "draft", "2029-06-01T09:00:00+02:00", draft=True)
    return tmp_path


class Clock:
    """A clock the test moves; thread-safe, as the watcher reads it from its own thread."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, now: datetime) -> None:
        with self._lock:
            self._now = now


def test_a_build_reports_the_next_scheduled_change(project: Path) -> None:
    config = load_config(project)
    before = datetime(2025, 1, 1, tzinfo=UTC)
    assert build(config, BuildOptions(now=before)).next_change == SOON
    assert build(config, BuildOptions(now=before, drafts=True)).next_change == datetime.fromisoformat(
        "2029-06-01T09:00:00+02:00"
    )
    assert build(config, BuildOptions(now=before, future=True)).next_change is None  # all shown
    assert build(config, BuildOptions(now=SOON)).next_change == datetime.fromisoformat(
        "2030-02-01T09:00:00+01:00"
    )
    assert build(config, BuildOptions(now=SOON + timedelta(days=60))).next_change is None


def test_build_prints_it_and_next_prints_it_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "feedsite.toml", CONFIG)
    entry(tmp_path, "now", "2024-11-08T09:00:00+01:00")
    assert main(["-C", str(tmp_path), "next"]) == 0
    assert capsys.readouterr().out == ""  # nothing scheduled
    assert main(["-C", str(tmp_path), "build"]) == 0
    assert "next scheduled change" not in capsys.readouterr().out
    entry(tmp_path, "far", "2999-01-01T08:00:00+01:00")
    assert main(["-C", str(tmp_path), "build"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("built 1 entries") and lines[1:] == [
        "next scheduled change: 2999-01-01T08:00:00+01:00"
    ]
    assert main(["-C", str(tmp_path), "next"]) == 0
    assert capsys.readouterr().out == "2999-01-01T08:00:00+01:00\n"
    assert not (tmp_path / "site/2999").exists()


@pytest.fixture
def clock() -> Clock:
    return Clock(SOON - timedelta(hours=1))


@pytest.fixture
def watcher(project: Path, clock: Clock) -> Iterator[tuple[Watcher, list[BuildResult], Streams]]:
    streams, results = Streams(), []
    running = Watcher(
        load_config(project), BuildOptions(), streams.out, streams.err, on_result=results.append, clock=clock
    )
    running.start()
    assert running.wait_for_build(1, TIMEOUT) and results[0].ok, streams.err.text()
    yield running, results, streams
    running.stop()


def test_watch_builds_again_when_a_scheduled_entry_is_due(
    project: Path, clock: Clock, watcher: tuple[Watcher, list[BuildResult], Streams]
) -> None:
    running, results, streams = watcher
    page = project / "site/2030/01/soon/index.html"
    assert not page.exists() and running.due == SOON
    assert "next scheduled change: 2030-01-01T09:00:00+01:00" in streams.out.text()
    clock.set(SOON - timedelta(seconds=1))
    running.wake()
    assert not running.wait_for_build(2, 0.5), "built before its time"
    clock.set(SOON)
    running.wake()
    assert running.wait_for_build(2, TIMEOUT), "no build when the scheduled time came"
    assert results[1].ok and results[1].changed and page.is_file()
    assert running.due == datetime.fromisoformat("2030-02-01T09:00:00+01:00")  # the next one
    assert not (project / "site/2030/02").exists()


def test_serve_publishes_a_scheduled_entry_on_time(project: Path, clock: Clock) -> None:
    streams = Streams()
    server = PreviewServer(
        load_config(project), BuildOptions(), "127.0.0.1", 0, streams.out, streams.err, clock=clock
    )
    server.start(wait=TIMEOUT)
    try:
        assert get(server.port, "/2030/01/soon/")[0] == 404
        clock.set(SOON + timedelta(minutes=1))
        server.watcher.wake()
        assert server.watcher.wait_for_build(2, TIMEOUT)
        status, _, body = get(server.port, "/2030/01/soon/")
        assert status == 200 and b"Body of soon." in body
    finally:
        server.stop()
