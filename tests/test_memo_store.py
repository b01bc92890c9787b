"""The memo store in ordinary use: round trips, other processes and threads, watch mode's warm state,
fingerprints, no folder at all, forked workers. Real sqlite files and real forks, no mocks. What a
damaged file or folder does is in test_memo_damage.py, which shares the helpers here."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from feedsite.memo import Store, chunks, spread
from feedsite.memo.store import FILE_NAME

FP = "fingerprint-1"
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}  # this checkout's feedsite
ROME = ZoneInfo("Europe/Rome")


@dataclass(frozen=True)
class Story:
    title: str
    date: datetime
    tags: tuple[str, ...]
    body: str
    extra: dict[str, Any]


def story(i: int) -> Story:
    return Story(
        title=f"NEEDLE-TITLE-{i:03d} Trump and Putin",
        date=datetime(2024, 11, 7, 9, i % 60, tzinfo=ROME),
        tags=("Ukraine", f"tag{i % 5}"),
        body=f"Paragraph {i}. " * (10 + i % 90),
        extra={"n": i, "when": datetime(2024, 1, 1, tzinfo=ROME), "raw": bytes(range(i % 256))},
    )


def populate(folder: Path, count: int = 40) -> dict[str, dict[str, Any]]:
    """A committed store with two tables; returns what it holds."""
    expected: dict[str, dict[str, Any]] = {
        "entries": {f"key-{i:03d}": story(i) for i in range(count)},
        "html": {f"h{i}": f"<p>html {i}</p>" * (i % 7) for i in range(count)},
    }
    expected["entries"]["key-needle"] = story(999)
    with Store(folder, FP) as store:
        for name, values in expected.items():
            store.table(name).put_many(values.items())
        store.commit()
        assert store.usable
    assert not (folder / (FILE_NAME + "-wal")).exists()  # checkpointed: the file holds everything
    return expected


def read_back(folder: Path, expected: dict[str, dict[str, Any]], how: str) -> int:
    """Read every table one way; any value found must be the right one. Commits (dropping bad rows)."""
    found = 0
    with Store(folder, FP) as store:
        for name, values in expected.items():
            table = store.table(name)
            if how == "load_all":
                got = table.load_all()
            elif how == "get_many":
                got = table.get_many([*values, "no-such-key"])
            else:
                got = {key: table[key] for key in values if key in table}
            assert set(got) <= set(values), f"{name}: keys never put: {set(got) - set(values)}"
            for key, value in got.items():
                assert value == values[key], f"{name}[{key}] read back wrong"
            found += len(got)
        store.commit()
    return found


def replace_file(folder: Path, data: bytes) -> None:
    """The store's file becomes data (with no write-ahead log of another file's left beside it)."""
    for suffix in ("-wal", "-shm"):
        (folder / (FILE_NAME + suffix)).unlink(missing_ok=True)
    (folder / FILE_NAME).write_bytes(data)


def raw_query(path: Path, sql: str, *args: Any) -> list[Any]:
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        return db.execute(sql, args).fetchall()


def flip(path: Path, position: int, bit: int) -> None:
    with path.open("r+b") as file:
        file.seek(position)
        byte = file.read(1)[0]
        file.seek(position)
        file.write(bytes([byte ^ (1 << bit)]))


def round_trips(folder: Path) -> bool:
    """A value put and committed now is read back by the next Store."""
    with Store(folder, FP) as store:
        store.table("entries")["healed"] = story(7)
        store.commit()
    with Store(folder, FP) as store:
        return store.usable and store.table("entries").get("healed") == story(7)


def heals(folder: Path) -> bool:
    """Within two runs the store is back to normal (the first may only discover and drop a bad file)."""
    return round_trips(folder) or round_trips(folder)


# -- ordinary use --------------------------------------------------------------------------
def test_round_trip_of_plain_data(tmp_path: Path) -> None:
    values: dict[str, Any] = {
        "story": story(3),
        "bytes": b"\x00\xff" * 100,
        "tuple": (1, "two", (3.0, None)),
        "dict": {"a": [1, 2], "b": {"c": datetime(2024, 11, 7, tzinfo=ROME)}},
        "": "the empty key",
        "clé/ü 日本": "non-ASCII key",
        "lone \ud800 surrogate": "still a str",
    }
    with Store(tmp_path, FP) as store:
        table = store.table("things")
        assert store.table("things") is table
        table.put_many(values.items())
        assert table.get_many(values) == values  # before commit: from memory
        store.commit()
    with Store(tmp_path, FP) as store:
        table = store.table("things")
        assert table.get_many([*values, "absent"]) == values
        assert table["story"] == story(3) and table["story"].date.tzinfo is ROME
        assert "absent" not in table and table.get("absent") is None
        with pytest.raises(KeyError):
            table["absent"]
        assert table.load_all() == values and len(table) == len(values) and set(table) == set(values)
        del table["tuple"]
        table["bytes"] = b"new"
        store.commit()
    with Store(tmp_path, FP) as store:
        table = store.table("things")
        assert "tuple" not in table and table["bytes"] == b"new" and len(table) == len(values) - 1
        assert store.table("other").load_all() == {}
        with pytest.raises(ValueError):
            store.table("Bad Name; DROP TABLE")


@pytest.mark.parametrize("loaded", [False, True])
def test_retain_deletes_every_other_row_in_memory_and_on_file(tmp_path: Path, loaded: bool) -> None:
    expected = populate(tmp_path)
    keep = ["key-001", "key-002", "key-needle", "never-stored"]
    with Store(tmp_path, FP) as store:
        table = store.table("entries")
        assert table["key-003"] == story(3)  # read, so in memory: retain must drop it there too
        if loaded:  # every row in memory: retain knows which go without listing the file
            assert table.load_all() == expected["entries"]
        table.retain(keep)
        assert "key-003" not in table and "key-005" not in table
        table["late"] = 1  # put after retain: kept
        store.commit()
        kept = {key: expected["entries"][key] for key in keep[:3]} | {"late": 1}
        assert table.load_all() == kept
    with Store(tmp_path, FP) as store:
        assert store.table("entries").load_all() == kept
        assert store.table("html").load_all() == expected["html"]  # another table: untouched
    assert raw_query(tmp_path / FILE_NAME, "SELECT count(*) FROM t_entries") == [(4,)]


def test_a_value_that_does_not_pickle_is_not_stored(tmp_path: Path) -> None:
    with Store(tmp_path, FP) as store:
        store.table("t")["f"] = "old"
        store.commit()
        store.table("t")["f"] = lambda: "cannot be pickled"
        store.table("t")["g"] = "fine"
        store.commit()
        assert store.usable and callable(store.table("t")["f"])  # this run still sees it
    with Store(tmp_path, FP) as store:
        assert store.table("t").load_all() == {"g": "fine"}  # neither it nor the old value


def test_a_fresh_process_sees_committed_values_only(tmp_path: Path) -> None:
    with Store(tmp_path, FP) as store:
        table = store.table("plain")
        table["committed"] = {"when": datetime(2024, 11, 7, 9, tzinfo=ROME), "tags": ("a", "b")}
        store.commit()
        table["pending"] = "not committed"
        code = (
            "import sys; from pathlib import Path; from feedsite.memo import Store\n"
            f"s = Store(Path(sys.argv[1]), {FP!r}); print(repr(s.table('plain').load_all()), s.usable)"
        )
        command = [sys.executable, "-c", code, str(tmp_path)]
        run = subprocess.run(command, capture_output=True, text=True, env=ENV)
    assert run.returncode == 0, run.stderr
    expected = {"committed": {"when": datetime(2024, 11, 7, 9, tzinfo=ROME), "tags": ("a", "b")}}
    assert run.stdout.strip() == f"{expected!r} True"


def test_warm_state_reads_no_row_twice(tmp_path: Path) -> None:
    """A Store kept open (watch mode) answers from memory: rows deleted behind its back still read."""
    expected = populate(tmp_path)
    store = Store(tmp_path, FP)
    entries, html = store.table("entries"), store.table("html")
    assert entries.load_all() == expected["entries"]
    assert html.get_many(["h1", "h2"]) == {"h1": expected["html"]["h1"], "h2": expected["html"]["h2"]}
    entries["new"] = story(1234)
    store.commit()  # one build done
    raw_query(tmp_path / FILE_NAME, "DELETE FROM t_entries")
    raw_query(tmp_path / FILE_NAME, "DELETE FROM t_html")
    assert entries.load_all() == expected["entries"] | {"new": story(1234)}
    assert entries.get_many(["key-001", "new"]) == {"key-001": story(1), "new": story(1234)}
    assert html.get_many(["h1", "h2", "h3"]) == {"h1": expected["html"]["h1"], "h2": expected["html"]["h2"]}
    store.close()
    assert Store(tmp_path, FP).table("entries").load_all() == {}  # the file really was emptied


def test_a_store_opened_in_one_thread_works_in_another(tmp_path: Path) -> None:
    """Watch mode may open the store in one thread and build in another: still the file, not memory."""
    expected = populate(tmp_path)
    store = Store(tmp_path, FP)
    results: list[Any] = []

    def build() -> None:
        results.append(store.table("entries").load_all() == expected["entries"])
        store.table("entries")["from-thread"] = 1
        store.commit()
        results.append(store.usable)

    worker = threading.Thread(target=build)
    worker.start()
    worker.join()
    store.close()
    assert results == [True, True]
    with Store(tmp_path, FP) as again:
        assert again.table("entries")["from-thread"] == 1


def test_fingerprint_change_starts_afresh(tmp_path: Path) -> None:
    populate(tmp_path)
    with Store(tmp_path, "another version") as store:
        assert store.usable and store.table("entries").load_all() == {}
        store.table("entries")["x"] = "made by another version"
        store.commit()
    with Store(tmp_path, FP) as store:
        assert store.usable and store.table("entries").load_all() == {}
    assert sorted(os.listdir(tmp_path)) == [FILE_NAME]


def test_no_folder_writes_nothing_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "precious.txt").write_text("mine")
    before = sorted(str(p) for p in tmp_path.rglob("*")), sorted(os.listdir(tempfile.gettempdir()))
    with Store(None, FP) as store:
        table = store.table("entries")
        table.put_many([("a", story(1)), ("b", story(2))])
        store.commit()
        assert not store.usable and table.load_all() == {"a": story(1), "b": story(2)}
        table.retain(["a"])
        store.commit()
        assert dict(table) == {"a": story(1)}
    after = sorted(str(p) for p in tmp_path.rglob("*")), sorted(os.listdir(tempfile.gettempdir()))
    assert after == before


def child(folder: Path, code: str, *args: str) -> subprocess.Popen[str]:
    """A Python process running code (with Store, FP, folder and sys imported), talking by lines."""
    head = f"import sys, os; from pathlib import Path; from feedsite.memo import Store; FP = {FP!r}\n"
    command = [sys.executable, "-c", head + "folder = Path(sys.argv[1])\n" + code, str(folder), *args]
    return subprocess.Popen(
        command, env=ENV, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
    )


@pytest.mark.parametrize("before", ["no file", "another version's file"])
def test_two_processes_committing_at_once_both_succeed(tmp_path: Path, before: str) -> None:
    """Both open the file at the same moment (each spins until the instant it is given), then commit
    in turns. When their opens met, one went memory-only and removed the other's new file; over
    another version's file, one removed the new file the other had just made in its place."""
    if before != "no file":
        with Store(tmp_path, "an older version") as store:
            store.table("shared").put_many((f"old-{i}", "y" * 3000) for i in range(50))
            store.commit()
    code = (
        "import time; name = sys.argv[2]; print('ready'); start = float(input())\n"
        "while time.time() < start: pass\n"
        "s = Store(folder, FP); t = s.table('shared')\n"
        "for i in range(30):\n"
        "    t[f'{name}-{i}'] = 'x' * 5000; s.commit(); t.load_all()\n"
        "print(s.usable)"
    )
    runs = [child(tmp_path, code, name) for name in ("one", "two")]
    for run in runs:
        assert run.stdout is not None and run.stdout.readline() == "ready\n"
    start = time.time() + 0.05
    for run in runs:
        assert run.stdin is not None
        run.stdin.write(f"{start}\n")
        run.stdin.flush()
    assert [run.communicate(timeout=120)[0].strip() for run in runs] == ["True", "True"]
    with Store(tmp_path, FP) as store:
        assert len(store.table("shared").load_all()) == 60


