"""The site writer's bookkeeping in the output folder: its manifest, its journaled commit, recovery.

Everything lives in one folder inside the output folder, so that staging is on the output's own
filesystem (an output folder that is a mount point works) and a move into place is a rename:

    .feedsite/manifest.json       the sorted paths of the files feedsite wrote here (kept, committed to git)
    .feedsite/lock                while a build runs (writer_lock.py)
    .feedsite/staging/            while a build writes, or after one was cut off:
        <run>/files/<n>           a changed file, waiting to be moved to its path
        <run>/tree/...            a whole site, when the output folder held nothing yet
        <run>/manifest.json       the new manifest
        journal.json              written (atomically) once everything is staged: the commit point

A commit is: the journal, then removals, then moves (os.replace), then the manifest, then staging
goes. recover() rolls a journaled commit forward (each step can be done again) or drops staging that
never got its journal, so a build killed at any moment leaves the old site or the new one.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from stat import S_ISDIR

from feedsite.errors import BuildError, Problem
from feedsite.files import read_regular

META = ".feedsite"  # feedsite's folder inside the output folder
MANIFEST = "manifest.json"
STAGING = "staging"
JOURNAL = "journal.json"
ABOUT = "The files feedsite wrote in this folder. It removes or replaces no others."


_PLAIN = re.compile(r"[\w-][\w.-]*(?:/[\w-][\w.-]*)*", re.ASCII)  # what nearly every path is


def valid_path(path: str) -> bool:
    """A site-relative file path: "/"-separated plain names, never leaving the folder or entering META."""
    if _PLAIN.fullmatch(path):  # no name starts with ".": not "..", nor META
        return True
    if not path or "\\" in path or "\0" in path:
        return False
    parts = path.split("/")
    return parts[0] != META and all(part not in ("", ".", "..") for part in parts)


def cannot_write(path: object, exc: OSError) -> BuildError:
    """The error for an OSError while writing: path (or the file the error names) and its strerror."""
    return BuildError([Problem(str(exc.filename or path), None, f"cannot be written: {exc.strerror}")])


def encode_manifest(paths: Iterable[str]) -> bytes:
    """The manifest's bytes: the same paths give the same bytes (no clock, no ctime), one per line."""
    lines = ",\n  ".join(json.dumps(path, ensure_ascii=False) for path in sorted(paths))
    files = f"[\n  {lines}\n ]" if lines else "[]"
    return f'{{\n "about": {json.dumps(ABOUT)},\n "files": {files},\n "format": 1\n}}\n'.encode()


def read_manifest(site: Path) -> set[str] | None:
    """The paths the manifest lists, or None when there is none or it cannot be read. A listed path
    is only ever compared with the outputs' (checked) paths or, to be removed, checked first."""
    try:  # a regular file, bounded (FileReadError is a ValueError), nested no deeper than json reads
        files = json.loads(read_regular(site / META / MANIFEST))["files"]
    except (ValueError, KeyError, TypeError, RecursionError):
        return None
    if not isinstance(files, list) or not all(isinstance(path, str) for path in files):
        return None
    return set(files)


def owned_files(site: Path, wanted: Collection[str]) -> tuple[bool, set[str]]:
    """Whether the folder has a manifest, and the files feedsite may replace or remove.

    With no manifest, a folder whose every file this build makes (a site written by an older
    feedsite) is adopted; any other file means the folder is someone else's: BuildError.
    """
    listed = read_manifest(site)
    if listed is not None:
        return True, listed
    found = []
    for path in site_files(site):
        if path not in wanted:
            hint = "empty it or set paths.output to another folder"
            message = f"not made by feedsite (it holds {path}); {hint}"
            raise BuildError([Problem(str(site), None, message)])
        found.append(path)
    return False, set(found)


def site_files(site: Path, below: str = "") -> Iterable[str]:
    """Every file (or link, or other non-folder) under site/below, sorted, META left out."""
    try:
        items = sorted(os.scandir(site / below if below else site), key=lambda item: item.name)
    except FileNotFoundError:
        return
    except NotADirectoryError:
        raise BuildError([Problem(str(site), None, "is not a folder")]) from None
    for item in items:
        path = f"{below}/{item.name}" if below else item.name
        if path == META:
            continue
        if item.is_dir(follow_symlinks=False):
            yield from site_files(site, path)
        else:
            yield path


def holds_nothing(site: Path) -> bool:
    """No output folder yet, or one holding nothing but META: the whole site can be staged as a tree."""
    try:
        with os.scandir(site) as items:
            return all(item.name == META for item in items)
    except FileNotFoundError:
        return True
    except NotADirectoryError:
        raise BuildError([Problem(str(site), None, "is not a folder")]) from None


