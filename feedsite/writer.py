"""Writes the built site all or nothing, and replaces or removes only files it wrote itself.

Every file that changed is rendered and written in full to a staging folder inside the output
folder before anything in the site is touched; only then does a journal commit them
(writer_commit.py). Files whose bytes did not change are left alone. The files feedsite wrote are
listed in .feedsite/manifest.json: a file not listed there is never replaced or removed, and a
non-empty folder with no manifest is adopted only if every file in it is one this build makes.

Call write_site holding site_lock(site) (writer_lock.py): one build at a time per output folder.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import Any

from feedsite.errors import BuildError, Problem
from feedsite.writer_commit import (
    MANIFEST,
    META,
    STAGING,
    cannot_write,
    commit,
    drop_staging,
    encode_manifest,
    holds_nothing,
    owned_files,
    recover,
    site_files,
    valid_path,
)
from feedsite.writer_lock import site_lock

__all__ = [
    "Output",
    "Spread",
    "Stamp",
    "WriteReport",
    "check_paths",
    "recover",
    "serial",
    "site_lock",
    "write_site",
]

Job = Callable[[int, int], list[Any]]
Spread = Callable[[Job, int], Iterator[tuple[int, list[Any]]]]
Stamp = tuple[str, int, int]  # (output key, size, ctime_ns) of a file as last written


def serial(job: Job, total: int) -> Iterator[tuple[int, list[Any]]]:
    """The default spread: job(0, total) in this process."""
    if total:
        yield total, job(0, total)


@dataclass(frozen=True)
class Output:
    path: str  # site-relative file path, "/"-separated, e.g. "2024/11/slug/index.html"
    key: str  # a hash of everything that makes its bytes
    render: Callable[[], bytes]  # pure; called only when the file must be (re)made


@dataclass(frozen=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int


# How each rendered output ended up, with its size and ctime_ns where already final.
SAME = 0  # its bytes were on disk already: left untouched
KEPT = 1  # staged deep in a tree that moves in folder by folder: keeps its ctime
MOVED = 2  # moved into place by itself, which sets its ctime: stat it once there


def check_paths(outputs: Sequence[Output]) -> None:
    """Two outputs may not share a path, a file may not be another's folder, and no path may leave
    the output folder or enter feedsite's own folder in it."""
    seen: set[str] = set()
    folders: dict[str, str] = {}  # folder → a path in it
    problems = []
    for out in outputs:
        if not valid_path(out.path):
            problems.append(Problem(out.path, None, "would be written outside the output folder"))
        elif out.path in seen:
            problems.append(Problem(out.path, None, "two pages would be written to this path"))
        seen.add(out.path)
        folder = out.path.rpartition("/")[0]
        while folder and folder not in folders:
            folders[folder] = out.path
            folder = folder.rpartition("/")[0]
    for path in sorted(seen.intersection(folders)):
        problems.append(Problem(path, None, f"is a page, and also the folder of {folders[path]}"))
    if problems:
        raise BuildError(problems)


