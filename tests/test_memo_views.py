"""What a rebuild reads back from the memo: packed views (a few checked rows per table, only changed
shards rewritten), entries remembered without their bodies (read back from their files, checked, and
only when their Markdown must be rendered again), and post HTML read only when shown (made again
when the memo lost it). Real stores and builds, no mocks: a build's file reads are seen by an audit
hook in a child process."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from feedsite.config import load_config
from feedsite.content import Entry
from feedsite.errors import ContentError
from feedsite.loading import load_entries
from feedsite.memo import Memos, Store
from feedsite.memo.store import FILE_NAME
from feedsite.memo.views import SHARDS
from feedsite.posts import render_posts
from tests.helpers import copy_fixture

REPO = Path(__file__).resolve().parents[1]

FP = "fingerprint-views"


def rows(folder: Path, table: str) -> dict[bytes, bytes]:
    """key → check of every row of a table, read with sqlite itself."""
    with sqlite3.connect(folder / FILE_NAME) as db:
        return dict(db.execute(f"SELECT key, chk FROM t_{table}").fetchall())


def test_a_view_round_trips_and_rewrites_only_the_shards_that_changed(tmp_path: Path) -> None:
    values = {f"key-{i}": (i, f"value {i}") for i in range(500)}
    with Store(tmp_path, FP) as store:
        memos = Memos(store)
        memos.view("t").update(values)
        memos.save()
    written = rows(tmp_path, "t")
    assert len(written) == SHARDS  # 500 values in 32 rows
    with Store(tmp_path, FP) as store:
        memos = Memos(store)
        view = memos.view("t")
        assert set(view) == set(values)  # (reading every value would use them all)
        for key in values:
            if key != "key-7":
                assert view[key] == values[key]  # used: kept
        view["new"] = "added"
        memos.save()
    changed = {key for key, check in rows(tmp_path, "t").items() if written.get(key) != check}
    assert 1 <= len(changed) <= 2  # the shard that lost key-7 and the one that got "new"
    with Store(tmp_path, FP) as store:
        view = Memos(store).view("t")
        assert dict(view) == {**{k: v for k, v in values.items() if k != "key-7"}, "new": "added"}


def test_a_lazy_table_keeps_the_keys_of_the_view_it_follows(tmp_path: Path) -> None:
    with Store(tmp_path, FP) as store:
        memos = Memos(store)
        view, lazy = memos.view("records"), memos.lazy("bulk", follows="records")
        for key in "abc":
            view[key], lazy[key] = len(key), f"<p>{key}</p>"
        memos.save()
    with Store(tmp_path, FP) as store:
        memos = Memos(store)
        view, lazy = memos.view("records"), memos.lazy("bulk", follows="records")
        assert view["a"] == 1 and view["b"] == 1  # "c" unused: dropped, in both
        assert store.table("bulk")._mem == {}  # nothing of the bulk read up front
        assert lazy["b"] == "<p>b</p>"
        memos.save()
    assert set(rows(tmp_path, "bulk")) == {b"a", b"b"}


Loaded = tuple[list[Entry], Mapping[str, str]]


def remembered_build(root: Path, folder: Path) -> tuple[Loaded, Loaded]:
    """Entries and bodies loaded into a fresh memo, then loaded again from it (a rebuild)."""
    config = load_config(root)
    with Store(folder, FP) as store:
        memos = Memos(store)
        first = load_entries(config, memos.view("entries"), memos.view("files"))
        memos.save()
    time.sleep(0.2)  # files changed within 100 ms are read again, and these were just copied
    with Store(folder, FP) as store:
        memos = Memos(store)
        again = load_entries(config, memos.view("entries"), memos.view("files"))
    return first, again


def test_a_remembered_entry_reads_its_body_from_its_file(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    (first, parsed), (again, bodies) = remembered_build(root, tmp_path / "cache")
    assert again == first and set(bodies) == set(parsed) == {entry.key for entry in first}
    assert [bodies[entry.key] for entry in again] == [parsed[entry.key] for entry in first]
    stored = (tmp_path / "cache" / FILE_NAME).read_bytes()
    assert all(parsed[e.key].encode() not in stored for e in first if len(parsed[e.key]) > 40)


def test_a_file_that_changed_after_loading_is_an_error_not_a_wrong_body(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    _first, (again, bodies) = remembered_build(root, tmp_path / "cache")
    entry = again[0]
    path = root / entry.path
    path.write_text(path.read_text("utf-8") + "\nA sentence added meanwhile.\n", "utf-8")
    with pytest.raises(ContentError) as caught:
        bodies[entry.key]
    assert [str(p) for p in caught.value.problems] == [
        f"{entry.path}: changed while the site was being built: build again"
    ]


# A build in a child process, under an audit hook that names on stderr every entry file it opens
# (forked workers too); the file argv[2] names, if any, gets a sentence added just before it is read.
PROBE = """
import os, sys
from pathlib import Path
from feedsite.errors import ContentError
from tests.helpers import build_project