def commit(
    site: Path, run: str, moves: Sequence[tuple[str, str]], remove: Sequence[str], manifest: bool
) -> None:
    """Write the journal (the commit point), then carry it out; run is the run's staging folder name.

    moves are (name under staging/run, site path); manifest says whether run/manifest.json is staged.
    A failure before the journal is in place commits nothing and drops staging; one after it leaves
    the journal for the next recover() to finish. Either is a BuildError.
    """
    staging = site / META / STAGING
    plan = {
        "moves": [[f"{run}/{name}", path] for name, path in moves],
        "remove": list(remove),
        "manifest": f"{run}/{MANIFEST}" if manifest else None,
    }
    tmp = staging / (JOURNAL + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as file:
            json.dump(plan, file)
        os.replace(tmp, staging / JOURNAL)
    except OSError as exc:
        drop_staging(site)
        raise cannot_write(site, exc) from None
    try:
        _apply(site, staging, plan)
    except OSError as exc:
        where = str(exc.filename or site)
        message = f"cannot be written: {exc.strerror} (the next build finishes this one)"
        raise BuildError([Problem(where, None, message)]) from None
    drop_staging(site)


def recover(site: Path) -> None:
    """Finish a commit that was cut off after its journal, or drop staging that never got one.

    Call it holding site_lock (write_site does, at its start): it assumes no other build is writing.
    """
    staging = site / META / STAGING
    try:
        with open(staging / JOURNAL, encoding="utf-8") as file:
            plan = json.load(file)
    except FileNotFoundError:
        plan = None
    except (OSError, ValueError):
        plan = None  # os.replace put it there whole: unreadable means it is not ours to follow
    if isinstance(plan, dict):
        try:
            _apply(site, staging, plan)
        except OSError as exc:
            exc.strerror = f"{exc.strerror} (finishing a build that was cut off)"
            raise cannot_write(site, exc) from None
    drop_staging(site)


def drop_staging(site: Path) -> None:
    """Remove staging (journal first: a half-removed staging folder without one is dropped next time)."""
    staging = site / META / STAGING
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        os.unlink(staging / JOURNAL)
    shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(OSError):
        os.rmdir(site / META)  # only when empty: no manifest, no lock


def _apply(site: Path, staging: Path, plan: dict[str, object]) -> None:
    """Removals, then moves, then the manifest. Each step is skipped when already done."""
    remove, moves, manifest = plan.get("remove"), plan.get("moves"), plan.get("manifest")
    for path in remove if isinstance(remove, list) else ():
        if isinstance(path, str) and valid_path(path):
            with contextlib.suppress(FileNotFoundError, IsADirectoryError, NotADirectoryError):
                os.unlink(site / path)
            _prune(site, path)
    ready: set[str] = set()  # folders made or found in this commit
    for item in moves if isinstance(moves, list) else ():
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(s, str) for s in item)):
            continue
        name, path = item
        source = staging / name
        if not (valid_path(name) and valid_path(path) and os.path.lexists(source)):
            continue  # moved already by the run that was cut off
        make_folders(site, path.rpartition("/")[0], ready)
        _move(str(source), str(site / path))
    if isinstance(manifest, str) and os.path.lexists(staging / manifest):
        os.replace(staging / manifest, site / META / MANIFEST)


def _move(source: str, target: str) -> None:
    """os.replace, for a file or a folder; a folder is merged into one already there."""
    if not S_ISDIR(os.lstat(source).st_mode):
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)  # only if something filled a folder the plan saw go (a race)
        os.replace(source, target)
        return
    try:
        os.rename(source, target)  # the usual case: nothing there, or an empty folder
        return
    except OSError:
        pass
    if not os.path.isdir(target) or os.path.islink(target):
        os.unlink(target)
        os.rename(source, target)
        return
    for name in sorted(os.listdir(source)):
        _move(f"{source}/{name}", f"{target}/{name}")
    os.rmdir(source)


def make_folders(site: Path, folder: str, ready: set[str]) -> None:
    """mkdir -p site/folder, replacing a file that stands where a folder must go (the plan made sure
    any such file is one feedsite wrote and no longer makes)."""
    if "" not in ready:
        site.mkdir(parents=True, exist_ok=True)
        ready.add("")
    missing = []
    while folder not in ready:
        missing.append(folder)
        folder = folder.rpartition("/")[0]
    for rel in reversed(missing):
        place = site / rel
        if os.path.lexists(place) and not place.is_dir():  # a link to a folder is a folder
            place.unlink()
        with contextlib.suppress(FileExistsError):
            place.mkdir()
        ready.add(rel)


def _prune(site: Path, path: str) -> None:
    """Remove the folders above path that are left empty, up to (not including) the output folder."""
    folder = path.rpartition("/")[0]
    while folder:
        try:
            os.rmdir(site / folder)
        except OSError:
            return  # not empty, not a folder, or gone
        folder = folder.rpartition("/")[0]
