"""What a rebuild reads back from the memo: packed views (a few checked rows per table, only changed
shards rewritten), entries remembered without their bodies (read back from their files, checked),
and post HTML read only when shown (made again when the memo lost it). Real stores, no mocks."""

from __future__ import annotations

import sqlite3
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


def remembered_build(root: Path, folder: Path) -> tuple[list[Entry], list[Entry]]:
    """Entries loaded into a fresh memo, then loaded again from it (a rebuild)."""
    config = load_config(root)
    with Store(folder, FP) as store:
        memos = Memos(store)
        first = load_entries(config, memos.view("entries"), memos.view("files"))
        memos.save()
    with Store(folder, FP) as store:
        memos = Memos(store)
        again = load_entries(config, memos.view("entries"), memos.view("files"))
    return first, again


def test_a_remembered_entry_reads_its_body_from_its_file(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    first, again = remembered_build(root, tmp_path / "cache")
    assert all("body" not in entry.__dict__ for entry in again)  # not stored, not read
    assert [entry.body for entry in again] == [entry.body for entry in first]
    assert again == first
    stored = (tmp_path / "cache" / FILE_NAME).read_bytes()
    assert all(entry.body.encode() not in stored for entry in first if len(entry.body) > 40)


def test_a_file_that_changed_after_loading_is_an_error_not_a_wrong_body(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    _first, again = remembered_build(root, tmp_path / "cache")
    entry = again[0]
    path = root / entry.path
    path.write_text(path.read_text("utf-8") + "\nA sentence added meanwhile.\n", "utf-8")
    with pytest.raises(ContentError, match="changed while the site was being built"):
        entry.body  # noqa: B018


def test_post_html_is_read_when_shown_and_made_again_when_lost(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    config = load_config(root)
    first, again = remembered_build(root, tmp_path / "cache")
    records: dict[str, tuple[str, int, int]] = {}
    pages: dict[str, str] = {}
    made = render_posts(config, first, records, pages=pages)
    assert len(pages) == len(first)
    reads: list[str] = []

    class Counted(dict[str, str]):
        def get(self, key: str, default: object = None) -> str | None:  # type: ignore[override]
            reads.append(key)
            return super().get(key)

    kept = Counted(list(pages.items())[1:])  # the memo lost one page of HTML
    shown = render_posts(config, again, dict(records), pages=kept)
    assert reads == []  # nothing read yet
    assert [post.summary for post in shown] == [post.summary for post in made]
    assert [post.html for post in shown] == [post.html for post in made]
    assert len(reads) == len(first) and len(kept) == len(pages)  # the lost one made again, kept
