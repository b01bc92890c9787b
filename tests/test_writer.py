"""The site writer: stamps, ownership (the manifest), paths, the lock. Real files, real processes."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pytest

from feedsite.errors import BuildError
from feedsite.writer import Output, Stamp, WriteReport, recover, site_lock, write_site

ROOT = Path(__file__).resolve().parent.parent


def outputs(files: dict[str, bytes], calls: list[str] | None = None) -> list[Output]:
    """One Output per file; each render() call is recorded in calls."""

    def make(path: str, data: bytes) -> Output:
        def render() -> bytes:
            if calls is not None:
                calls.append(path)
            return data

        return Output(path, hashlib.sha256(data).hexdigest(), render)

    return [make(path, data) for path, data in files.items()]


def write(
    site: Path, files: dict[str, bytes], stamps: dict[str, Stamp] | None = None, **kw: Any
) -> WriteReport:
    with site_lock(site):
        return write_site(site, outputs(files), {} if stamps is None else stamps, **kw)


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


def manifest(site: Path) -> list[str]:
    files: list[str] = json.loads((site / ".feedsite/manifest.json").read_text("utf-8"))["files"]
    return files


FILES = {
    "index.html": b"home",
    "feed.xml": b"<rss/>",
    "2024/11/a/index.html": b"entry a",
    "2024/11/b/index.html": b"entry b",
    "tags/x/index.html": b"tag x",
}


def test_first_build_moves_top_level_items_into_the_folder_and_writes_a_manifest(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    inode = site.stat().st_ino
    report = write(site, FILES)
    assert report == WriteReport(written=5, unchanged=0, removed=0)
    assert site_tree(site) == FILES
    assert site.stat().st_ino == inode  # the folder itself was not replaced (it may be a mount point)
    assert manifest(site) == sorted(FILES)
    assert leftovers(site) == []


def test_the_manifest_is_the_same_bytes_for_the_same_outputs(tmp_path: Path) -> None:
    write(tmp_path / "one", FILES)
    write(tmp_path / "two", dict(reversed(FILES.items())))
    time.sleep(0.01)
    write(tmp_path / "two", {"x.html": b"x"})
    write(tmp_path / "two", dict(reversed(FILES.items())))
    first = (tmp_path / "one/.feedsite/manifest.json").read_bytes()
    assert first == (tmp_path / "two/.feedsite/manifest.json").read_bytes()
    assert first.endswith(b"\n") and b'\n  "2024/11/a/index.html",\n' in first  # one path a line


def test_a_matching_stamp_skips_rendering_and_stamps_follow_the_build(tmp_path: Path) -> None:
    site = tmp_path / "site"
    stamps: dict[str, Stamp] = {}
    write(site, FILES, stamps)
    for path, data in FILES.items():
        stat = (site / path).stat()
        assert stamps[path] == (hashlib.sha256(data).hexdigest(), stat.st_size, stat.st_ctime_ns)
    calls: list[str] = []
    with site_lock(site):
        report = write_site(site, outputs(FILES, calls), stamps)
    assert calls == [] and report == WriteReport(0, 5, 0)

    changed = {**FILES, "index.html": b"new home", "new.txt": b"new"}
    del changed["feed.xml"]
    with site_lock(site):
        report = write_site(site, outputs(changed, calls), stamps)
    assert sorted(calls) == ["index.html", "new.txt"] and report == WriteReport(2, 3, 1)
    assert set(stamps) == set(changed)  # the gone path dropped
    for path in ("index.html", "new.txt"):
        stat = (site / path).stat()
        assert stamps[path][1:] == (stat.st_size, stat.st_ctime_ns)


def test_stamps_are_not_trusted_blindly(tmp_path: Path) -> None:
    """Stale, foreign or empty stamps cost renders, never a wrong site; equal bytes stay untouched."""
    site = tmp_path / "site"
    stamps: dict[str, Stamp] = {}
    write(site, FILES, stamps)
    before = {path: (site / path).stat() for path in FILES}
    wrong: dict[str, Stamp] = {path: ("0" * 64, s[1], s[2]) for path, s in stamps.items()}
    calls: list[str] = []
    with site_lock(site):
        report = write_site(site, outputs(FILES, calls), wrong)
    assert sorted(calls) == sorted(FILES) and report == WriteReport(0, 5, 0)
    for path in FILES:  # not rewritten: same inode, same ctime
        stat = (site / path).stat()
        assert (stat.st_ino, stat.st_ctime_ns) == (before[path].st_ino, before[path].st_ctime_ns)

    (site / "index.html").write_bytes(b"HOME")  # edited behind our back, same size: ctime moves
    with site_lock(site):
        write_site(site, outputs(FILES, calls), stamps)
    assert (site / "index.html").read_bytes() == b"home"


def test_a_users_file_is_never_removed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site, {**FILES, "notes/old/index.html": b"ours", "notes/keep/index.html": b"ours too"})
    (site / "precious.txt").write_text("mine")
    (site / "notes/keep/precious.txt").write_text("mine too")
    (site / "notes/old/empty").mkdir()  # a user's empty folder is not ours to remove either
    report = write(site, {"index.html": b"home"})
    assert report.removed == 6
    assert site_tree(site) == {
        "index.html": b"home",
        "notes/keep/precious.txt": b"mine too",
        "precious.txt": b"mine",
    }
    assert not (site / "2024").exists() and not (site / "tags").exists()  # left empty: pruned
    assert (site / "notes/old/empty").is_dir()
    assert manifest(site) == ["index.html"]


def test_an_output_never_replaces_a_file_feedsite_did_not_write(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site, FILES)
    (site / "about").mkdir()
    (site / "about/index.html").write_text("the user's")
    (site / "media").write_text("a file where a folder must go")
    (site / "tags/y").mkdir()
    (site / "tags/y/notes.txt").write_text("in a folder where a page must go")
    before = site_tree(site)
    wanted = {
        **FILES,
        "index.html": b"changed too",
        "about/index.html": b"ours",
        "media/logo.png": b"png",
        "tags/y": b"a page",
    }
    with pytest.raises(BuildError) as caught:
        write(site, wanted)
    named = sorted(p.path for p in caught.value.problems)
    assert named == [str(site / "about/index.html"), str(site / "media"), str(site / "tags/y/notes.txt")]
    assert "was not written by feedsite" in str(caught.value)
    assert site_tree(site) == before and leftovers(site) == []


def test_a_folder_that_is_not_ours_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    site = tmp_path / "docs"
    (site / "guide").mkdir(parents=True)
    (site / "guide/intro.md").write_text("someone's docs")
    (site / "index.html").write_text("theirs")
    with pytest.raises(BuildError) as caught:
        write(site, FILES)
    assert str(caught.value) == (
        f"{site}: not made by feedsite (it holds guide/intro.md); "
        "empty it or set paths.output to another folder"
    )
    assert site_tree(site) == {"guide/intro.md": b"someone's docs", "index.html": b"theirs"}
    assert not (site / ".feedsite").exists()


def test_a_site_written_by_an_older_feedsite_is_adopted(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "2024/11/a").mkdir(parents=True)
    (site / "index.html").write_text("old home")
    (site / "2024/11/a/index.html").write_bytes(FILES["2024/11/a/index.html"])
    report = write(site, FILES)
    assert report == WriteReport(written=4, unchanged=1, removed=0)
    assert site_tree(site) == FILES and manifest(site) == sorted(FILES)


def test_a_folder_replaces_a_file_and_a_file_a_folder(tmp_path: Path) -> None:
    site = tmp_path / "site"
    first = {"a": b"file a", "b/index.html": b"b", "b/deep/x.html": b"x", "c/d": b"d"}
    second = {"a/index.html": b"folder a", "b": b"file b", "c/d/index.html": b"deeper"}
    for files in (first, second, first):
        write(site, files)
        assert site_tree(site) == files and leftovers(site) == []


def test_bad_paths_are_all_reported_and_nothing_is_written(tmp_path: Path) -> None:
    site = tmp_path / "site"
    bad = ["../up.html", "/abs.html", "a//b.html", "x/./y.html", ".feedsite/manifest.json", "dir/", "a\\b"]
    files = {**FILES, "page": b"a page", "page/index.html": b"under it", **{p: b"" for p in bad}}
    out = [*outputs(files), *outputs({"index.html": b"again"})]
    with pytest.raises(BuildError) as caught, site_lock(site):
        write_site(site, out, {})
    problems = {p.path: p.message for p in caught.value.problems}
    assert {p: problems[p] for p in bad} == {p: "would be written outside the output folder" for p in bad}
    assert problems["index.html"] == "two pages would be written to this path"
    assert problems["page"] == "is a page, and also the folder of page/index.html"
    assert not site.exists()


def test_first_build_into_an_empty_folder_or_a_link_to_one(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "served").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "served")
    for name in ("folder", "link", "missing/deep"):
        write(tmp_path / name, FILES)
        assert site_tree(tmp_path / name) == FILES
    assert (tmp_path / "link").is_symlink() and site_tree(tmp_path / "served") == FILES


def test_recover_merges_a_staged_tree_into_a_folder_that_filled_meanwhile(tmp_path: Path) -> None:
    """A first build cut off mid-commit, after which something appeared in the folder."""
    site = tmp_path / "site"
    staging = site / ".feedsite/staging"
    (staging / "run/tree/2024/01/a").mkdir(parents=True)
    (staging / "run/tree/index.html").write_text("new home")
    (staging / "run/tree/2024/01/a/index.html").write_text("entry")
    (staging / "run/manifest.json").write_text('{"files": ["2024/01/a/index.html", "index.html"]}')
    journal = {"moves": [["run/tree/2024", "2024"], ["run/tree/index.html", "index.html"]], "remove": []}
    (staging / "journal.json").write_text(json.dumps({**journal, "manifest": "run/manifest.json"}))
    (site / "2024/02").mkdir(parents=True)
    (site / "2024/02/keep.txt").write_text("someone's")
    (site / "index.html").write_text("old home")
    recover(site)
    assert site_tree(site) == {
        "2024/01/a/index.html": b"entry",
        "2024/02/keep.txt": b"someone's",
        "index.html": b"new home",
    }
    assert manifest(site) == ["2024/01/a/index.html", "index.html"] and leftovers(site) == []


def test_recover_drops_staging_that_never_got_its_journal(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site, FILES)
    (site / ".feedsite/staging/run/files").mkdir(parents=True)
    (site / ".feedsite/staging/run/files/0").write_text("half")
    (site / ".feedsite/staging/journal.json.tmp").write_text('{"moves": [["run/fil')
    recover(site)
    assert site_tree(site) == FILES and leftovers(site) == []


_job: Callable[[int, int], list[Any]] | None = None


def _run(span: tuple[int, int]) -> list[Any]:
    assert _job is not None
    return _job(*span)


def forked(job: Callable[[int, int], list[Any]], total: int) -> Iterator[tuple[int, list[Any]]]:
    """A spread like the build's: forked workers run chunks of 50 (they inherit job), in order."""
    global _job
    _job = job
    spans = [(start, min(start + 50, total)) for start in range(0, total, 50)]
    with ProcessPoolExecutor(2, get_context("fork")) as pool:
        for (start, stop), part in zip(spans, pool.map(_run, spans), strict=True):
            yield stop - start, part