def write_site(
    site: Path,
    outputs: Sequence[Output],
    stamps: MutableMapping[str, Stamp],
    *,
    spread: Spread = serial,
    tick: Callable[[int], None] = lambda count: None,
    prepare: Callable[[], None] = lambda: None,
) -> WriteReport:
    """Make site hold exactly outputs (plus files feedsite did not write), all at once or not at all.

    An output is not rendered when stamps[path] is (its key, size, ctime_ns) of the file on disk;
    stamps is then updated in place to this build's files. spread runs the rendering (and staging)
    of the rest, after prepare() (what renders share, made once before spread forks workers);
    tick(n) is told each time n more outputs are done. Raises BuildError (site
    untouched) for a bad path, a file feedsite did not write in the way, or a failed write; an
    exception from a render() comes out as it is, with nothing written.
    """
    check_paths(outputs)
    recover(site)
    wanted = {out.path for out in outputs}
    listed, owned = owned_files(site, wanted)
    new_manifest = not listed or owned != wanted
    tree = holds_nothing(site)
    todo, skipped, gone = ([*range(len(outputs))], 0, []) if tree else _plan(site, outputs, stamps, owned)
    if skipped:
        tick(skipped)
    run = f"{os.getpid()}-{time.monotonic_ns()}"  # a name no cut-off run (or orphaned worker) shares
    staging = site / META / STAGING / run
    results: list[tuple[int, int, int]] = []
    moves: list[tuple[str, str]] = []
    try:
        if todo or gone or new_manifest:
            os.makedirs(staging / ("tree" if tree else "files"))
        if todo:
            prepare()
        results = _render(site, staging, outputs, todo, tree, spread, tick)
        if tree:
            moves = [(f"tree/{name}", name) for name in sorted({out.path.split("/")[0] for out in outputs})]
        else:
            moves = [
                (f"files/{i}", outputs[i].path) for i, r in zip(todo, results, strict=True) if r[0] == MOVED
            ]
        if new_manifest:
            with open(staging / MANIFEST, "wb") as file:
                file.write(encode_manifest(wanted))
    except OSError as exc:
        drop_staging(site)
        raise cannot_write(site, exc) from None
    except BaseException:
        drop_staging(site)
        raise
    if moves or gone or new_manifest:
        commit(site, run, moves, gone, manifest=new_manifest)
    elif todo:
        drop_staging(site)  # everything rendered was on disk already
    _restamp(site, outputs, stamps, wanted, todo, results)
    written = sum(1 for state, _, _ in results if state != SAME)
    return WriteReport(written, len(outputs) - written, len(gone))


def _plan(
    site: Path, outputs: Sequence[Output], stamps: MutableMapping[str, Stamp], owned: set[str]
) -> tuple[list[int], int, list[str]]:
    """(indexes of the outputs to render, how many need not be, the files to remove). BuildError
    when an output would replace a file feedsite did not write (or one in a folder in its way)."""
    wanted = {out.path for out in outputs}
    gone = [path for path in sorted(owned - wanted) if valid_path(path) and _removable(site, path)]
    gone_set = set(gone)
    root = str(site)
    todo: list[int] = []
    skipped = 0
    problems: list[Problem] = []
    obstacles: dict[str, str | None] = {}
    for index, out in enumerate(outputs):
        try:
            stat = os.lstat(f"{root}/{out.path}")
        except OSError:
            stat = None
        if stat is not None and S_ISREG(stat.st_mode):  # the usual case: the file is there
            if out.path not in owned:
                problems.append(_foreign(site, out.path, out.path))
            elif stamps.get(out.path) == (out.key, stat.st_size, stat.st_ctime_ns):
                skipped += 1
                continue
            todo.append(index)
            continue
        todo.append(index)
        if stat is None:  # nothing there: is there a file where one of its folders must go?
            block = _obstacle(root, out.path.rpartition("/")[0], obstacles)
            if block is not None and block not in gone_set:
                problems.append(_foreign(site, block, out.path))
        elif S_ISDIR(stat.st_mode):  # a folder where the file must go: only of files that go
            problems.extend(
                _foreign(site, p, out.path) for p in site_files(site, out.path) if p not in gone_set
            )
        elif out.path not in owned:  # a link, a fifo...
            problems.append(_foreign(site, out.path, out.path))
    if problems:
        raise BuildError(problems)
    return todo, skipped, gone


def _foreign(site: Path, path: str, output: str) -> Problem:
    message = f"was not written by feedsite, and {output} would replace it: move it out of {site}"
    return Problem(str(site / path), None, message)


def _removable(site: Path, path: str) -> bool:
    """A listed file that is still there, in a folder that is inside the output folder."""
    if not os.path.lexists(site / path):
        return False
    folder = os.path.realpath(site / path.rpartition("/")[0])
    top = os.path.realpath(site)
    return folder == top or folder.startswith(top.rstrip("/") + "/")


