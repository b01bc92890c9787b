"""The memo store: named tables of picklable values in one sqlite file, never trusted blindly.

Each row is (key, blob, check), check = blake2b-128 over the fingerprint, the table's name, the key
and the blob, verified before the blob is unpickled: a row that fails (a flipped bit anywhere in it)
or does not unpickle is a miss, deleted at the next commit. Freed space is zeroed (secure_delete), so
a damaged page pointer cannot lead to an older version of a row either.

Any sqlite error, at open or mid-run (not a database, malformed, a directory where the file should
be, the folder a plain file, read-only, disk full, locked past the busy timeout) makes the store
memory-only for the rest of the run: nothing is raised, what was read stays valid, ``usable`` turns
False. A file that is itself unreadable is removed, so the next open starts a fresh one; so is the
file when changes could not be written to it (a later run must not read what this run replaced).
Only the store's own files are ever removed (memo.sqlite, -wal, -shm), never a folder.

Values read or put stay in memory in the Store object: one kept open across builds (watch mode: open
once, commit after each build) reads no row twice. Keys should name their inputs (a content hash).

Fork safety: in a forked child (os.getpid() is not the opener's) a table never touches the parent's
connection: it reads from memory, then through the child's own read-only connection. Writes in a
child are never stored (commit there does nothing; the child's own reads see them). A forked child
should end with os._exit, as multiprocessing's workers do.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import re
import sqlite3
from collections.abc import Collection, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

FILE_NAME = "memo.sqlite"
OWN_SUFFIXES = ("", "-wal", "-shm")  # the store's own files: the only ones it ever removes
SCHEMA = "feedsite-memo-1"
BUSY_SECONDS = 10.0  # how long to wait for another process's write before giving up (memory only)
_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}\Z")
# sqlite result codes that blame the surroundings, not the file: the file is left alone for them.
# PERM, BUSY, LOCKED, NOMEM, READONLY, INTERRUPT, IOERR, FULL, CANTOPEN, PROTOCOL, NOLFS, AUTH
_NOT_THE_FILE = frozenset({3, 5, 6, 7, 8, 9, 10, 13, 14, 15, 22, 23})
# What sqlite3 may raise on a bad file or folder: its own errors, and a message or text it cannot decode.
_FAILURES = (sqlite3.Error, OSError, ValueError, MemoryError, OverflowError)
_KEYS_PER_QUERY = 30_000  # below sqlite's limit on bound variables (32,766 since 3.32)
_CREATE = "CREATE TABLE IF NOT EXISTS {} (key BLOB PRIMARY KEY, blob BLOB NOT NULL, chk BLOB NOT NULL)"
Row = tuple[Any, Any, Any, Any]  # rowid, key, blob, check: as read, so of any type after corruption


def _raw(key: str) -> bytes:
    """A key as stored: its UTF-8 (lone surrogates kept, so every str has one)."""
    return key.encode("utf-8", "surrogatepass")


def _framed(text: str) -> bytes:
    data = _raw(text)
    return len(data).to_bytes(4, "little") + data


def _check(prefix: bytes, raw: bytes, blob: bytes) -> bytes:
    """A row's check: blake2b-128 over fingerprint and table name (the prefix), key and blob, framed."""
    framed = b"".join((prefix, len(raw).to_bytes(4, "little"), raw, blob))
    return hashlib.blake2b(framed, digest_size=16).digest()


def _broken_file(error: BaseException) -> bool:
    """Whether an error says the file itself is unreadable (corrupt, not a database, wrong shape)."""
    if isinstance(error, UnicodeDecodeError):  # a damaged schema makes error messages of its bytes
        return True
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF not in _NOT_THE_FILE


