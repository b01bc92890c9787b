"""build(config) → BuildReport: load (new entries parsed and their Markdown rendered in one pass on
every core) → posts → plan → write, each stage timed.

The same full build runs every time (feedsite build, watch mode, the preview server); it is fast
because parsed entries, rendered Markdown, summaries and written files are memoized in the cache.
"""

from __future__ import annotations

import gc
import hashlib
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from feedsite.cache import Cache, code_fingerprint
from feedsite.config import SiteConfig
from feedsite.content import Entry
from feedsite.errors import BuildError, Problem
from feedsite.load import load_entries
from feedsite.pages import Theme
from feedsite.plan import plan_site
from feedsite.posts import make_posts, newest_first, tag_index
from feedsite.progress import Stages, no_stages
from feedsite.render import Bodies
from feedsite.summaries import Summaries
from feedsite.writer import Listing, write_site


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False
    use_cache: bool = True
    now: datetime | None = None  # what "in the future" is measured against; default: the clock


@dataclass
class BuildReport:
    entries: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


def published(entries: list[Entry], options: BuildOptions) -> list[Entry]:
    now = options.now or datetime.now(UTC)
    return [e for e in entries if (options.drafts or not e.draft) and (options.future or e.date <= now)]


def check_output_folder(config: SiteConfig) -> None:
    """site/ is emptied of files the build does not make: never let it be a folder we must keep."""
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
) -> BuildReport:
    """Build the whole site. Raises ContentError/BuildError; on error nothing is written."""
    report = BuildReport()
    clock = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.timings[name] = now - clock
        clock = now

    check_output_folder(config)
    cache = Cache(config.path("cache") if options.use_cache else None)
    collecting = gc.isenabled()
    gc.disable()  # loading and planning make many objects and no cycles: a collector only slows them
    try:
        theme = Theme(config, config.path("cache") / "templates" if options.use_cache else None)
        bodies = Bodies(config, cache, stages)  # new entries' Markdown is rendered as they load
        entries = newest_first(published(load_entries(config, cache, bodies, stages), options))
        report.entries = len(entries)
        stage("load")
        bodies.complete(entries)  # entries come without their Markdown: `along` had it in the workers
        posts = make_posts(config, entries, bodies, tag_index(entries))
        stage("markdown")
        salt = _salt(config, theme)
        outputs = plan_site(config, theme, posts, salt)
        summaries = Summaries(theme, cache, salt)
        stage("plan")
        gc.freeze()  # what is made so far lives to the end: the collector need not look at it again
        if collecting:
            gc.enable()
        step = stages("Writing pages", len(outputs))
        manifest, listing = cache.manifest(), cache.get_blob("listing")
        written = write_site(
            config.path("output"),
            config.path("cache") / "staging",
            outputs,
            manifest,
            lambda: step(1),
            listing=listing if isinstance(listing, Listing) else None,
            prepare=lambda count: summaries.prepare(posts, count),
        )
        summaries.save()
        cache.set_manifest(written.manifest, manifest)
        if written.listing != listing:
            cache.put_blob("listing", written.listing)
        report.written, report.unchanged, report.removed = written.written, written.unchanged, written.removed
        stage("write")
    finally:
        gc.unfreeze()
        if collecting:
            gc.enable()
        cache.close()
    return report


def _salt(config: SiteConfig, theme: Theme) -> str:
    """Everything every page depends on: feedsite's code, the config and the templates."""
    settings = repr(replace(config, root=Path(".")))
    return hashlib.sha256(f"{code_fingerprint()}\0{settings}\0{theme.fingerprint()}".encode()).hexdigest()
