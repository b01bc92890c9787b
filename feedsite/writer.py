"""Writes the built site: staged, then committed in one journaled step; unchanged files untouched.

Every changed file is first written in full to a staging folder. Only when all of them are
there does a journal (COMMIT) name them, and then they are moved into place with os.replace and
stale files are removed. A build that fails or is killed before the journal leaves site/ as it
was; one killed after it is completed by the next run (recover()). No reader ever sees a
half-written file.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from feedsite.errors import BuildError, Problem
from feedsite.urls import is_inside

JOURNAL = "COMMIT"


@dataclass(frozen=True)
class Output:
    path: str  # site-relative file path, "/"-separated
    key: str  # a hash of everything that goes into the file
    render: Callable[[], bytes]


@dataclass(frozen=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int
    manifest: dict[str, tuple[str, int, int]]


def check_paths(outputs: Sequence[Output]) -> None:
    """Two outputs may not share a path, and none may leave the output folder."""
    seen: set[str] = set()
    problems = []
    for out in outputs:
        if not is_inside(out.path):
            problems.append(Problem(out.path, None, "would be written outside the output folder"))
        elif out.path in seen:
            problems.append(Problem(out.path, None, "two pages would be written to this path"))
        seen.add(out.path)
    if problems:
        raise BuildError(problems)


def recover(site: Path, staging: Path) -> None:
    """Finish a commit that was cut off, or throw away a staging folder that never committed."""
    journal = staging / JOURNAL
    if journal.is_file():
        try:
            plan = json.loads(journal.read_text("utf-8"))
            _apply(site, staging, plan["write"], plan["remove"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # an unreadable journal never committed anything we can trust: drop it
    shutil.rmtree(staging, ignore_errors=True)


def write_site(
    site: Path,
    staging: Path,
    outputs: Sequence[Output],
    manifest: dict[str, tuple[str, int, int]],
    tick: Callable[[], None] = lambda: None,
) -> WriteReport:
    check_paths(outputs)
    recover(site, staging)
    staging.mkdir(parents=True)
    changed: list[str] = []
    new_manifest: dict[str, tuple[str, int, int]] = {}
    try:
        for out in outputs:
            tick()
            target = site / out.path
            known = manifest.get(out.path)
            stat = _stat(target)
            if known and stat and known == (out.key, stat.st_size, stat.st_mtime_ns):
                new_manifest[out.path] = known
                continue
            data = out.render()
            if stat and stat.st_size == len(data) and target.read_bytes() == data:
                new_manifest[out.path] = (out.key, stat.st_size, stat.st_mtime_ns)
                continue
            staged = staging / out.path
            staged.parent.mkdir(parents=True, exist_ok=True)
            staged.write_bytes(data)
            changed.append(out.path)
            new_manifest[out.path] = (out.key, -1, -1)
        wanted = {out.path for out in outputs}
        stale = sorted(p for p in _existing(site) if p not in wanted)
        _commit(site, staging, changed, stale)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildError([Problem(str(exc.filename or site), None, f"cannot be written: {exc.strerror}")]) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for path in changed:
        stat = os.stat(site / path)
        new_manifest[path] = (new_manifest[path][0], stat.st_size, stat.st_mtime_ns)
    return WriteReport(len(changed), len(outputs) - len(changed), len(stale), new_manifest)


def _stat(path: Path) -> os.stat_result | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat if not path.is_dir() else None


def _existing(site: Path) -> list[str]:
    found = []
    for folder, _dirs, files in os.walk(site):
        rel = Path(folder).relative_to(site)
        found.extend((rel / name).as_posix() for name in files)
    return found


def _commit(site: Path, staging: Path, write: list[str], remove: list[str]) -> None:
    if not write and not remove:
        shutil.rmtree(staging, ignore_errors=True)
        return
    tmp = staging / (JOURNAL + ".tmp")
    tmp.write_text(json.dumps({"write": write, "remove": remove}), "utf-8")
    os.replace(tmp, staging / JOURNAL)
    _apply(site, staging, write, remove)
    shutil.rmtree(staging, ignore_errors=True)


def _apply(site: Path, staging: Path, write: list[str], remove: list[str]) -> None:
    for path in remove:
        try:
            (site / path).unlink()
        except FileNotFoundError:
            pass
        _prune(site, (site / path).parent)
    for path in write:
        staged = staging / path
        if not staged.exists():
            continue  # moved already by the run that was cut off
        target = site / path
        _make_folder(site, target.parent)
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(staged, target)


def _make_folder(site: Path, folder: Path) -> None:
    """mkdir -p, replacing a file that stands where a folder must go."""
    for parent in [*reversed(folder.relative_to(site).parents), folder.relative_to(site)]:
        place = site / parent
        if place.is_file() or place.is_symlink():
            place.unlink()
    folder.mkdir(parents=True, exist_ok=True)


def _prune(site: Path, folder: Path) -> None:
    """Remove folders left empty, up to (not including) the site folder."""
    while folder != site and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
