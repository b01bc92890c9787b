"""Watch mode: watchdog events → wait for the files to settle → the same full build() as `feedsite build`.

A burst of events (an editor's save-via-rename, a `git checkout` of many files) gives one build once
the files are quiet. Builds run on one worker thread, never two at once; a change during a build
schedules exactly one more. Errors are reported and never stop the watcher: site/ keeps the last good
build, because a failed build writes nothing. An entry dated in the future goes live by itself: each
build says when the next one is due (BuildReport.next_change), and the watcher builds again then, on
a clock it is given (tests give their own, and move it instead of sleeping).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from watchdog.events import (
    DirDeletedEvent,
    DirMovedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from feedsite.build import BuildOptions, BuildReport, Session, build
from feedsite.cli import schedule_line, search_line, summary_line
from feedsite.config import CONFIG_NAME, SiteConfig, load_config
from feedsite.errors import FeedsiteError
from feedsite.preview.events import EVENTS, SOURCE_FOLDERS, is_temporary
from feedsite.preview.seeds import import_seeds
from feedsite.search import index_site


@dataclass(frozen=True)
class BuildResult:
    """What one watch-mode build did: ok, or the problems (each `path:line: message`)."""

    number: int
    ok: bool
    problems: list[str] = field(default_factory=list)
    report: BuildReport | None = None

    @property
    def changed(self) -> bool:
        """Did the build write or remove any file in site/?"""
        return self.report is not None and (self.report.written + self.report.removed) > 0


Listener = Callable[[BuildResult], None]
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.watcher._event(event)


class Watcher:
    """Watches a project and rebuilds it; start()/stop() from any thread, no signal handling.

    on_result is called on the worker thread after each build. `builds` counts finished builds
    (the first one, started by start(), included); wait_for_build() lets callers wait on it.
    """

    SETTLE = 0.1  # seconds of quiet before a build: an editor's save or a checkout is one change
    MAX_WAIT = 2.0  # ... but a never-ending stream of changes still gets a build this often
    MAX_SLEEP = 30.0  # look at the clock at least this often while waiting for a scheduled time

    def __init__(
        self,
        config: SiteConfig,
        options: BuildOptions,
        out: TextIO,
        err: TextIO,
        on_result: Listener | None = None,
        settle: float = SETTLE,
        max_wait: float = MAX_WAIT,
        output: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        fixed = options.now
        # "now" for builds and the schedule: the clock given, else the options' fixed time, else the system's
        self.clock: Clock = clock or ((lambda: fixed) if fixed is not None else system_clock)
        self.due: datetime | None = None  # when the next scheduled entry goes live: build then
        self.output = output  # build here instead of paths.output (a preview with drafts)
        self._use(config)
        self.options = options
        self.out, self.err = out, err
        self.listeners: list[Listener] = [on_result] if on_result else []
        self.settle, self.max_wait = settle, max_wait
        self.builds = 0
        self.last: BuildResult | None = None
        self._cond = threading.Condition()
        self._dirty = False
        self._building = False
        self._stopped = False
        self._first = self._last = 0.0
        self._seeds: set[Path] = set()
        self._config_changed = False
        self._config_bad = False
        self._unindexed = False  # pages changed since search last indexed them
        self._observer: BaseObserver | None = None
        self._watches: dict[Path, ObservedWatch] = {}
        self._worker: threading.Thread | None = None
        self._root = config.root.resolve()
        self.session = Session()  # the memo store stays open, its values in memory, between builds

    # -- life cycle -----------------------------------------------------------------------
    def start(self, build_first: bool = True) -> Watcher:
        """Watch the project, then (by default) build at once, without waiting for a change."""
        self._observer = Observer()
        self._observer.schedule(_Handler(self), str(self._root), recursive=False, event_filter=EVENTS)
        self._schedule_folders()
        self._observer.start()
        with self._cond:
            self._dirty = build_first
            self._first = self._last = time.monotonic() - self.max_wait  # no settle delay for the first
        self._worker = threading.Thread(target=self._run, name="feedsite-watch", daemon=True)
        self._worker.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._worker is not None and self._worker is not threading.current_thread():
            self._worker.join(timeout=30)  # let a running build finish its commit
        self.session.close()

    def __enter__(self) -> Watcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_for_build(self, count: int, timeout: float | None = None) -> bool:
        """Wait until `count` builds have finished; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self.builds >= count, timeout)

    def wake(self) -> None:
        """Look at the clock again now (after it was moved, or the system clock jumped)."""
        with self._cond:
            self._cond.notify_all()

    def idle(self) -> bool:
        """No build running and none pending."""
        with self._cond:
            return not self._dirty and not self._building

    def watched(self) -> list[Path]:
        return sorted(self._watches)

    # -- events ---------------------------------------------------------------------------
    def _use(self, config: SiteConfig) -> None:
        """Take a (re)loaded config, and the resolved folders the event filter compares against."""
        if self.output is not None:
            config = replace(config, output_dir=self.output)
        self.config = config
        self._folders = {name: config.path(name).resolve() for name in SOURCE_FOLDERS}
        self._folder_names = {config.path(name).name for name in SOURCE_FOLDERS}
        self._ignored = (config.path("output").resolve(), config.path("cache").resolve())

    def _schedule_folders(self) -> None:
        assert self._observer is not None
        wanted = {p for p in self._folders.values() if p.is_dir()}
        for path in list(self._watches):
            if path not in wanted:
                with contextlib.suppress(KeyError, OSError):  # its inotify watch may have gone with it
                    self._observer.unschedule(self._watches.pop(path))
        for path in wanted - set(self._watches):
            try:
                handler = _Handler(self)
                self._watches[path] = self._observer.schedule(
                    handler, str(path), recursive=True, event_filter=EVENTS
                )
            except OSError as exc:  # e.g. out of inotify watches: say so, keep going
                print(f"{path}: cannot be watched: {exc.strerror or exc}", file=self.err, flush=True)

    def _classify(self, raw: bytes | str) -> tuple[str, Path] | None:
        """("config" | "folder" | a SOURCE_FOLDERS name, path) for an event path we care about."""
        if not raw:
            return None
        path = Path(os.fsdecode(raw))
        if any(path == i or i in path.parents for i in self._ignored):
            return None
        if path.parent == self._root:
            if path.name == CONFIG_NAME:
                return "config", path
            if path.name in self._folder_names:
                return "folder", path
        for name, folder in self._folders.items():
            if folder in path.parents:
                rel = path.relative_to(folder).parts
                if any(is_temporary(part) for part in rel):
                    return None
                return name, path
        return None

    def _event(self, event: FileSystemEvent) -> None:
        hits = [self._classify(event.src_path)]
        if isinstance(event, (FileMovedEvent, DirMovedEvent)):
            hits.append(self._classify(event.dest_path))
        found = [hit for hit in hits if hit is not None]
        if not found:
            return
        with self._cond:
            for kind, path in found:
                if kind == "config":
                    self._config_changed = True
                elif kind == "folder":
                    self._config_changed = True  # re-schedule watches (cheap) on the next cycle
                elif kind == "seeds" and not isinstance(event, (FileDeletedEvent, DirDeletedEvent)):
                    self._seeds.add(path)
            now = time.monotonic()
            if not self._dirty:
                self._first = now
            self._dirty = True
            self._last = now
            self._cond.notify_all()

    # -- the worker -----------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._wait_for_quiet():
                    return
                seeds, self._seeds = self._seeds, set()
                reload_config = self._config_changed or self._config_bad
                self._config_changed = False
                self._dirty = False
                self._building = True
            try:
                result = self._cycle(seeds, reload_config)
            except Exception as exc:  # never let the worker die
                traceback.print_exc(file=self.err)
                result = BuildResult(self.builds + 1, False, [f"feedsite: internal error: {exc!r}"])
            with self._cond:
                self._building = False
                self.due = result.report.next_change if result.ok and result.report else None
                self.builds = result.number
                self.last = result
                self._cond.notify_all()
            for listener in self.listeners:
                try:
                    listener(result)
                except Exception:  # a listener's bug must not stop the watcher
                    traceback.print_exc(file=self.err)
            if result.ok and result.report is not None:
                self._index(result.report)

    def _index(self, report: BuildReport) -> None:
        """Index the site for search, as `feedsite build` does, once the browser has its reload; a
        change meanwhile stops Pagefind (the next build indexes again), so it never delays a preview."""
        index = self.config.path("output") / "pagefind"
        self._unindexed |= bool(report.written or report.removed) or not index.is_dir()
        if not self.config.search_enabled or not self._unindexed:
            return
        try:
            seconds = index_site(self.config, stop=lambda: self._dirty or self._stopped)
        except FeedsiteError as exc:
            self._failed(self.builds, [str(p) for p in exc.problems], "search index")
            return
        except Exception as exc:  # a bug or a disk error must not end the preview
            self._failed(self.builds, [f"feedsite: search index: {exc!r}"], "search index")
            return
        if seconds is not None:
            self._unindexed = False
            print(search_line(self.config, seconds), file=self.out, flush=True)

    def _wait_for_quiet(self) -> bool:
        """Wait (holding the lock) for a change and then for settle seconds of quiet; False: stop."""
        while not self._stopped:
            if not self._dirty and self.due is not None:
                left = (self.due - self.clock()).total_seconds()
                if left > 0:
                    self._cond.wait(min(left, self.MAX_SLEEP))
                    continue
                self.due = None  # its time has come: build at once, no settling
                self._dirty = True
                self._first = self._last = time.monotonic() - self.max_wait
            if not self._dirty:
                self._cond.wait()
                continue
            now = time.monotonic()
            wake = min(self._last + self.settle, self._first + self.max_wait)
            if now >= wake:
                return True
            self._cond.wait(wake - now)
        return False

    def _cycle(self, seeds: set[Path], reload_config: bool) -> BuildResult:
        number = self.builds + 1
        problems: list[str] = []
        if reload_config:
            try:
                self._use(load_config(self.config.root))
                self._config_bad = False
            except FeedsiteError as exc:
                self._config_bad = True
                return self._failed(number, [str(p) for p in exc.problems], "feedsite.toml")
            with self._cond:
                if not self._stopped and self._observer is not None:
                    self._schedule_folders()
        if seeds:
            problems += import_seeds(self.config, seeds, self.out, self.err)
        try:
            options = replace(self.options, wait=60, now=self.clock())
            report = build(self.config, options, session=self.session)
        except FeedsiteError as exc:
            return self._failed(number, problems + [str(p) for p in exc.problems])
        except Exception as exc:  # a bug must not end the preview: report it like a build error
            traceback.print_exc(file=self.err)
            return self._failed(number, [*problems, f"feedsite: internal error: {exc!r}"])
        if problems:
            return self._failed(number, problems, report=report)
        print(summary_line(report), file=self.out, flush=True)
        for warning in report.warnings:
            print(warning, file=self.err, flush=True)
        if report.next_change is not None:
            print(schedule_line(report.next_change), file=self.out, flush=True)
        return BuildResult(number, True, [], report)

    def _failed(
        self, number: int, problems: list[str], what: str = "build", report: BuildReport | None = None
    ) -> BuildResult:
        for line in problems:
            print(line, file=self.err)
        count, s = len(problems), "s" if len(problems) != 1 else ""
        print(f"{what} failed: {count} error{s}; the last good site is kept", file=self.err, flush=True)
        return BuildResult(number, False, problems, report)


def watch_forever(config: SiteConfig, options: BuildOptions, out: TextIO, err: TextIO) -> int:
    """`feedsite build --watch`: build, then rebuild on every change until Ctrl-C (exit 0)."""
    watcher = Watcher(config, options, out, err)
    try:
        watcher.start()
        watcher.wait_for_build(1)
        shown = ", ".join(f"{_shown(p, watcher._root)}/" for p in watcher.watched())
        print(f"watching {shown or 'nothing yet'} and {CONFIG_NAME} (Ctrl-C to stop)", file=out, flush=True)
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
    print("stopped", file=out, flush=True)
    return 0


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
