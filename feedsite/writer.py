"""Writes the built site: staged, then committed in one journaled step; unchanged files untouched.

Every changed file is first written in full to a staging folder. Only when all of them are
there does a journal (COMMIT) name them, and then they are moved into place with os.replace and
stale files are removed. When there is no site yet (or an empty folder), the whole site is staged
as a tree and moved into place with one rename. A build that fails or is killed before the journal
leaves site/ as it was; one killed after it is completed by the next run (recover()). No reader ever
sees a half-written file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from stat import S_ISDIR

from feedsite.errors import BuildError, Problem
from feedsite.memo.parallel import chunks  # TEMPORARY until the writer branch merges
from feedsite.urls import is_inside, is_plain

JOURNAL = "COMMIT"
TREE = "site"  # in staging: the whole site, when there was none before


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
    listing: Listing = field(default_factory=lambda: Listing())


def check_paths(outputs: Sequence[Output]) -> None:
    """Two outputs may not share a path, and none may leave the output folder."""
    seen: set[str] = set()
    problems = []
    for out in outputs:
        if not ((out.path and is_plain(out.path)) or is_inside(out.path)):  # the first: cheap
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
            if plan.get("tree"):
                _move_tree(site, staging / TREE)
            else:
                _apply(site, staging, plan["write"], plan["remove"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # an unreadable journal never committed anything we can trust: drop it
    shutil.rmtree(staging, ignore_errors=True)


PARALLEL_AT = 200  # fewer pages to render than this render in this process


@dataclass
class Listing:
    """What site/ held after the last build: its folders' mtimes, to list only folders that changed.

    A folder whose mtime is as recorded holds the same names as then (POSIX updates a folder's mtime
    whenever a name in it is added, removed or renamed). Folders changed just before recording are
    not recorded, as a change within the same timestamp tick would go unseen.
    """

    token: str = ""  # which manifest the folders belong to
    folders: dict[str, int] = field(default_factory=dict)  # "" or "a/b" → ctime_ns


def _old_write_site(
    site: Path,
    staging: Path,
    outputs: Sequence[Output],
    manifest: dict[str, tuple[str, int, int]],
    tick: Callable[[], None] = lambda: None,
    *,
    listing: Listing | None = None,
    prepare: Callable[[int], None] = lambda count: None,
) -> WriteReport:
    """Write outputs to site, skipping the unchanged; many pages to render render on every core.

    prepare(count) is called before count (> 0) outputs render. The report's listing (in .listing)
    is what to pass to the next build with its manifest.
    """
    check_paths(outputs)
    recover(site, staging)
    staging.mkdir(parents=True)
    new_manifest: dict[str, tuple[str, int, int]] = {}
    try:
        tree = _is_empty(site)
        todo: list[int] = []
        root = str(site)
        for index, out in enumerate(outputs):
            known = manifest.get(out.path)
            stat = None if tree else _stat(f"{root}/{out.path}")
            if known and stat and known == (out.key, stat.st_size, stat.st_ctime_ns):
                new_manifest[out.path] = known
                tick()
            else:
                todo.append(index)
        if todo:
            prepare(len(todo))
        changed: list[str] = []
        staged: list[tuple[str, str]] = []  # (name in staging, site path)
        run = f"{os.getpid()}-{time.time_ns()}-"  # names no other (killed, orphaned) run can use
        job = partial(_render_and_stage, site, staging / TREE if tree else staging, run, outputs, todo)
        done = 0
        for count, part in chunks(job, len(todo), at_least=PARALLEL_AT):
            for index, (path, key, size, mtime, fresh) in zip(todo[done : done + count], part, strict=True):
                new_manifest[path] = (key, size, mtime)
                if fresh:
                    changed.append(path)
                    staged.append((run + str(index), path))
            done += count
            for _ in range(count):
                tick()
        old = listing if listing is not None and listing.token == _token(manifest) else Listing()
        files, seen = _existing(site, old, manifest)
        wanted = {out.path for out in outputs}
        stale = sorted(p for p in files if p not in wanted)
        _commit(site, staging, staged, stale, tree=tree)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        where = str(exc.filename or site)
        raise BuildError([Problem(where, None, f"cannot be written: {exc.strerror}")]) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for path in changed:
        key, size, _ = new_manifest[path]
        if size < 0:  # moved into place on its own, which changed its ctime: ask again
            stat = os.stat(site / path)
            new_manifest[path] = (key, stat.st_size, stat.st_ctime_ns)
    new_manifest = {out.path: new_manifest[out.path] for out in outputs}
    report = WriteReport(len(changed), len(outputs) - len(changed), len(stale), new_manifest)
    report.listing.token = _token(new_manifest)
    report.listing.folders = _record(site, seen, [*changed, *stale])
    return report


def _render_and_stage(
    site: Path, staging: Path, run: str, outputs: Sequence[Output], todo: list[int], start: int, stop: int
) -> list[tuple[str, str, int, int, bool]]:
    """Render outputs[todo[start:stop]]; stage those whose bytes changed, in order: (path, key,
    size, ctime, staged), size -1 where the ctime is only known once the file is in place.

    Staged files go flat into staging (no folders to make and remove) or, when staging is a TREE,
    to their own paths in it (the whole tree moves in with one rename: the files keep their ctime)."""
    tree = staging.name == TREE
    made: set[str] = set()
    results = []
    top = str(staging)  # paths joined as strings: pathlib would cost more than the writing itself
    for index in todo[start:stop]:
        out = outputs[index]
        data = out.render()
        if tree:
            folder = out.path.rpartition("/")[0]
            if folder not in made:
                try:
                    os.mkdir(f"{top}/{folder}")  # an entry's own folder: its parent is nearly always there
                except OSError:
                    os.makedirs(f"{top}/{folder}", exist_ok=True)  # safe against the other workers
                made.add(folder)
            made_file = _write(f"{top}/{out.path}", data)
            results.append((out.path, out.key, made_file.st_size, made_file.st_ctime_ns, True))
            continue
        target = f"{site}/{out.path}"
        stat = _stat(target)
        if stat and stat.st_size == len(data) and _read(target) == data:
            results.append((out.path, out.key, stat.st_size, stat.st_ctime_ns, False))
            continue
        _write(f"{top}/{run}{index}", data)
        results.append((out.path, out.key, -1, -1, True))
    return results


def _write(path: str, data: bytes) -> os.stat_result:
    """A new file with data (os-level: a quarter quicker than Path.write_bytes for many small files)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        return os.fstat(fd)
    finally:
        os.close(fd)