root, changed = Path(os.path.realpath(sys.argv[1])), sys.argv[2]
content = str(root / "content") + os.sep
busy = []

def probe(event, args):
    if event != "open" or busy or not isinstance(args[0], str | os.PathLike):
        return
    path = os.path.realpath(args[0])
    if path.startswith(content) and path.endswith((".md", ".markdown")):
        print("opened", os.path.relpath(path, root), file=sys.stderr, flush=True)
        if path == changed:
            busy.append(path)  # this open, and any later one, is not probed
            with open(path, "a", encoding="utf-8") as file:
                file.write("\\nA sentence added meanwhile.\\n")

sys.addaudithook(probe)
try:
    print(build_project(root).written)
except ContentError as exc:
    sys.exit("\\n".join(map(str, exc.problems)))
"""


def probed_build(root: Path, changed: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-c", PROBE, str(root), str(changed.resolve()) if changed else ""]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, check=False)


def site_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_rebuild_with_nothing_to_render_opens_no_entry_file(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    time.sleep(0.2)  # files changed within 100 ms are read again, and these were just copied
    first = probed_build(root)
    assert first.returncode == 0 and "opened content/2024/11/quiet-day.md" in first.stderr.splitlines()
    again = probed_build(root)
    assert (again.returncode, again.stderr, again.stdout) == (0, "", "0\n")


def test_an_entry_changed_between_load_and_render_is_one_error_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    root = copy_fixture(tmp_path)
    time.sleep(0.2)
    assert probed_build(root).returncode == 0
    site = site_files(root / "site")
    with (root / "feedsite.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[markdown]\nraw_html = false\n")  # every body is rendered again
    changed = probed_build(root, root / "content/2024/11/quiet-day.md")
    lines = changed.stderr.splitlines()
    assert changed.returncode == 1 and "opened content/2024/11/quiet-day.md" in lines
    assert [line for line in lines if not line.startswith("opened ")] == [
        "content/2024/11/quiet-day.md: changed while the site was being built: build again"
    ]
    assert site_files(root / "site") == site
    assert probed_build(root).returncode == 0  # built again: fine


def test_post_html_is_read_when_shown_and_made_again_when_lost(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    config = load_config(root)
    (first, parsed), (again, bodies) = remembered_build(root, tmp_path / "cache")
    records: dict[str, tuple[str, int, int]] = {}
    pages: dict[str, str] = {}
    made = render_posts(config, first, parsed, records, pages=pages)
    assert len(pages) == len(first)
    reads: list[str] = []

    class Counted(dict[str, str]):
        def get(self, key: str, default: object = None) -> str | None:  # type: ignore[override]
            reads.append(key)
            return super().get(key)

    kept = Counted(list(pages.items())[1:])  # the memo lost one page of HTML
    shown = render_posts(config, again, bodies, dict(records), pages=kept)
    assert reads == []  # nothing read yet
    assert [post.summary for post in shown] == [post.summary for post in made]
    assert [post.html for post in shown] == [post.html for post in made]
    assert len(reads) == len(first) and len(kept) == len(pages)  # the lost one made again, kept


def test_an_entry_read_back_from_the_memo_equals_the_entry(tmp_path: Path) -> None:
    """The memo pickles an entry without the fields left at their defaults (Entry.__getstate__):
    read back, every entry of the fixture (defaults and not) is equal to the one parsed, field by
    field, and so is one with every field away from its default."""
    import dataclasses
    import pickle
    from datetime import UTC, datetime

    from feedsite.content import Author, Source
    from feedsite.notices import Correction, Retraction

    config = load_config(copy_fixture(tmp_path))
    entries, _bodies = load_entries(config, {}, {})
    when = datetime(2024, 11, 8, 9, tzinfo=UTC)
    full = Entry(
        "k", "content/a.md", "T", when, "urn:x", True, "a", updated=when, summary="S",
        authors=(Author("A"),), tags=("t",), lang="en", draft=True, image="i.jpg", image_alt="alt",
        source=Source("N", "https://s.example/"), rights="R", image_credit="C", section="W", featured=True,
        corrections=(Correction(when, "c"),), retracted=Retraction(when, "r"), aliases=("old/",),
        feed_content="summary", extra={"x": 1}, day_only=True,
    )  # fmt: skip
    for entry in [*entries, full]:
        back = pickle.loads(pickle.dumps(entry))
        assert back == entry
        assert all(getattr(back, f.name) == getattr(entry, f.name) for f in dataclasses.fields(Entry))
        assert back.url_path == entry.url_path
    assert len(pickle.dumps(entries[0])) < len(pickle.dumps(full))