def _obstacle(root: str, folder: str, seen: dict[str, str | None]) -> str | None:
    """The first thing on the way to folder that is not a folder (a link to one is one), if any."""
    if not folder:
        return None
    if folder not in seen:
        place = f"{root}/{folder}"
        try:
            found = None if S_ISDIR(os.stat(place).st_mode) else folder
        except (FileNotFoundError, NotADirectoryError):
            found = folder if os.path.lexists(place) else _obstacle(root, folder.rpartition("/")[0], seen)
        seen[folder] = found
    return seen[folder]


def _render(
    site: Path,
    staging: Path,
    outputs: Sequence[Output],
    todo: list[int],
    tree: bool,
    spread: Spread,
    tick: Callable[[int], None],
) -> list[tuple[int, int, int]]:
    """Render and stage outputs[todo] with spread: (state, size, ctime_ns) of each, in order."""

    def job(start: int, stop: int) -> list[tuple[int, int, int]]:
        made: set[str] = set()
        return [_stage(site, staging, outputs[index], index, tree, made) for index in todo[start:stop]]

    results: list[tuple[int, int, int]] = []
    parts = spread(job, len(todo))
    try:
        for count, part in parts:
            results.extend(part)
            tick(count)
    finally:
        close = getattr(parts, "close", None)
        if close is not None:
            close()  # a pool's workers finish before staging is dropped
    return results


def _stage(
    site: Path, staging: Path, out: Output, index: int, tree: bool, made: set[str]
) -> tuple[int, int, int]:
    """Render one output and stage it unless its bytes are on disk already (in a worker, maybe)."""
    data = out.render()
    try:
        if tree:
            folder = out.path.rpartition("/")[0]
            if folder and folder not in made:
                _make_staged_folder(f"{staging}/tree", folder)
                made.add(folder)
            stat = _write(f"{staging}/tree/{out.path}", data)
            return (KEPT if folder else MOVED), stat.st_size, stat.st_ctime_ns
        target = f"{site}/{out.path}"
        with contextlib.suppress(OSError):
            stat = os.lstat(target)
            if S_ISREG(stat.st_mode) and stat.st_size == len(data) and _read(target) == data:
                return SAME, stat.st_size, stat.st_ctime_ns
        _write(f"{staging}/files/{index}", data)
        return MOVED, len(data), 0
    except OSError as exc:  # named by its place in the site, not in staging
        exc.filename = None
        raise cannot_write(site / out.path, exc) from None


def _make_staged_folder(top: str, folder: str) -> None:
    """mkdir -p top/folder without making top: a worker orphaned by a killed build, writing after
    its staging was dropped, fails instead of leaving folders behind."""
    try:
        os.mkdir(f"{top}/{folder}")  # an entry's own folder: its parent is nearly always there
    except FileExistsError:
        return
    except FileNotFoundError:
        if "/" in folder:
            _make_staged_folder(top, folder.rpartition("/")[0])
        with contextlib.suppress(FileExistsError):
            os.mkdir(f"{top}/{folder}")  # other workers make folders too


def _write(path: str, data: bytes) -> os.stat_result:
    """A new file with data (os-level: a quarter quicker than Path.write_bytes for many small files)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
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


def _restamp(
    site: Path,
    outputs: Sequence[Output],
    stamps: MutableMapping[str, Stamp],
    wanted: set[str],
    todo: list[int],
    results: list[tuple[int, int, int]],
) -> None:
    """Bring stamps to this build's files: those rendered now get their stamp; the gone go."""
    for path in [path for path in stamps if path not in wanted]:
        del stamps[path]
    root = str(site)
    for index, (state, size, ctime) in zip(todo, results, strict=True):
        out = outputs[index]
        if state == MOVED:
            try:
                stat = os.stat(f"{root}/{out.path}")
            except OSError:
                stamps.pop(out.path, None)
                continue
            size, ctime = stat.st_size, stat.st_ctime_ns
        stamp = (out.key, size, ctime)
        if stamps.get(out.path) != stamp:
            stamps[out.path] = stamp