def _read(path: str) -> bytes:
    with open(path, "rb") as file:
        return file.read()


def _is_empty(site: Path) -> bool:
    """No site yet, or an empty folder (not a link to one): the whole site can be moved in at once."""
    if site.is_symlink():
        return False
    try:
        with os.scandir(site) as items:
            return next(items, None) is None
    except FileNotFoundError:
        return True
    except NotADirectoryError:
        return False


def _stat(path: Path | str) -> os.stat_result | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return None if S_ISDIR(stat.st_mode) else stat


def _token(manifest: dict[str, tuple[str, int, int]]) -> str:
    return hashlib.sha256("\0".join(sorted(manifest)).encode()).hexdigest()


def _existing(
    site: Path, listing: Listing, manifest: dict[str, tuple[str, int, int]]
) -> tuple[list[str], dict[str, int]]:
    """Every file in site (site-relative) and the mtime of every folder, listing only changed folders."""
    files: list[str] = []
    seen: dict[str, int] = {}
    known_files: dict[str, list[str]] = {}
    known_dirs: dict[str, list[str]] = {}
    if listing.folders:
        for path in manifest:
            known_files.setdefault(path.rpartition("/")[0], []).append(path)
        for folder in listing.folders:
            if folder:
                known_dirs.setdefault(folder.rpartition("/")[0], []).append(folder)

    root = str(site)

    def visit(rel: str) -> None:
        folder = f"{root}/{rel}" if rel else root
        try:
            stat = os.stat(folder, follow_symlinks=False)
        except OSError:
            return
        if not S_ISDIR(stat.st_mode):
            return
        seen[rel] = stat.st_ctime_ns
        if listing.folders.get(rel) == stat.st_ctime_ns:
            files.extend(known_files.get(rel, ()))
            for sub in known_dirs.get(rel, ()):
                visit(sub)
            return
        with os.scandir(folder) as items:
            for item in items:
                name = f"{rel}/{item.name}" if rel else item.name
                if item.is_dir(follow_symlinks=False):
                    visit(name)
                elif not item.is_symlink() or not item.is_dir():
                    files.append(name)

    visit("")
    return files, seen


