"""The memo store cannot lie about a damaged file or folder: bit flips anywhere (in a blob, a key, a
check), rows moved between keys and tables, truncation, garbage, a lost index, a directory for the
file, a file for the folder, read-only (a bind mount, chattr +i) and full (a small tmpfs). Every read
gives the value last put for its key or a miss, never another value and never an exception."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import random
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from test_memo_store import FP, flip, heals, populate, raw_query, read_back, replace_file, story

from feedsite.memo import Store
from feedsite.memo.store import FILE_NAME


def framed(text: str) -> bytes:
    data = text.encode()
    return len(data).to_bytes(4, "little") + data


def test_rows_moved_to_another_key_or_table_or_not_unpickling_are_misses(tmp_path: Path) -> None:
    """The check covers fingerprint, table name, key and blob; a checked blob that does not unpickle
    is a miss too. Each bad row is deleted at the next commit."""
    expected = populate(tmp_path)
    path = tmp_path / FILE_NAME

    def rewrite(key: str, blob: bytes) -> None:
        check = hashlib.blake2b(framed(FP) + framed("entries") + framed(key) + blob, digest_size=16)
        sql = "UPDATE t_entries SET blob = ?, chk = ? WHERE key = ?"
        raw_query(path, sql, blob, check.digest(), key.encode())

    rewrite("key-004", pickle.dumps("rewritten"))  # the check as documented: accepted
    unreadable = b"\x80\x05\x95\x14\x00\x00\x00\x00\x00\x00\x00\x8c\x0cnosuchmodule\x94\x8c\x01X\x93."
    with pytest.raises(ModuleNotFoundError):
        pickle.loads(unreadable)
    rewrite("key-003", unreadable)  # checked, yet it does not unpickle
    moved = "UPDATE t_entries SET (blob, chk) = (SELECT blob, chk FROM t_entries WHERE key = ?) WHERE key = ?"
    raw_query(path, moved, b"key-001", b"key-002")  # key-002 now holds key-001's row
    raw_query(path, "INSERT INTO t_entries SELECT * FROM t_html WHERE key = ?", b"h5")  # from another table
    with Store(tmp_path, FP) as store:
        table = store.table("entries")
        assert table.get_many(["key-001", "key-002", "key-003", "h5"]) == {"key-001": story(1)}
        got = table.load_all()
        assert set(expected["entries"]) - set(got) == {"key-002", "key-003"} and "h5" not in got
        assert got.pop("key-004") == "rewritten"
        assert all(got[key] == expected["entries"][key] for key in got)
        store.commit()
    keys = {key for (key,) in raw_query(path, "SELECT key FROM t_entries")}
    assert {b"key-002", b"key-003", b"h5"}.isdisjoint(keys) and b"key-001" in keys


# -- a damaged file ------------------------------------------------------------------------
def test_single_bit_flips_all_over_the_file(tmp_path: Path) -> None:
    pristine = tmp_path / "pristine"
    expected = populate(pristine)
    data = (pristine / FILE_NAME).read_bytes()
    folder = tmp_path / "cache"
    folder.mkdir()
    rng = random.Random(11)
    positions = sorted(rng.sample(range(len(data)), 300)) + list(range(0, 100, 3))  # the header too
    hows = ("load_all", "get_many", "getitem")
    total = sum(len(values) for values in expected.values())
    for n, position in enumerate(positions):
        replace_file(folder, data)
        flip(folder / FILE_NAME, position, n % 8)
        read_back(folder, expected, hows[n % 3])  # reads right values or misses; drops bad rows
        read_back(folder, expected, hows[(n + 1) % 3])  # after that commit: still never wrong
    replace_file(folder, data)
    assert read_back(folder, expected, "load_all") == total  # the check itself passes good rows


def positions_of(data: bytes, needle: bytes) -> list[int]:
    found, start = [], data.find(needle)
    while start >= 0:
        found.append(start)
        start = data.find(needle, start + 1)
    return found


def test_flips_inside_a_stored_blob_key_and_check_are_misses(tmp_path: Path) -> None:
    pristine = tmp_path / "pristine"
    expected = populate(pristine)
    data = (pristine / FILE_NAME).read_bytes()
    [(check,)] = raw_query(pristine / FILE_NAME, "SELECT chk FROM t_entries WHERE key = ?", b"key-017")
    folder = tmp_path / "cache"
    folder.mkdir()
    blob_at = positions_of(data, b"NEEDLE-TITLE-007")
    key_at = positions_of(data, b"key-needle")
    check_at = positions_of(data, check)
    assert len(blob_at) == 1 and len(check_at) == 1 and key_at  # the key is in the table and its index
    cases = [(blob_at[0], "key-007"), (check_at[0], "key-017")] + [(at, "key-needle") for at in key_at]
    for start, victim in cases:
        for offset in range(0, 16, 3):
            for bit in (0, 3, 7):
                (folder / FILE_NAME).write_bytes(data)
                flip(folder / FILE_NAME, start + offset, bit)
                with Store(folder, FP) as store:
                    table = store.table("entries")
                    got = table.load_all()
                    assert set(got) <= set(expected["entries"])  # a flipped key never shows up
                    assert all(value == expected["entries"][key] for key, value in got.items())
                    if victim != "key-needle":  # the row itself changed: it must be a miss
                        assert victim not in got and len(got) == len(expected["entries"]) - 1
                    store.commit()  # the bad row is deleted
                if victim != "key-needle":
                    count = raw_query(folder / FILE_NAME, "SELECT count(*) FROM t_entries")
                    assert count == [(len(expected["entries"]) - 1,)]
                read_back(folder, expected, "get_many")  # by index now: still never a wrong value


@pytest.mark.parametrize("cut", [0, 1, 50, 100, 4096, 0.5, -4096, -1])
def test_truncated_file(tmp_path: Path, cut: float) -> None:
    expected = populate(tmp_path)
    path = tmp_path / FILE_NAME
    size = path.stat().st_size
    length = int(size * cut) if isinstance(cut, float) else cut % size if cut < 0 else cut
    os.truncate(path, length)
    for how in ("get_many", "load_all", "getitem"):
        read_back(tmp_path, expected, how)
    assert heals(tmp_path)


def test_an_index_that_lost_entries_never_serves_the_older_of_two_rows(tmp_path: Path) -> None:
    """Found by hypothesis: cut the file short and the key index loses its entries; a put then adds a
    second row for its key instead of replacing the first. Both rows pass their check, so which is
    current cannot be known: the key is a miss (and the file dropped), never the older value."""
    with Store(tmp_path, FP) as store:
        store.table("t").put_many((key, 0) for key in "abcdefgh")
        store.commit()
    path = tmp_path / FILE_NAME
    os.truncate(path, path.stat().st_size * 81 // 100)
    with Store(tmp_path, FP) as store:
        store.table("t")["a"] = 1
        store.commit()
    assert raw_query(path, "SELECT count(*) FROM t_t NOT INDEXED WHERE key = x'61'") == [(2,)]  # the case
    with Store(tmp_path, FP) as store:
        assert store.table("t").get("a") in (1, None)  # through the index: the latest row
    with Store(tmp_path, FP) as store:
        assert "a" not in store.table("t").load_all()  # a scan sees both: a miss
        assert not store.usable
    assert heals(tmp_path)


@pytest.mark.parametrize("how", ["delete", "retain"])
def test_an_index_that_lost_entries_cannot_keep_a_deleted_row(tmp_path: Path, how: str) -> None:
    """The same damage: rows the index cannot find are still deleted (the table's own rows are listed)."""
    with Store(tmp_path, FP) as store:
        store.table("t").put_many((key, 0) for key in "abcdefgh")
        store.commit()
    path = tmp_path / FILE_NAME
    os.truncate(path, path.stat().st_size * 81 // 100)
    with Store(tmp_path, FP) as store:
        table = store.table("t")
        assert table.get("a") is None  # the index cannot find it
        if how == "delete":
            with pytest.raises(KeyError):
                del table["a"]
        else:
            table.retain("bcdefgh")
        store.commit()
    if path.exists():
        assert raw_query(path, "SELECT count(*) FROM t_t NOT INDEXED WHERE key = x'61'") == [(0,)]
    with Store(tmp_path, FP) as store:
        assert "a" not in store.table("t").load_all()


@pytest.mark.parametrize("keep_header", [0, 100, 4096])
def test_garbage_instead_of_a_database(tmp_path: Path, keep_header: int) -> None:
    expected = populate(tmp_path)
    path = tmp_path / FILE_NAME
    data = path.read_bytes()
    path.write_bytes(data[:keep_header] + random.Random(5).randbytes(len(data) - keep_header))
    (tmp_path / "precious.txt").write_text("not the store's")
    if keep_header == 0:  # "file is not a database": replaced at once by a fresh, empty one
        with Store(tmp_path, FP) as store:
            assert store.usable and store.table("entries").load_all() == {}
    for how in ("get_many", "load_all", "getitem"):
        read_back(tmp_path, expected, how)
    assert heals(tmp_path)
    assert (tmp_path / "precious.txt").read_text() == "not the store's"


def test_a_schema_whose_error_message_is_not_utf8(tmp_path: Path) -> None:
    """Found by hypothesis: sqlite3 raises UnicodeDecodeError (not sqlite3.Error) on this file."""
    Store(tmp_path, FP).close()
    path = tmp_path / FILE_NAME
    path.write_bytes(path.read_bytes()[:3968] + random.Random(497).randbytes(path.stat().st_size))
    with contextlib.closing(sqlite3.connect(path)) as db, pytest.raises(UnicodeDecodeError):
        db.execute("PRAGMA journal_mode=WAL")
    with Store(tmp_path, FP) as store:
        assert store.usable and store.table("t").load_all() == {}  # replaced by a fresh file
    assert heals(tmp_path)


# -- a folder that is not a folder, or not writable -----------------------------------------
def test_database_path_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).mkdir()
    (tmp_path / FILE_NAME / "inside.txt").write_text("keep me")
    with Store(tmp_path, FP) as store:
        assert not store.usable
        table = store.table("entries")
        table["a"] = story(1)
        store.commit()
        assert table["a"] == story(1) and table.load_all() == {"a": story(1)}
    assert (tmp_path / FILE_NAME / "inside.txt").read_text() == "keep me"
    assert sorted(os.listdir(tmp_path)) == [FILE_NAME]


def test_cache_folder_is_a_plain_file(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("not a folder")
    with Store(tmp_path / "cache", FP) as store:
        assert not store.usable
        store.table("entries")["a"] = 1
        store.commit()
        assert store.table("entries").get_many(["a", "b"]) == {"a": 1}
    assert (tmp_path / "cache").read_text() == "not a folder"


@contextlib.contextmanager
def mounted(target: Path, *options: str) -> Iterator[None]:
    """`mount options… target`, undone afterwards; the test is skipped where mounting is not allowed."""
    try:
        subprocess.run(["mount", *options, str(target)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"cannot mount here ({error}): read-only and full filesystems untested")
    try:
        yield
    finally:
        subprocess.run(["umount", str(target)], check=True)


@contextlib.contextmanager
def read_only_view(folder: Path, view: Path) -> Iterator[None]:
    view.mkdir()
    with mounted(view, "--bind", str(folder)):
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
        yield


def test_read_only_folder(tmp_path: Path) -> None:
    expected = populate(tmp_path / "cache")
    before = {name: (tmp_path / "cache" / name).read_bytes() for name in os.listdir(tmp_path / "cache")}
    with read_only_view(tmp_path / "cache", tmp_path / "ro"):
        for how in ("load_all", "get_many", "getitem"):
            read_back(tmp_path / "ro", expected, how)
        with Store(tmp_path / "ro", FP) as store:
            table = store.table("entries")
            table["key-001"] = "changed"
            store.commit()
            assert not store.usable and table["key-001"] == "changed"
        with Store(tmp_path / "ro" / "deeper", FP) as store:  # a folder that cannot be made
            store.table("x")["a"] = 1
            store.commit()
            assert not store.usable and store.table("x")["a"] == 1
    after = {name: (tmp_path / "cache" / name).read_bytes() for name in os.listdir(tmp_path / "cache")}
    assert after == before


def test_read_only_database_file(tmp_path: Path) -> None:
    """An immutable file (chattr +i: even root cannot write it) is read; changes cannot be stored."""
    expected = populate(tmp_path)
    path = tmp_path / FILE_NAME
    before = path.read_bytes()
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        for how in ("load_all", "get_many", "getitem"):
            read_back(tmp_path, expected, how)
        with Store(tmp_path, FP) as store:
            store.table("entries")["key-001"] = "changed"
            store.commit()
            assert not store.usable and store.table("entries")["key-001"] == "changed"
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    assert path.read_bytes() == before


def test_disk_full(tmp_path: Path) -> None:
    small = tmp_path / "small"
    small.mkdir()
    with mounted(small, "-t", "tmpfs", "-o", "size=256k", "tmpfs"):
        with Store(small, FP) as store:
            table = store.table("entries")
            table["first"] = "fits"
            store.commit()
            assert store.usable
            table["first"] = "changed"
            table.put_many((f"big-{i}", os.urandom(4000)) for i in range(200))  # 800 KB: cannot fit
            store.commit()
            assert not store.usable and table["first"] == "changed" and len(table) == 201
        # what this run put could not be stored, so "fits" must not come back: the file went
        assert FILE_NAME not in os.listdir(small)
        with Store(small, FP) as store:
            assert store.usable and store.table("entries").get("first") is None


# -- the property ----------------------------------------------------------------------------
KEYS = ["a", "b", "c", "d", "e", "f", "g", "é"]
VALUES = st.one_of(st.integers(), st.text(max_size=30), st.binary(max_size=6000))
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.sampled_from(KEYS), VALUES),
        st.tuples(st.just("delete"), st.sampled_from(KEYS)),
        st.tuples(st.just("retain"), st.frozensets(st.sampled_from(KEYS))),
        st.tuples(st.just("commit")),
        st.tuples(st.just("reopen")),
        st.tuples(st.just("flip"), st.integers(0, 2**32), st.integers(1, 8), st.booleans()),
        st.tuples(st.just("truncate"), st.integers(0, 100)),
        st.tuples(st.just("garbage"), st.integers(0, 2**32), st.integers(0, 100)),
    ),
    max_size=30,
)
GONE = object()