class Store:
    """Named tables of values, memoized in ``folder/memo.sqlite``; ``folder`` None keeps them in memory.

    ``fingerprint`` names the code and settings that made the values: a file made under another one
    is replaced by a fresh one. Puts are buffered in memory and written by ``commit`` in one
    transaction; ``close`` does not commit.
    """

    def __init__(self, folder: Path | None, fingerprint: str) -> None:
        self.path = None if folder is None else Path(folder).absolute() / FILE_NAME
        self.fingerprint = fingerprint
        self.usable = False  # True while the file is in use; False for folder None or once it failed
        self._stamp = _raw(f"{SCHEMA}:{fingerprint}")
        self._prefix = _framed(fingerprint)
        self._pid = os.getpid()
        self._db: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None  # a forked child's own read-only connection
        self._reader_pid = 0
        self._tables: dict[str, Table] = {}
        self._on_file: set[str] = set()  # the tables the file holds
        self._closed = False
        if self.path is not None:
            self._db = self._open(self.path)
            self.usable = self._db is not None

    def table(self, name: str) -> Table:
        """The table of this name (lower-case letters, digits and _): the same object each time."""
        table = self._tables.get(name)
        if table is None:
            if not isinstance(name, str) or not _NAME.match(name):
                raise ValueError(f"not a table name: {name!r}")
            table = self._tables[name] = Table(self, name)
        return table

    def commit(self) -> None:
        """Write every table's changes since the last commit, in one transaction (in a child: nothing)."""
        if os.getpid() != self._pid:
            return
        dirty = [table for table in self._tables.values() if table._dirty()]
        try:
            if not dirty or self._closed:  # after close: memory only, as the caller chose
                return
            if self._db is None:  # changes this run cannot write: older values must not outlive them
                self._remove_files()
                return
            writes = [(table, table._rows_to_write()) for table in dirty]
            try:
                self._db.execute("BEGIN IMMEDIATE")
                for table, rows in writes:
                    table._write(self._db, rows)
                self._db.execute("COMMIT")
                self._on_file.update(table.name for table in dirty)
            except _FAILURES as error:
                self._fail(error)
                self._remove_files()
        finally:
            for table in dirty:
                table._written()

    def close(self) -> None:
        """Close the file; puts not committed are not written, nor any later. Values stay readable."""
        if os.getpid() == self._pid:
            self._closed, self.usable = True, False
            with contextlib.suppress(*_FAILURES):
                if self._db is not None:
                    self._db.close()
            self._db = None
        if self._reader is not None and self._reader_pid == os.getpid():
            with contextlib.suppress(*_FAILURES):
                self._reader.close()
        self._reader = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the file --------------------------------------------------------------------------
    def _open(self, path: Path) -> sqlite3.Connection | None:
        """A connection to a file of this fingerprint (made afresh if need be), or None: memory only."""
        for attempt in (1, 2):
            db, error = None, None
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, BUSY_SECONDS, isolation_level=None, check_same_thread=False)
                if not self._prepare(db):
                    return db
            except _FAILURES as failure:  # the folder a file, read-only, the path a directory, a bad file…
                error = failure
            if db is not None:
                with contextlib.suppress(*_FAILURES):
                    db.close()
            # Made afresh only over a file that is ours to replace: unreadable, or another fingerprint's.
            if attempt == 2 or (error is not None and not _broken_file(error)) or not self._remove_files():
                return None
        return None

    def _prepare(self, db: sqlite3.Connection) -> bool:
        """Set the connection up; True when the file is another fingerprint's (or of another shape)."""
        db.text_factory = bytes
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "secure_delete=ON", "cell_size_check=ON"):
            db.execute(f"PRAGMA {pragma}").fetchall()
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if b"meta" in tables:
            row = db.execute("SELECT value FROM meta WHERE name = 'fingerprint'").fetchone()
            if row is None or row[0] != self._stamp:
                return True
            ours = (name for name in tables if isinstance(name, bytes) and name.startswith(b"t_"))
            self._on_file = {name[2:].decode("ascii", "replace") for name in ours}
            return False
        if tables:
            return True
        db.execute("BEGIN IMMEDIATE")
        db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL)")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)", (self._stamp,))
        db.execute("COMMIT")
        return False

    def _remove_files(self) -> bool:
        """Remove the store's own files (never a folder); True when its database file is gone."""
        if self.path is None:
            return False
        for suffix in OWN_SUFFIXES:
            own = self.path.with_name(self.path.name + suffix)
            with contextlib.suppress(OSError):
                if own.is_symlink() or own.is_file():
                    own.unlink()
        return not os.path.lexists(self.path)

    def _fail(self, error: BaseException) -> None:
        """Memory only from now on; a file that is itself unreadable goes, so the next open starts fresh."""
        with contextlib.suppress(*_FAILURES):
            if self._db is not None:
                self._db.close()  # rolls back a transaction under way
        self._db, self.usable = None, False
        if _broken_file(error):
            self._remove_files()

    def _connection(self) -> sqlite3.Connection | None:
        """The connection this process may read through: the opener's, or a forked child's own."""
        if os.getpid() == self._pid:
            return self._db
        if self._reader_pid != os.getpid():  # first read in this child: never the parent's connection
            self._reader, self._reader_pid = None, os.getpid()
            if self._db is not None and self.path is not None:
                with contextlib.suppress(*_FAILURES):
                    uri = f"{self.path.as_uri()}?mode=ro"
                    reader = sqlite3.connect(uri, BUSY_SECONDS, isolation_level=None, uri=True)
                    reader.text_factory = bytes
                    reader.execute("PRAGMA cell_size_check=ON").fetchall()
                    self._reader = reader
        return self._reader

    def _select(self, name: str, keys: list[str] | None) -> list[Row]:
        """(rowid, key, blob, check) of every row of a table, or of those with these keys."""
        db = self._connection() if name in self._on_file else None
        if db is None:
            return []
        sql = f"SELECT rowid, key, blob, chk FROM t_{name}"
        rows: list[Row] = []
        try:
            if keys is None:
                return db.execute(sql).fetchall()
            for start in range(0, len(keys), _KEYS_PER_QUERY):
                chunk = [_raw(key) for key in keys[start : start + _KEYS_PER_QUERY]]
                rows += db.execute(f"{sql} WHERE key IN ({','.join('?' * len(chunk))})", chunk).fetchall()
            return rows
        except _FAILURES as error:
            if os.getpid() == self._pid:
                self._fail(error)
            else:  # a child's reader failed: that child reads from memory only
                with contextlib.suppress(*_FAILURES):
                    db.close()
                self._reader = None
            return rows