def test_opening_a_file_another_process_is_making_waits_for_it(tmp_path: Path) -> None:
    """Making a new file WAL takes its write lock without sqlite's busy wait (BUSY at once): the store
    waits itself. It went memory-only, and its first commit removed the other process's new file."""
    path = tmp_path / FILE_NAME
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # a new file, its write lock held: another process making it
        run = child(
            tmp_path,
            "print('opening'); s = Store(folder, FP); s.table('t')['a'] = 1; s.commit()\n"
            "print(s.usable, os.path.exists(folder / 'memo.sqlite'))",
        )
        assert run.stdout is not None and run.stdout.readline() == "opening\n"
        with pytest.raises(subprocess.TimeoutExpired):  # it waits (it gave up at once, before)
            run.wait(timeout=0.5)
        other.execute("COMMIT")
    assert run.communicate(timeout=60)[0].split() == ["True", "True"]
    with Store(tmp_path, FP) as store:
        assert store.usable and store.table("t").load_all() == {"a": 1}


def test_a_commit_locked_out_past_the_busy_timeout_keeps_the_file_and_its_changes(tmp_path: Path) -> None:
    """Another process holding the write lock longer than the busy timeout is no failure of the file:
    the file it writes stays (it was removed, and the store went memory-only), the store stays usable
    and its changes are written at its next commit."""
    expected = populate(tmp_path)
    path = tmp_path / FILE_NAME
    code = (
        "s = Store(folder, FP, busy_seconds=0.2); t = s.table('html')\n"  # (Story: not importable there)
        "t['late'] = t['h1'] * 2; print('ready'); input()\n"
        "s.commit(); print(s.usable, os.path.exists(folder / 'memo.sqlite')); input()\n"
        "s.commit(); print(s.usable)"
    )
    with child(tmp_path, code) as run:
        assert run.stdin is not None and run.stdout is not None
        assert run.stdout.readline() == "ready\n"
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")  # held while the child commits
            run.stdin.write("commit\n")
            run.stdin.flush()
            assert run.stdout.readline().split() == ["True", "True"]
            other.execute("COMMIT")
        run.stdin.write("commit again\n")
        run.stdin.flush()
        assert run.communicate(timeout=60)[0].split() == ["True"]
    with Store(tmp_path, FP) as store:  # what the other process wrote, and the child's change
        late = expected["html"]["h1"] * 2
        assert store.table("html").load_all() == expected["html"] | {"late": late}
        assert store.usable and store.table("entries").load_all() == expected["entries"]


