"""build(config) → BuildReport: the five stages in order, each timed.

    load (content/ → entries) → render (entries → posts) → plan (posts → outputs) → write (site/)

The same full build runs every time (`feedsite build`, watch mode, the preview server). Its speed
comes from memoization, and build.py is the only module that opens the memo layer: each stage is
handed plain mappings that may hold what an earlier build made, and never knows whether they do.
With `--no-cache` the same stages run on empty ones.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from feedsite import __version__
from feedsite.config import SiteConfig
from feedsite.content import Entry
from feedsite.errors import BuildError, Problem
from feedsite.loading import load_entries
from feedsite.memo import Memos, open_store, spread
from feedsite.memo.templates import compiled_templates
from feedsite.outputs import plan_site
from feedsite.posts import Post, newest_first, render_posts
from feedsite.theme import Theme
from feedsite.urlmemory import Memory, load_memory, remember, save_memory, shown
from feedsite.writer import site_lock, write_site

T = TypeVar("T")
# What a long stage reports to: stages(label, total) gives the function to call with each step done.
Stages = Callable[[str, int], Callable[[int], None]]
# What the memo layer hands the stages: parsed entries and the files they came from (load),
# rendered Markdown (render), the batches planned (plan), the files written (write).
MEMOS = ("entries", "files", "markdown", "plans", "stamps")
# Modules that cannot change what a build writes: editing them keeps the cache.
NOT_IN_OUTPUT = frozenset(
    {"importers", "preview", "cli.py", "scaffold.py", "__main__.py", "ping.py", "feedlint.py"}
)


def settle_collector() -> None:
    """Before the collector runs again: move what the build made (it ran without one) to the oldest
    generation, with the counts reset, so that the next allocation does not walk all of it (about
    0.1 s at 10,000 entries); its cycles, if any, go at the next full collection as usual."""
    if gc.get_freeze_count() == 0:  # nobody else froze anything that unfreeze() would thaw
        gc.freeze()
        gc.unfreeze()


def no_stages(label: str, total: int) -> Callable[[int], None]:
    return lambda steps: None


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False
    use_cache: bool = True
    now: datetime | None = None  # what "in the future" is measured against; default: the clock
    wait: float = 0.0  # seconds to wait for another build to finish before giving up


@dataclass
class BuildReport:
    entries: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    next_change: datetime | None = None  # when the site next changes by itself (a scheduled entry)
    warnings: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


class Session:
    """What a long-running process (watch mode, the preview server) keeps from one build to the
    next: the open memo store, whose values stay in memory."""

    def __init__(self) -> None:
        self.stores: dict[tuple[Path, str], Any] = {}

    def store(self, folder: Path) -> Any:
        key = (folder, code_fingerprint())
        if key not in self.stores:
            self.stores[key] = open_store(folder, code_fingerprint())
        return self.stores[key]

    def close(self) -> None:
        for store in self.stores.values():
            store.close()
        self.stores.clear()


@functools.cache
def code_fingerprint() -> str:
    """feedsite's version and its own code: a new release or a local patch invalidates everything."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).parent
    for file in sorted(package.rglob("*.py")):
        if file.relative_to(package).parts[0] not in NOT_IN_OUTPUT:
            digest.update(file.relative_to(package).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def published(entries: list[Entry], options: BuildOptions) -> list[Entry]:
    now = options.now or datetime.now(UTC)
    return [e for e in entries if (options.drafts or not e.draft) and (options.future or e.date <= now)]


def next_change(entries: Iterable[Entry], options: BuildOptions) -> datetime | None:
    """When the site next changes by itself: the time of the next entry dated in the future (the
    news sitemap's 48 hours are counted from the newest entry, so they move only then too).
    None when there is none, or with --future (every entry is shown already)."""
    if options.future:
        return None
    now = options.now or datetime.now(UTC)
    return min((e.date for e in entries if e.date > now and (options.drafts or not e.draft)), default=None)


def next_scheduled(config: SiteConfig, options: BuildOptions = BuildOptions()) -> datetime | None:
    """next_change without building (`feedsite next`): reads the entries, through the cache when it
    holds them, and writes nothing."""
    store = open_store(config.path("cache") if options.use_cache else None, code_fingerprint())
    try:
        everything, _bodies = load_entries(config, Memos(store).view("entries"), {}, spread)
    finally:
        store.close()
    return next_change(everything, options)


def remember_urls(
    config: SiteConfig, before: Memory, posts: list[Post], now: datetime, report: BuildReport
) -> None:
    """After a successful write: remember where each published entry is (never a draft, nor one
    dated after now, even in a build with --drafts or --future: those are not published yet)."""
    memory = remember(
        before, ((p.entry.id, p.path) for p in posts if not p.entry.draft and p.entry.date <= now)
    )
    try:
        save_memory(config, memory, before)
    except OSError as exc:  # the site is written: say so, and try again next build
        report.warnings.append(
            f"{shown(config)}: cannot be written ({exc.strerror}): the site is built, but a later "
            "change of an entry's address will not redirect from this one"
        )


def check_output_folder(config: SiteConfig) -> None:
    """The output folder is the writer's: it must not be the project or hold its sources."""
    out = config.path("output").resolve()
    keep = [config.root.resolve()] + [
        config.path(n).resolve() for n in ("content", "templates", "static", "seeds")
    ]
    if any(out == k or out in k.parents for k in keep):
        raise BuildError(
            [Problem("feedsite.toml", None, "paths.output must not hold the project or its sources")]
        )


def build(
    config: SiteConfig,
    options: BuildOptions = BuildOptions(),
    stages: Stages = no_stages,
    session: Session | None = None,
) -> BuildReport:
    """Build the whole site. Raises ContentError/BuildError; on error nothing is written."""
    check_output_folder(config)
    report = BuildReport()
    options = replace(options, now=options.now or datetime.now(UTC))  # one "now" for the whole build
    assert options.now is not None

    def timed(name: str, run: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        start = time.perf_counter()
        result = run(*args, **kwargs)
        report.timings[name] = time.perf_counter() - start
        return result

    folder = config.path("cache") if options.use_cache else None
    own = session is None or folder is None
    store = (
        session.store(folder)
        if session is not None and folder is not None
        else open_store(folder, code_fingerprint())
    )
    collecting = gc.isenabled()
    gc.disable()  # a build makes many objects and no cycles to speak of: a collector only slows it
    try:
        with site_lock(config.path("output"), wait=options.wait):
            memos = Memos(store)
            memo = timed("memo", lambda: {name: memos.view(name) for name in MEMOS})
            everything, bodies = timed(
                "load", load_entries, config, memo["entries"], memo["files"], spread, report.warnings
            )
            entries = newest_first(published(everything, options))
            report.entries = len(entries)
            report.next_change = next_change(everything, options)
            urls = load_memory(config)
            rendered, html = memo["markdown"], memos.lazy("html", follows="markdown")
            posts = timed("render", render_posts, config, entries, bodies, rendered, spread, html)
            theme = Theme(config.root, config.path("templates"), compiled_templates(store))
            salt = hashlib.sha256(f"{code_fingerprint()}\0{theme.fingerprint}".encode()).hexdigest()
            outputs = timed("plan", plan_site, config, theme, posts, salt, urls, memo["plans"])
            step = stages("Writing pages", len(outputs))
            written = timed(
                "write",
                write_site,
                config.path("output"),
                outputs,
                memo["stamps"],
                spread=spread,
                tick=step,
                prepare=theme.load,
            )
            remember_urls(config, urls, posts, options.now, report)
            memos.save()
        report.written, report.unchanged, report.removed = written.written, written.unchanged, written.removed
    finally:
        if collecting:
            settle_collector()
            gc.enable()
        if own:
            store.close()
    return report