class Table(MutableMapping[str, Any]):
    """One named table of a Store: str keys → picklable values (plain data, treated as immutable).

    Reads come from memory first, then from the file; ``load_all`` and ``get_many`` read in one query.
    Puts, deletes and ``retain`` change memory at once and the file at the store's next commit.
    """

    def __init__(self, store: Store, name: str) -> None:
        self.name = name
        self._store = store
        self._prefix = store._prefix + _framed(name)
        self._mem: dict[str, Any] = {}  # what this process knows is in the table, read or put
        self._absent: set[str] = set()  # looked up and not found (or deleted)
        self._complete = False  # _mem holds every value the table has
        self._puts: dict[str, Any] = {}
        self._dels: set[str] = set()
        self._keep: set[str] | None = None  # retain(): rows on file with other keys are gone
        self._bad: list[Any] = []  # rowids of rows that failed their check: deleted at commit

    # -- reading ---------------------------------------------------------------------------
    def load_all(self) -> dict[str, Any]:
        """Every valid value of the table (one query the first time, none after)."""
        if not self._complete:
            self._accept(self._store._select(self.name, None), None)
            self._complete = True
        return dict(self._mem)

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The values of those keys that are found and valid."""
        found: dict[str, Any] = {}
        todo: list[str] = []
        mem = self._mem
        for key in keys:
            if key in mem:
                found[key] = mem[key]
            elif not self._complete and key not in self._absent and not self._gone(key):
                todo.append(key)
        if todo:
            wanted = set(todo)
            self._accept(self._store._select(self.name, list(wanted)), wanted)
            for key in todo:
                if key in mem:
                    found[key] = mem[key]
                else:
                    self._absent.add(key)
        return found

    def __getitem__(self, key: str) -> Any:
        if key in self._mem:
            return self._mem[key]
        found = self.get_many((key,))
        if key in found:
            return found[key]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (key in self._mem or key in self.get_many((key,)))

    def __iter__(self) -> Iterator[str]:
        return iter(self.load_all())

    def __len__(self) -> int:
        self.load_all()
        return len(self._mem)

    def _gone(self, key: str) -> bool:
        """Deleted (or dropped by retain) since the last commit: whatever the file says."""
        return key in self._dels or (self._keep is not None and key not in self._keep)

    def _accept(self, rows: list[Row], wanted: set[str] | None) -> None:
        """Take the rows whose check holds into memory; the others are a miss, and deleted at commit."""
        prefix, mem = self._prefix, self._mem
        for rowid, raw, blob, check in rows:
            if type(raw) is not bytes or type(blob) is not bytes or type(check) is not bytes:
                self._bad.append(rowid)
                continue
            try:
                key = raw.decode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                self._bad.append(rowid)
                continue
            if key in mem or self._gone(key) or (wanted is not None and key not in wanted):
                continue
            if _check(prefix, raw, blob) != check:
                self._bad.append(rowid)
                continue
            try:
                mem[key] = pickle.loads(blob)
            except Exception:  # checked yet unreadable (a class that moved): a miss
                self._bad.append(rowid)

    # -- writing ---------------------------------------------------------------------------
    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(f"keys are str, not {type(key).__name__}")
        self._mem[key] = value
        self._puts[key] = value
        self._dels.discard(key)
        self._absent.discard(key)
        if self._keep is not None:
            self._keep.add(key)

    def put_many(self, items: Iterable[tuple[str, Any]]) -> None:
        for key, value in items:
            self[key] = value

    def __delitem__(self, key: str) -> None:
        """Delete key; KeyError if it was not there (its row, should one be unreadable, goes anyway)."""
        there = key in self
        self._mem.pop(key, None)
        self._puts.pop(key, None)
        self._dels.add(key)
        self._absent.add(key)
        if not there:
            raise KeyError(key)

    def retain(self, keys: Collection[str]) -> None:
        """Delete every value whose key is not one of keys (garbage collection)."""
        keep = set(keys)
        for gone in [key for key in self._mem if key not in keep]:
            del self._mem[gone]
        for gone in [key for key in self._puts if key not in keep]:
            del self._puts[gone]
        self._keep = keep if self._keep is None else self._keep & keep

    def _dirty(self) -> bool:
        return bool(self._puts or self._dels or self._bad or self._keep is not None)

    def _rows_to_write(self) -> list[tuple[bytes, bytes, bytes]]:
        """(key, blob, check) of each put; a value that does not pickle is not stored (a miss later)."""
        rows = []
        for key, value in self._puts.items():
            raw = _raw(key)
            try:
                blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                self._dels.add(key)  # nor may an older value of it stay on file
                continue
            rows.append((raw, blob, _check(self._prefix, raw, blob)))
        return rows

    def _write(self, db: sqlite3.Connection, rows: list[tuple[bytes, bytes, bytes]]) -> None:
        """This table's changes, inside the store's commit transaction."""
        table = f"t_{self.name}"
        if self.name not in self._store._on_file:
            db.execute(_CREATE.format(table))
        doomed = [(rowid,) for rowid in self._bad]
        if self._keep is not None:
            keep = {_raw(key) for key in self._keep}
            listing = db.execute(f"SELECT rowid, key FROM {table}")
            doomed += [(rowid,) for rowid, raw in listing if raw not in keep]
        db.executemany(f"DELETE FROM {table} WHERE rowid = ?", doomed)
        deleted = [(_raw(key),) for key in self._dels]
        db.executemany(f"DELETE FROM {table} WHERE key = ?", deleted)
        db.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?)", rows)

    def _written(self) -> None:
        """The changes went to the file (or could not, and the file went): nothing pending."""
        self._puts, self._dels, self._keep, self._bad = {}, set(), None, []
