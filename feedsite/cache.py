"""The build cache: an sqlite file of parsed entries, rendered Markdown and the written-file manifest.

Everything in it can be thrown away: a cache that is corrupt, from another feedsite version, or
deleted mid-run is detected and started afresh, never trusted.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import pickle
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from feedsite import __version__
from feedsite.content import Entry, EntryMemo

FILE_NAME = "build.sqlite"


@functools.cache
def code_fingerprint() -> str:
    """feedsite's version and its own code: a new release or a local patch invalidates everything."""
    digest = hashlib.sha256(__version__.encode())
    for file in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(file.read_bytes())
    return digest.hexdigest()


class Cache(EntryMemo):
    def __init__(self, folder: Path | None) -> None:
        self.db: sqlite3.Connection | None = None
        if folder is not None:
            self.db = _open(folder / FILE_NAME)

    # -- parsed entries -------------------------------------------------------------------
    def get_entry(self, key: str) -> Entry | None:
        blob = self._one("SELECT value FROM entries WHERE key = ?", key)
        if blob is None:
            return None
        try:
            entry = pickle.loads(blob)
        except Exception:  # an unreadable row is a miss, never an error
            return None
        return entry if isinstance(entry, Entry) else None

    def put_entries(self, items: list[tuple[str, Entry]]) -> None:
        self._many("INSERT OR REPLACE INTO entries VALUES (?, ?)", ((k, pickle.dumps(e)) for k, e in items))

    # -- rendered Markdown ----------------------------------------------------------------
    def get_html(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, value in self._all(f"SELECT key, value FROM html WHERE key IN ({marks})", *chunk):
                if isinstance(value, str):
                    found[key] = value
        return found

    def put_html(self, items: Iterable[tuple[str, str]]) -> None:
        self._many("INSERT OR REPLACE INTO html VALUES (?, ?)", items)

    # -- the manifest of written files ----------------------------------------------------
    def manifest(self) -> dict[str, tuple[str, int, int]]:
        """site path → (output key, size, mtime_ns) as last written."""
        rows = self._all("SELECT path, key, size, mtime FROM manifest")
        return {path: (key, size, mtime) for path, key, size, mtime in rows}

    def set_manifest(self, rows: dict[str, tuple[str, int, int]]) -> None:
        if self.db is None:
            return
        try:
            with self.db:
                self.db.execute("DELETE FROM manifest")
                self.db.executemany(
                    "INSERT INTO manifest VALUES (?, ?, ?, ?)", ((p, *v) for p, v in rows.items())
                )
        except sqlite3.Error:
            self._drop()

    # -- plumbing -------------------------------------------------------------------------
    def _one(self, sql: str, *args: Any) -> Any:
        rows = self._all(sql, *args)
        return rows[0][0] if rows else None

    def _all(self, sql: str, *args: Any) -> list[Any]:
        if self.db is None:
            return []
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.Error:
            self._drop()
            return []

    def _many(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
        if self.db is None:
            return
        try:
            with self.db:
                self.db.executemany(sql, rows)
        except sqlite3.Error:
            self._drop()

    def _drop(self) -> None:
        """Stop using a cache that failed mid-run; the next build starts a fresh one."""
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
        self.db = None

    def close(self) -> None:
        self._drop()


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
        for table in ("entries", "html", "manifest"):
            db.execute(f"DROP TABLE IF EXISTS {table}")
        db.execute("CREATE TABLE entries (key TEXT PRIMARY KEY, value BLOB)")
        db.execute("CREATE TABLE html (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("CREATE TABLE manifest (path TEXT PRIMARY KEY, key TEXT, size INTEGER, mtime INTEGER)")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (code_fingerprint(),))