def damage(path: Path, operation: tuple[Any, ...]) -> None:
    size = path.stat().st_size if path.exists() else 0
    if size == 0:
        return
    if operation[0] == "flip":  # a few bits, anywhere or past the first page (the schema)
        rng = random.Random(operation[1])
        start = 4096 if operation[3] and size > 4096 else 0
        for _ in range(operation[2]):
            flip(path, rng.randrange(start, size), rng.randrange(8))
    elif operation[0] == "truncate":
        os.truncate(path, size * operation[1] // 100)
    elif operation[0] == "garbage":
        keep = size * operation[2] // 100  # the garbage starts here
        path.write_bytes(path.read_bytes()[:keep] + random.Random(operation[1]).randbytes(size))


EXAMPLES = int(os.environ.get("MEMO_EXAMPLES", "150"))  # more for a soak run


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({key: VALUES for key in KEYS}), OPERATIONS)
# Found by hypothesis: a file cut short loses its key index; a put then added a second row (read back
# the older) and a delete found no row to delete (the row came back). See _accept and _write.
@example(dict.fromkeys(KEYS, 0), [("truncate", 81), ("put", "a", 1), ("commit",), ("reopen",)])
@example(dict.fromkeys(KEYS, 0), [("truncate", 81), ("delete", "a"), ("commit",), ("reopen",)])
def test_no_sequence_of_operations_reads_a_value_other_than_the_last_put(
    start: dict[str, Any], operations: list[Any]
) -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        path = folder / FILE_NAME
        committed: dict[str, Any] = {}
        pending: dict[str, Any] = dict(start)  # key → value, or GONE: deleted
        store = Store(folder, FP)
        store.table("t").put_many(start.items())
        operations = [("commit",), *operations]
        for operation in operations:
            kind = operation[0]
            table = store.table("t")
            if kind == "put":
                table[operation[1]] = pending[operation[1]] = operation[2]
            elif kind == "delete":  # even a key the table cannot read now: its row must go
                with contextlib.suppress(KeyError):
                    del table[operation[1]]
                pending[operation[1]] = GONE
            elif kind == "retain":
                table.retain(operation[1])
                pending.update((key, GONE) for key in KEYS if key not in operation[1])
            elif kind == "commit":
                store.commit()
                committed.update(pending)
                pending = {}
            else:  # reopen, after damage to the file if any: what was not committed is lost
                store.close()
                pending = {}
                damage(path, operation)
                store = Store(folder, FP)
            current = committed | pending
            table = store.table("t")
            fresh = Store(folder, FP) if kind in ("commit", "reopen") else None
            for reader in (table, fresh.table("t") if fresh else None):
                if reader is None:
                    continue
                got = reader.get_many(KEYS) if kind != "reopen" else reader.load_all()
                for key, value in got.items():
                    assert current.get(key, GONE) is not GONE, f"{key} was deleted, read {value!r}"
                    assert type(value) is type(current[key]) and value == current[key]
                live = [key for key, value in current.items() if value is not GONE]
                if reader is table and kind in ("flip", "truncate", "garbage") and live:
                    share = "all" if len(got) == len(live) else "some" if got else "none"
                    event(f"after {kind}: {'usable' if store.usable else 'memory only'}, read {share}")
            if fresh is not None:
                fresh.close()
        store.close()