# -- forked workers -----------------------------------------------------------------------
def test_a_forked_child_reads_through_its_own_connection(tmp_path: Path) -> None:
    expected = populate(tmp_path)
    store = Store(tmp_path, FP)
    table = store.table("entries")
    table["pending"] = story(500)  # not committed: the child sees it from memory
    del table["key-002"]  # not committed: the child must not see it on file
    assert store._db is not None
    parent_statements: list[str] = []
    store._db.set_trace_callback(parent_statements.append)
    want = dict(expected["entries"]) | {"pending": story(500)}
    del want["key-002"]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            ok = (
                table.get_many([*expected["entries"], "pending"]) == want
                and table["key-005"] == story(5)
                and table.load_all() == want
                and store.table("html").load_all() == expected["html"]
                and parent_statements == []  # its reads never went through the parent's connection
            )
            table["from-child"] = 1
            store.commit()
            os.write(write, b"ok" if ok else b"wrong")
        except BaseException as error:
            os.write(write, repr(error).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 1000) == b"ok"
    os.close(read)
    store._db.set_trace_callback(None)
    assert table.load_all() == want  # the parent's connection still works
    store.commit()
    store.close()
    with Store(tmp_path, FP) as again:
        assert again.table("entries").load_all() == want  # the child's write was not stored


def test_spread_runs_jobs_in_forked_workers_that_read_the_store(tmp_path: Path) -> None:
    expected = populate(tmp_path, 300)
    keys = sorted(expected["entries"])
    with Store(tmp_path, FP) as store:
        table = store.table("entries")

        def job(start: int, stop: int) -> list[Any]:
            return [(os.getpid(), table[key].title) for key in keys[start:stop]]

        pids: set[int] = set()
        titles: list[str] = []
        for count, part in spread(job, len(keys), at_least=1):
            assert count == len(part)
            pids.update(pid for pid, _title in part)
            titles += [title for _pid, title in part]
        assert titles == [expected["entries"][key].title for key in keys]
        if os.cpu_count() and len(os.sched_getaffinity(0)) > 1:
            assert os.getpid() not in pids  # really in workers
        serial = list(spread(job, 10))  # below the threshold: one chunk, in this process
        assert [count for count, _ in serial] == [10] and serial[0][1][0][0] == os.getpid()
        assert list(chunks(job, 0, at_least=1)) == []