def _record(site: Path, seen: dict[str, int], touched: list[str]) -> dict[str, int]:
    """Folder mtimes after the commit (which changed those holding a touched path), less the too
    recent and the folders above them."""
    again: set[str] = set()
    for path in touched:
        folder = path.rpartition("/")[0]
        while folder not in again:
            again.add(folder)
            if not folder:
                break
            folder = folder.rpartition("/")[0]
    folders = {folder: mtime for folder, mtime in seen.items() if folder not in again}
    for folder in again:
        try:
            stat = os.stat(site / folder, follow_symlinks=False)
        except OSError:
            continue
        if S_ISDIR(stat.st_mode):
            folders[folder] = stat.st_ctime_ns
    now = time.time_ns()
    recent = [
        folder
        for folder, mtime in folders.items()
        if mtime >= now - (2_000_000_000 if mtime % 1_000_000_000 == 0 else 100_000_000)
    ]
    # A folder left out is listed afresh next time, and so must be every folder above it: a folder
    # taken as listed is only gone into through the subfolders recorded under it.
    for folder in recent:
        while True:
            folders.pop(folder, None)
            if not folder:
                break
            folder = folder.rpartition("/")[0]
    return folders


def _commit(
    site: Path, staging: Path, write: list[tuple[str, str]], remove: list[str], *, tree: bool = False
) -> None:
    if not write and not remove:
        shutil.rmtree(staging, ignore_errors=True)
        return
    tmp = staging / (JOURNAL + ".tmp")
    plan = {"tree": True} if tree else {"write": write, "remove": remove}
    tmp.write_text(json.dumps(plan), "utf-8")
    os.replace(tmp, staging / JOURNAL)
    if tree:
        _move_tree(site, staging / TREE)
    else:
        _apply(site, staging, write, remove)
    shutil.rmtree(staging, ignore_errors=True)


def _move_tree(site: Path, staged: Path) -> None:
    """Put the staged tree where site was empty or missing; file by file should site have filled since."""
    if not staged.is_dir():
        return  # moved already by the run that was cut off
    try:
        site.rmdir()
    except FileNotFoundError:
        pass
    except OSError:  # not empty (or not a folder) after all: move each file in
        paths = sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*") if not p.is_dir())
        _apply(site, staged, paths, [])
        return
    site.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, site)


def _apply(site: Path, staging: Path, write: Sequence[str | Sequence[str]], remove: list[str]) -> None:
    """Remove, then move each staged file into place; write items are [name in staging, site path]."""
    for path in remove:
        with contextlib.suppress(FileNotFoundError):
            (site / path).unlink()
        _prune(site, (site / path).parent)
    ready: set[str] = set()  # folders made (or found) in this commit
    for item in write:
        name, path = (item, item) if isinstance(item, str) else (str(item[0]), str(item[1]))
        staged = staging / name
        if not staged.exists():
            continue  # moved already by the run that was cut off
        target = site / path
        _make_folder(site, path.rpartition("/")[0], ready)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(staged, target)


def _make_folder(site: Path, folder: str, ready: set[str]) -> None:
    """mkdir -p site/folder, replacing a file that stands where a folder must go."""
    if "" not in ready:
        site.mkdir(parents=True, exist_ok=True)
        ready.add("")
    missing = []
    while folder not in ready:
        missing.append(folder)
        folder = folder.rpartition("/")[0]
    for rel in reversed(missing):
        place = site / rel
        if place.is_symlink() or place.is_file():
            place.unlink()
        with contextlib.suppress(FileExistsError):
            place.mkdir()
        ready.add(rel)


def _prune(site: Path, folder: Path) -> None:
    """Remove folders left empty, up to (not including) the site folder."""
    while folder != site and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

Spread = Callable[[Callable[[int, int], list[Any]], int], Iterator[tuple[int, list[Any]]]]


def serial(job: Callable[[int, int], list[Any]], total: int) -> Iterator[tuple[int, list[Any]]]:
    if total:
        yield total, job(0, total)


@contextmanager
def site_lock(site: Path, wait: float = 0.0) -> Iterator[None]:  # TEMPORARY
    yield


def write_site(site: Path, outputs: Sequence[Output], stamps: MutableMapping[str, Any], *, spread: Spread = serial, tick: Callable[[int], None] = lambda n: None) -> WriteReport:  # TEMPORARY
    report = _old_write_site(site, site.parent / ".feedsite-staging", outputs, dict(stamps), lambda: tick(1))
    for path in list(stamps):
        if path not in report.manifest:
            del stamps[path]
    for path, value in report.manifest.items():
        if stamps.get(path) != value:
            stamps[path] = value
    return report
