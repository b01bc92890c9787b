"""The memo store: named tables of picklable values in one sqlite file, never trusted blindly.

Each row is (key, blob, check), check = blake2b-128 over the fingerprint, the table's name, the key
and the blob, verified before the blob is unpickled: a row that fails (a flipped bit anywhere in it)
or does not unpickle is a miss, deleted at the next commit. Freed space is zeroed (secure_delete), so
a damaged page pointer cannot lead to an older version of a row either.

Any sqlite error, at open or mid-run (not a database, malformed, a directory where the file should
be, the folder a plain file, read-only, disk full) makes the store memory-only for the rest of the
run: nothing is raised, what was read stays valid, ``usable`` turns False. A file that is itself
unreadable is removed, so the next open starts a fresh one; so is the file when changes could not be
written to it (a later run must not read what this run replaced).
Only the store's own files are ever removed (memo.sqlite, -wal, -shm), never a folder.

Another process writing the file is no failure of it: the file is never removed for a lock. Stores
opening one folder take turns (a flock on the folder), so none removes a file another has just made
in place of a foreign one. Opening waits for another's write (up to the busy timeout, also where
sqlite itself would not: making a new file WAL); a commit that finds the file locked past the
timeout leaves its changes pending for the next commit (the store stays usable), and a store that
could not open for a lock, or stopped reading for one, leaves the file as the other process writes
it. Values are named by their inputs, so what the other process commits, or an older value this run
could not replace, is still right for its key.

Values read or put stay in memory in the Store object: one kept open across builds (watch mode: open
once, commit after each build) reads no row twice. Keys should name their inputs (a content hash).

Fork safety: in a forked child (os.getpid() is not the opener's) a table never touches the parent's
connection: it reads from memory, then through the child's own read-only connection. Writes in a
child are never stored (commit there does nothing; the child's own reads see them). A forked child
should end with os._exit, as multiprocessing's workers do.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from feedsite.memo.table import Row, Table, encode_key, framed

FILE_NAME = "memo.sqlite"
OWN_SUFFIXES = ("", "-wal", "-shm")  # the store's own files: the only ones it ever removes
SCHEMA = "feedsite-memo-1"
BUSY_SECONDS = 10.0  # how long to wait for another process's write before giving up (memory only)
_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}\Z")
# sqlite result codes that blame the surroundings, not the file: the file is left alone for them.
# PERM, BUSY, LOCKED, NOMEM, READONLY, INTERRUPT, IOERR, FULL, CANTOPEN, PROTOCOL, NOLFS, AUTH
_NOT_THE_FILE = frozenset({3, 5, 6, 7, 8, 9, 10, 13, 14, 15, 22, 23})
_LOCKED = frozenset({5, 6})  # BUSY, LOCKED: another connection is using the file, which is fine
# What sqlite3 may raise on a bad file or folder: its own errors, and a message or text it cannot decode.
_FAILURES = (sqlite3.Error, OSError, ValueError, MemoryError, OverflowError)
_KEYS_PER_QUERY = 30_000  # below sqlite's limit on bound variables (32,766 since 3.32)


def _broken_file(error: BaseException) -> bool:
    """Whether an error says the file itself is unreadable (corrupt, not a database, wrong shape)."""
    if isinstance(error, UnicodeDecodeError):  # a damaged schema makes error messages of its bytes
        return True
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF not in _NOT_THE_FILE


def _locked(error: BaseException) -> bool:
    """Whether an error says another connection holds the file (busy or locked), not that it failed."""
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in _LOCKED


@contextlib.contextmanager
def _opening(folder: Path, seconds: float) -> Iterator[None]:
    """An exclusive flock on the folder itself (no lock file) while a store opens its file there:
    two processes opening at once take turns, so neither removes a file the other has just made in
    place of a foreign one. Best effort: without the lock when it cannot be had within seconds."""
    fd = None
    with contextlib.suppress(OSError, ValueError):
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
        deadline = time.monotonic() + seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.005)
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)  # closing lets go of the lock


class Store:
    """Named tables of values, memoized in ``folder/memo.sqlite``; ``folder`` None keeps them in memory.

    ``fingerprint`` names the code and settings that made the values: a file made under another one
    is replaced by a fresh one. Puts are buffered in memory and written by ``commit`` in one
    transaction; ``close`` does not commit. ``busy_seconds``: how long to wait for another process's
    write (opening, reading, committing).
    """

    def __init__(self, folder: Path | None, fingerprint: str, busy_seconds: float = BUSY_SECONDS) -> None:
        self.path = None if folder is None else Path(folder).absolute() / FILE_NAME
        self.fingerprint = fingerprint
        self.usable = False  # True while the file is in use; False for folder None or once it failed
        self._busy = busy_seconds
        self._locked_out = False  # given up for another process's lock: its file is never removed
        self._stamp = encode_key(f"{SCHEMA}:{fingerprint}")
        self._prefix = framed(fingerprint)
        self._pid = os.getpid()
        self._db: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None  # a forked child's own read-only connection
        self._reader_pid = 0
        self._tables: dict[str, Table] = {}
        self._on_file: set[str] = set()  # the tables the file holds
        self._closed = False
        if self.path is not None:
            with _opening(self.path.parent, self._busy):
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
                if not self._locked_out:  # (a file another process is writing stays: see above)
                    self._remove_files()
                return
            writes = [(table, table._rows_to_write()) for table in dirty]
            began = False
            try:
                self._db.execute("BEGIN IMMEDIATE")
                began = True
                for table, rows in writes:
                    table._write(self._db, rows)
                self._db.execute("COMMIT")
                self._on_file.update(table.name for table in dirty)
            except _FAILURES as error:
                if not began and _locked(error):  # another process's write outlasted the busy timeout:
                    dirty = []  # nothing was written; the changes stay pending for the next commit
                    return
                self._fail(_broken_file(error), _locked(error))
                if not self._locked_out:
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
                db = sqlite3.connect(path, self._busy, isolation_level=None, check_same_thread=False)
                if not self._prepare(db):
                    return db
            except _FAILURES as failure:  # the folder a file, read-only, the path a directory, a bad file…
                error = failure
            if db is not None:
                with contextlib.suppress(*_FAILURES):
                    db.close()
            self._locked_out = error is not None and _locked(error)  # another process's: it stays
            # Made afresh only over a file that is ours to replace: unreadable, or another fingerprint's.
            if attempt == 2 or (error is not None and not _broken_file(error)) or not self._remove_files():
                return None
        return None

    def _prepare(self, db: sqlite3.Connection) -> bool:
        """Set the connection up; True when the file is another fingerprint's (or of another shape)."""
        db.text_factory = bytes
        self._into_wal(db)
        for pragma in ("synchronous=NORMAL", "secure_delete=ON", "cell_size_check=ON"):
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

    def _into_wal(self, db: sqlite3.Connection) -> None:
        """journal_mode=WAL, waiting for another process's write up to the busy timeout. Making a new
        file WAL upgrades a read to a write, for which sqlite answers BUSY at once, without waiting:
        two processes making the file at the same moment would otherwise leave one of them without it."""
        deadline = time.monotonic() + self._busy
        while True:
            try:
                db.execute("PRAGMA journal_mode=WAL").fetchall()
                return
            except sqlite3.OperationalError as error:
                if not _locked(error) or time.monotonic() >= deadline:
                    raise
            time.sleep(0.005)

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

    def _fail(self, broken: bool, locked: bool = False) -> None:
        """Stop using the file: memory only from now on. A broken file (unreadable, or contradicting
        itself) is removed, so the next open starts afresh; one given up for another process's lock
        (locked) never is. In a forked child: only its reader goes."""
        mine = os.getpid() == self._pid
        connection = self._db if mine else self._reader
        with contextlib.suppress(*_FAILURES):
            if connection is not None:
                connection.close()
        self._reader = None
        if mine:
            self._db, self.usable = None, False
            self._locked_out = self._locked_out or (locked and not broken)
            if broken:
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
                    reader = sqlite3.connect(uri, self._busy, isolation_level=None, uri=True)
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
                chunk = [encode_key(key) for key in keys[start : start + _KEYS_PER_QUERY]]
                rows += db.execute(f"{sql} WHERE key IN ({','.join('?' * len(chunk))})", chunk).fetchall()
            return rows
        except _FAILURES as error:
            self._fail(_broken_file(error), _locked(error))
            return rows
