"""The build cache: an sqlite file of parsed entries, rendered Markdown, rendered summaries and the
written-file manifest.

Everything in it can be thrown away: a cache that is corrupt, from another feedsite version, or
deleted mid-run is detected and started afresh, never trusted.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from feedsite import __version__
from feedsite.content import Entry
from feedsite.load import EntryMemo
from feedsite.rows import entry_from_row, entry_row

FILE_NAME = "build.sqlite"
# cache file → (file stamps, entries) of the last build in this process, for watch mode
_WARM: dict[Path, tuple[dict[str, Any], dict[str, Entry]]] = {}
Manifest = dict[str, tuple[str, int, int]]  # site path → (output key, size, ctime_ns)
# Modules that cannot change what a build writes: editing them keeps the cache.
NOT_IN_OUTPUT = frozenset(
    {
        "importers",
        "cli.py",
        "commands.py",
        "watch.py",
        "server.py",
        "progress.py",
        "scaffold.py",
        "__main__.py",
    }
)


@functools.cache
def code_fingerprint() -> str:
    """feedsite's version and its own code: a new release or a local patch invalidates everything."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).parent
    for file in sorted(package.rglob("*.py")):
        if file.relative_to(package).parts[0] not in NOT_IN_OUTPUT:
            digest.update(file.read_bytes())
    return digest.hexdigest()


