"""What `feedsite build`, `check` and `new` do, given a loaded config."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from feedsite.build import BuildOptions, BuildReport, build
from feedsite.config import SiteConfig
from feedsite.errors import FeedsiteError
from feedsite.content import load_entries
from feedsite.progress import Progress
from feedsite.urls import slugify


def summary_line(report: BuildReport) -> str:
    return (
        f"built {report.entries} entries: {report.written} files written, "
        f"{report.unchanged} unchanged, {report.removed} removed in {report.seconds:.2f} s"
    )


def run_build(config: SiteConfig, options: BuildOptions, out: TextIO, err: TextIO) -> BuildReport:
    bars: list[Progress] = []

    def stage(label: str, total: int) -> Callable[[int], None]:
        for bar in bars:  # one bar at a time: the previous stage is over
            bar.__exit__(None, None, None)
        bar = Progress(total, label, err)
        bars[:] = [bar.__enter__()]
        return bar.advance

    try:
        report = build(config, options, stage)
    finally:
        for bar in bars:
            bar.__exit__(None, None, None)
    print(summary_line(report), file=out)
    return report


def run_check(config: SiteConfig, out: TextIO, err: TextIO) -> int:
    entries = load_entries(config, {}, {})
    unpinned = [e for e in entries if not e.id_pinned]
    for entry in unpinned:
        print(f"{entry.path}: warning: no id; add `id: {entry.id}` so readers never see it twice", file=err)
    print(f"{len(entries)} entries OK ({len(unpinned)} without a pinned id)", file=out)
    return 0


def new_entry(config: SiteConfig, title: str, *, draft: bool = False, now: datetime | None = None) -> Path:
    """Write content/YYYY/MM/<slug>.md with a permanent id; never overwrites a file."""
    when = (now or datetime.now(config.tz)).astimezone(config.tz).replace(microsecond=0)
    title = " ".join(title.split())
    if not title:
        raise FeedsiteError("feedsite new: the title must not be empty")
    slug = slugify(title)
    import yaml

    meta: dict[str, object] = {"title": title, "date": when.isoformat(), "id": f"urn:uuid:{uuid.uuid4()}"}
    if draft:
        meta["draft"] = True
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    text = f"---\n{front}---\n\nWrite the story here.\n"
    folder = config.path("content") / f"{when:%Y}" / f"{when:%m}"
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        path = folder / (f"{slug}.md" if n == 1 else f"{slug}-{n}.md")
        if _create(path, text):
            return path
    raise FileExistsError(f"{folder}/{slug}-*.md: too many entries with this slug")


def _create(path: Path, text: str) -> bool:
    """Write text to path atomically unless path exists."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".new-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    try:
        os.link(tmp, path)  # fails if path exists: never overwrites
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(tmp)
