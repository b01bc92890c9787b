"""All or nothing: a write killed at any moment, a render that fails, a disk that refuses.

The writes run in child processes (this file is also their script) and are killed with SIGKILL.
After recover(), the site must be the old build or the new one as a whole, and no temporary file
may be left; a build that fails must leave the site byte for byte as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from feedsite.errors import BuildError
from feedsite.writer import Output, Stamp, recover, site_lock, write_site

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = 2000
KILLS = 24


def site_files(version: str) -> dict[str, bytes]:
    """A site of ENTRIES pages in ten top-level folders. From "old" to "new": 100 pages go, 100
    come, half the rest change, a file becomes a folder, a folder goes, top-level files change."""
    shift = 0 if version == "old" else 100
    files = {"index.html": f"home {version}".encode(), "feed.xml": b"<rss/>"}
    for n in range(shift, shift + ENTRIES):
        text = f"entry {n}, {version if n % 4 == 0 else 'same'}. " * 60
        files[f"y{n % 10}/{n:04d}/index.html"] = text.encode()
    if version == "old":
        files.update({"swap": b"a file", "gone/a.html": b"gone"})
    else:
        files.update({"swap/index.html": b"a folder now", "top-new.txt": b"new"})
    return files


def outputs(files: dict[str, bytes]) -> list[Output]:
    return [Output(p, hashlib.sha256(data).hexdigest(), partial(bytes, data)) for p, data in files.items()]


def site_tree(site: Path) -> dict[str, bytes]:
    """Every file in site but feedsite's own folder."""
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file() and p.relative_to(site).parts[0] != ".feedsite"
    }


def leftovers(site: Path) -> list[str]:
    """Anything in site/.feedsite but the manifest: staging, journals, *.tmp, the lock."""
    meta = site / ".feedsite"
    return sorted(p.relative_to(site).as_posix() for p in meta.rglob("*") if p.name != "manifest.json")


def write(site: Path, files: dict[str, bytes], stamps: dict[str, Stamp] | None = None) -> None:
    with site_lock(site):
        write_site(site, outputs(files), {} if stamps is None else stamps)