class Cache(EntryMemo):
    def __init__(self, folder: Path | None) -> None:
        self.db: sqlite3.Connection | None = None
        self.path = folder / FILE_NAME if folder is not None else None
        if self.path is not None:
            self.db = _open(self.path)
        self.pid = os.getpid()
        self._reader: sqlite3.Connection | None = None  # a forked worker's own read-only connection
        self._files: dict[str, Any] = {}
        self._entries: dict[str, Entry] | None = None
        self._used: dict[str, Entry] = {}
        self._new_files: dict[str, Any] = {}

    @property
    def usable(self) -> bool:
        """False without a cache folder, or once the cache failed: nothing stored can be read back."""
        return self.db is not None

    # -- parsed entries: all read in one query; only new ones written, gone ones deleted -----
    def _snapshot(self) -> tuple[dict[str, Any], dict[str, Entry]]:
        if self._entries is None and self.path in _WARM:
            # Watch mode: the last build in this process left them in memory. Entries are keyed
            # by their file's content, so a remembered one is never wrong, at worst missing.
            self._files, self._entries = _WARM[self.path]
        if self._entries is None:
            self._entries = {}
            for key, blob in self._rows("SELECT key, value FROM entries"):
                try:
                    self._entries[key] = entry_from_row(blob)
                except Exception:  # an unreadable row is a miss, never an error
                    continue
            files = self.get_blob("files")
            self._files = files if isinstance(files, dict) else {}
        return self._files, self._entries

    def file_key(self, name: str, stamp: tuple[int, ...]) -> str | None:
        known = self._snapshot()[0].get(name)
        return known[1] if known is not None and known[0] == stamp else None

    def put_file_keys(self, keys: dict[str, tuple[tuple[int, ...], str]]) -> None:
        self._new_files = keys

    def get_entry(self, key: str) -> Entry | None:
        entry = self._snapshot()[1].get(key)
        if not isinstance(entry, Entry):
            return None
        self._used[key] = entry
        return entry

    def row(self, entry: Entry) -> bytes:
        # The body is left out: a rebuild needs every entry's fields but only new entries' bodies.
        return entry_row(entry)

    def put_entries(self, items: list[tuple[str, Entry, bytes]]) -> None:
        """Keep the entries of this build (those got and these new ones) for the next one."""
        files, entries = self._snapshot()
        self._used.update((key, entry.without_body()) for key, entry, _row in items)
        self._many("INSERT OR REPLACE INTO entries VALUES (?, ?)", ((key, row) for key, _entry, row in items))
        self._delete_keys("entries", [key for key in entries if key not in self._used])
        if self._new_files != files:
            self.put_blob("files", self._new_files)
        self._files, self._entries, self._used = self._new_files, dict(self._used), {}
        if self.path is not None and self.usable:
            _WARM[self.path] = (self._files, self._entries)

    # -- rendered Markdown ----------------------------------------------------------------
    def get_html(self, keys: list[str]) -> dict[str, str]:
        rows = self._where_key_in("SELECT key, value FROM html", keys)
        return {key: value for key, value in rows if isinstance(value, str)}

    def known_html(self, keys: list[str]) -> set[str]:
        """Which of these keys have HTML stored (without reading it)."""
        if len(keys) > 2000:  # many: one pass over the key index is quicker than a lookup each
            wanted = set(keys)
            return {key for (key,) in self._all("SELECT key FROM html") if key in wanted}
        return {key for (key,) in self._where_key_in("SELECT key FROM html", keys)}

    def put_html(self, items: Iterable[tuple[str, str, str]]) -> None:
        """Store (key, HTML, the plain text of its first paragraph): summaries need the last."""
        rows = list(items)
        self._many("INSERT OR REPLACE INTO html VALUES (?, ?)", ((k, h) for k, h, _ in rows))
        self._many("INSERT OR REPLACE INTO firsts VALUES (?, ?)", ((k, f) for k, _, f in rows))

    def all_firsts(self) -> dict[str, str]:
        """HTML key → first paragraph, for every stored body: list pages need many at once."""
        rows = self._all("SELECT key, value FROM firsts")
        return {key: value for key, value in rows if isinstance(value, str)}

    # -- rendered summaries (feedsite.summaries) ------------------------------------------
    def get_fragment(self, key: str) -> str | None:
        value = self._one("SELECT value FROM fragments WHERE key = ?", key)
        return value if isinstance(value, str) else None

    def all_fragments(self) -> dict[str, str]:
        rows = self._all("SELECT key, value FROM fragments")
        return {key: value for key, value in rows if isinstance(value, str)}

    def put_fragments(self, items: list[tuple[str, str]], gone: list[str]) -> None:
        """Store new fragments and delete those of posts that are gone."""
        if items:
            self._many("INSERT OR REPLACE INTO fragments VALUES (?, ?)", items)
        self._delete_keys("fragments", gone)

    # -- the manifest of written files ----------------------------------------------------
    def manifest(self) -> dict[str, tuple[str, int, int]]:
        """site path → (output key, size, mtime_ns) as last written."""
        rows = self._all("SELECT path, key, size, mtime FROM manifest")
        return {path: (key, size, mtime) for path, key, size, mtime in rows}

    def set_manifest(self, rows: Manifest, old: Manifest) -> None:
        if self.db is None or rows == old:
            return
        changed = [(path, *value) for path, value in rows.items() if old.get(path) != value]
        gone = [(path,) for path in old if path not in rows]
        try:
            with self.db:  # only what differs: a rebuild that wrote one file writes one row
                self.db.executemany("DELETE FROM manifest WHERE path = ?", gone)
                self.db.executemany("INSERT OR REPLACE INTO manifest VALUES (?, ?, ?, ?)", changed)
        except sqlite3.Error:
            self._drop()

    # -- anything else picklable, by name ------------------------------------------------
    def get_blob(self, name: str) -> Any:
        blob = self._one("SELECT value FROM blobs WHERE name = ?", name)
        try:
            return None if blob is None else pickle.loads(blob)
        except Exception:  # unreadable: a miss
            return None

    def put_blob(self, name: str, value: Any) -> None:
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self._many("INSERT OR REPLACE INTO blobs VALUES (?, ?)", [(name, blob)])

    # -- plumbing -------------------------------------------------------------------------
    def _where_key_in(self, select: str, keys: list[str]) -> list[Any]:
        """select's rows whose key is one of keys."""
        rows: list[Any] = []
        for chunk, marks in _key_chunks(keys):
            rows.extend(self._all(f"{select} WHERE key IN ({marks})", *chunk))
        return rows

    def _delete_keys(self, table: str, keys: list[str]) -> None:
        for chunk, marks in _key_chunks(keys):
            self._many(f"DELETE FROM {table} WHERE key IN ({marks})", [tuple(chunk)])

    def _one(self, sql: str, *args: Any) -> Any:
        rows = self._all(sql, *args)
        return rows[0][0] if rows else None

    def _all(self, sql: str, *args: Any) -> list[Any]:
        if self.db is None:
            return []
        if os.getpid() != self.pid:  # a connection must not cross a fork: a worker opens its own
            return self._read_in_worker(sql, args)
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.Error:
            self._drop()
            return []

    def _rows(self, sql: str) -> Iterator[Any]:
        """The rows one at a time (a whole table need not be in memory twice), none on failure."""
        if self.db is None or os.getpid() != self.pid:
            return
        try:
            yield from self.db.execute(sql)
        except sqlite3.Error:
            self._drop()

    def _read_in_worker(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        try:
            if self._reader is None:
                self._reader = sqlite3.connect(f"{Path(str(self.path)).as_uri()}?mode=ro", uri=True)
            return self._reader.execute(sql, args).fetchall()
        except sqlite3.Error:
            return []

    def _many(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
        if self.db is None or os.getpid() != self.pid:
            return
        try:
            with self.db:
                self.db.executemany(sql, rows)
        except sqlite3.Error:
            self._drop()

    def _drop(self) -> None:
        """Stop using a cache that failed mid-run; the next build starts a fresh one."""
        if self.db is not None and os.getpid() == self.pid:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
        self.db = None

    def close(self) -> None:
        self._drop()


def _key_chunks(keys: list[str]) -> Iterator[tuple[list[str], str]]:
    """keys 500 at a time (sqlite's limit on variables), each chunk with its "?,?,…" list."""
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        yield chunk, ",".join("?" * len(chunk))


def _open(path: Path) -> sqlite3.Connection | None:
    for _attempt in range(2):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is None or row[0] != code_fingerprint():
                _reset(db)
            return db
        except sqlite3.Error:
            with contextlib.suppress(NameError, sqlite3.Error):
                db.close()
            for leftover in path.parent.glob(path.name + "*"):
                with contextlib.suppress(OSError):
                    leftover.unlink()
    return None


def _reset(db: sqlite3.Connection) -> None:
    with db:
        for table in ("firsts", "entries", "blobs", "html", "manifest", "fragments"):
            db.execute(f"DROP TABLE IF EXISTS {table}")
        db.execute("CREATE TABLE blobs (name TEXT PRIMARY KEY, value BLOB)")
        db.execute("CREATE TABLE entries (key TEXT PRIMARY KEY, value BLOB)")
        db.execute("CREATE TABLE html (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("CREATE TABLE firsts (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("CREATE TABLE fragments (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("CREATE TABLE manifest (path TEXT PRIMARY KEY, key TEXT, size INTEGER, mtime INTEGER)")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (code_fingerprint(),))