def test_forked_workers_stage_what_they_render(tmp_path: Path) -> None:
    many = {f"p/{n}/index.html": f"page {n}".encode() for n in range(400)}
    serial_stamps: dict[str, Stamp] = {}
    forked_stamps: dict[str, Stamp] = {}
    ticks: list[int] = []
    for round_ in range(2):  # cold, then changed
        files = (
            {**many, **{f"p/{n}/index.html": f"page {n} v2".encode() for n in range(0, 400, 3)}}
            if round_
            else many
        )
        one = write(tmp_path / "serial", files, serial_stamps)
        two = write(tmp_path / "forked", files, forked_stamps, spread=forked, tick=ticks.append)
        assert one == two and site_tree(tmp_path / "forked") == files
        assert leftovers(tmp_path / "forked") == []
    assert sum(ticks) == 800 and sorted(set(ticks)) == [34, 50, 266]  # chunks, and the 266 skipped
    assert {p: s[:2] for p, s in serial_stamps.items()} == {p: s[:2] for p, s in forked_stamps.items()}


LOCKER = """
import sys, time
from pathlib import Path
from feedsite.writer import site_lock
with site_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def locker(site: Path, hold: float) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(site), str(hold)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None and process.stdout.readline() == "locked\n"
    return process


def test_a_second_build_is_told_who_holds_the_lock_or_waits_for_it(tmp_path: Path) -> None:
    site = tmp_path / "site"
    holder = locker(site, 60)
    try:
        with pytest.raises(BuildError) as caught, site_lock(site, wait=0.3):
            pass
        assert str(caught.value) == f"{site}: another build (pid {holder.pid}) is running"
    finally:
        holder.kill()
        holder.wait()
    holder = locker(site, 0.5)
    start = time.monotonic()
    with site_lock(site, wait=20):
        assert time.monotonic() - start > 0.2
        assert (site / ".feedsite/lock").read_text() == f"{os.getpid()}\n"
        assert holder.wait(timeout=20) == 0
    assert list(site.iterdir()) == []  # the lock, and feedsite's folder it was alone in, are gone


def test_a_lock_left_by_a_killed_build_is_taken_over(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site, FILES)
    holder = locker(site, 60)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (site / ".feedsite/lock").read_text() == f"{holder.pid}\n"  # left behind
    assert write(site, FILES) == WriteReport(0, 5, 0)
    assert leftovers(site) == [] and site_tree(site) == FILES


def test_a_manifest_never_makes_feedsite_remove_anything_outside_the_folder(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site, FILES)
    (tmp_path / "outside.txt").write_text("not in the site")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere/page.html").write_text("through a link")
    (site / "linked").symlink_to(tmp_path / "elsewhere")
    listed = [*FILES, "../outside.txt", "/etc/hostname", "linked/page.html", ".feedsite/lock"]
    (site / ".feedsite/manifest.json").write_text(json.dumps({"files": listed}))
    assert write(site, {"index.html": b"home"}).removed == 4
    assert (tmp_path / "outside.txt").exists() and (tmp_path / "elsewhere/page.html").exists()
    assert manifest(site) == ["index.html"]


def test_an_unreadable_manifest_counts_as_none(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site, FILES)
    (site / ".feedsite/manifest.json").write_text('{"files": ["index.ht')
    write(site, FILES)  # every file in it is one this build makes: adopted again
    assert manifest(site) == sorted(FILES)
    (site / ".feedsite/manifest.json").write_text("[]")
    (site / "precious.txt").write_text("mine")
    with pytest.raises(BuildError, match=r"not made by feedsite \(it holds precious.txt\)"):
        write(site, FILES)
    assert (site / "precious.txt").read_text() == "mine"


def test_an_output_folder_that_is_a_file_is_an_error(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.write_text("a file")
    with pytest.raises(BuildError, match="is not a folder"):
        write_site(site, outputs(FILES), {})
    with pytest.raises(BuildError, match="cannot be written: Not a directory"), site_lock(site):
        pass
    assert site.read_text() == "a file"