def child(*args: str) -> subprocess.Popen[str]:
    """This file run as a script (see main()), with the worktree's feedsite."""
    return subprocess.Popen(
        [sys.executable, __file__, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def started(process: subprocess.Popen[str]) -> subprocess.Popen[str]:
    """Wait for the child to be about to call write_site (its imports and outputs are ready)."""
    assert process.stdout is not None and process.stdout.readline() == "writing\n"
    return process


def killed(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)


def recovered(site: Path) -> dict[str, bytes]:
    """What the next build (or `build --recover`) finds once it has recovered."""
    with site_lock(site):
        recover(site)
    assert leftovers(site) == [], "temporary files left behind"
    return site_tree(site)


def timed(site: Path, version: str) -> tuple[float, float]:
    """How long the child's write_site of version takes to reach its journal, and then to end."""
    journal = site / ".feedsite/staging/journal.json"
    process = started(child("write", str(site), version))
    start = time.monotonic()
    wait_for(journal, process)
    reached = time.monotonic()
    assert process.wait(timeout=120) == 0
    return reached - start, time.monotonic() - reached


def wait_for(journal: Path, process: subprocess.Popen[str]) -> None:
    """Until the journal (the commit point) appears or the process ends."""
    while process.poll() is None and not journal.exists():
        time.sleep(0.001)


def test_a_write_killed_at_any_moment_leaves_the_old_site_or_the_new(tmp_path: Path) -> None:
    """Each round writes the other version over whatever the last round left and is killed at a
    random moment: of its whole write_site, or (every other round) of its commit."""
    precious = {"precious.txt": b"the user's"}
    full = {version: {**site_files(version), **precious} for version in ("old", "new")}
    site = tmp_path / "site"
    journal = site / ".feedsite/staging/journal.json"
    write(site, site_files("old"))
    (site / "precious.txt").write_text("the user's")
    staging, committing = timed(site, "new")
    state, rng, outcomes = "new", random.Random(20261129), []
    for attempt in range(KILLS):
        target = "old" if state == "new" else "new"
        process = started(child("write", str(site), target))
        if attempt % 2:
            wait_for(journal, process)
            time.sleep(rng.uniform(0, committing))
        elif attempt:
            time.sleep(rng.uniform(0, staging + committing))
        killed(process)
        cut_in_commit = journal.exists()
        now = recovered(site)
        assert now in (full[state], full[target])
        outcomes.append(("new" if now == full[target] else "old", cut_in_commit))
        state = target if now == full[target] else state
        assert (site / ".feedsite/manifest.json").read_bytes() == manifest_of(state)
    print("outcomes (site after recovery, killed mid-commit):", outcomes)
    assert outcomes[0] == ("old", False)  # killed before its commit: nothing changed
    assert ("new", True) in outcomes  # killed during its commit: finished by recover()
    write(site, site_files("new"))
    assert site_tree(site) == full["new"] and leftovers(site) == []


def test_a_write_killed_just_after_its_journal_is_finished_by_recover(tmp_path: Path) -> None:
    """Kill as soon as the journal (the commit point) appears: the site is mid-commit, half old and
    half new, until recover() rolls the commit forward."""
    site = tmp_path / "site"
    journal = site / ".feedsite/staging/journal.json"
    write(site, site_files("old"))
    caught, versions = 0, ["new", "old"] * 3
    for version in versions:
        process = started(child("write", str(site), version))
        wait_for(journal, process)
        killed(process)
        caught += journal.exists()
        assert recovered(site) == site_files(version)
        if caught == 2:
            break
    assert caught, "the journal was never seen before the write ended"


def test_a_first_build_killed_at_any_moment_leaves_nothing_or_the_whole_site(tmp_path: Path) -> None:
    """With nothing in the folder yet, the site is staged as a tree whose top-level items are then
    moved in: a kill leaves an empty folder or the whole site, never part of one."""
    new = site_files("new")
    duration = sum(timed(tmp_path / "timed", "new"))
    rng = random.Random(7)
    for attempt in range(6):
        site = tmp_path / f"site{attempt}"
        site.mkdir()
        process = started(child("write", str(site), "new"))
        time.sleep(rng.uniform(0, duration))
        killed(process)
        assert recovered(site) in ({}, new)
    write(site, new)
    assert site_tree(site) == new


def manifest_of(version: str) -> bytes:
    from feedsite.writer_commit import encode_manifest

    return encode_manifest(site_files(version))


def test_a_render_that_fails_midway_writes_nothing(tmp_path: Path) -> None:
    old, new = site_files("old"), site_files("new")
    site = tmp_path / "site"
    stamps: dict[str, Stamp] = {}
    write(site, old, stamps)
    before, saved = site_tree(site), dict(stamps)
    manifest = (site / ".feedsite/manifest.json").read_bytes()

    def broken() -> bytes:
        raise ValueError("a template failed")

    failing = outputs(new)
    failing.insert(1000, Output("y5/broken/index.html", "k", broken))
    with pytest.raises(ValueError, match="a template failed"), site_lock(site):
        write_site(site, failing, stamps)
    assert site_tree(site) == before and stamps == saved and leftovers(site) == []
    assert (site / ".feedsite/manifest.json").read_bytes() == manifest


def test_a_write_that_fails_while_staging_writes_nothing(tmp_path: Path) -> None:
    """A child whose files may not exceed 4 kB (RLIMIT_FSIZE): the 1,000th output fails with EFBIG."""
    old = site_files("old")
    site = tmp_path / "site"
    write(site, old)
    before = site_tree(site)
    process = started(child("write", str(site), "new", "--big-at", "1000"))
    out, err = process.communicate(timeout=120)
    assert process.returncode == 3, err
    assert out.startswith(f"{site}/y") and out.endswith(": cannot be written: File too large\n")
    assert recovered(site) == before


@contextlib.contextmanager
def mounted(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)], capture_output=True
    )
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_an_output_folder_that_is_a_mount_point_builds(tmp_path: Path) -> None:
    site = tmp_path / "site"
    with mounted(site):
        write(site, site_files("old"))
        (site / "precious.txt").write_text("the user's")
        write(site, site_files("new"))
        assert site_tree(site) == {**site_files("new"), "precious.txt": b"the user's"}
        assert leftovers(site) == []
        assert os.path.ismount(site)


def test_a_read_only_output_folder_fails_and_keeps_its_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    with mounted(site):
        write(site, site_files("old"))
        before = site_tree(site)
        subprocess.run(["mount", "-o", "remount,ro", str(site)], check=True)
        with pytest.raises(BuildError, match="cannot be written: Read-only file system"):
            write(site, site_files("new"))  # the lock cannot be made
        with pytest.raises(BuildError, match="cannot be written: Read-only file system"):
            write_site(site, outputs(site_files("new")), {})  # nor staging
        assert site_tree(site) == before
        subprocess.run(["mount", "-o", "remount,rw", str(site)], check=True)
        assert recovered(site) == before


def main() -> None:
    """The child: `write SITE VERSION [--big-at N]` writes a version of the site under the lock."""
    _, site, version, *rest = sys.argv[1:]
    out = outputs(site_files(version))
    if rest:
        big = site_files(version)
        path = list(big)[int(rest[1])]
        out[int(rest[1])] = Output(path, "big", lambda: b"x" * 5000)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    with site_lock(Path(site)):
        print("writing", flush=True)
        try:
            write_site(Path(site), out, {})
        except BuildError as exc:
            print(exc)
            sys.exit(3)


if __name__ == "__main__":
    main()
