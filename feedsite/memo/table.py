"""A table of the memo store: a mapping of str keys to values, read from memory first, then from the
store's file, each row checked before it is believed (see store.py for the whole contract)."""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
from collections.abc import Collection, Iterable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from feedsite.memo.store import Store

_CREATE = "CREATE TABLE IF NOT EXISTS {} (key BLOB PRIMARY KEY, blob BLOB NOT NULL, chk BLOB NOT NULL)"
Row = tuple[Any, Any, Any, Any]  # rowid, key, blob, check: as read, so of any type after corruption


def encode_key(key: str) -> bytes:
    """A key as stored: its UTF-8 (lone surrogates kept, so every str has one)."""
    return key.encode("utf-8", "surrogatepass")


def framed(text: str) -> bytes:
    data = encode_key(text)
    return len(data).to_bytes(4, "little") + data


def decode_key(raw: Any) -> str | None:
    """The key of a row as read, or None when it is not what was written (damage)."""
    try:
        return raw.decode("utf-8", "surrogatepass") if type(raw) is bytes else None
    except UnicodeDecodeError:
        return None


def row_check(prefix: bytes, raw: bytes, blob: bytes) -> bytes:
    """A row's check: blake2b-128 over fingerprint and table name (the prefix), key and blob, framed."""
    framed = b"".join((prefix, len(raw).to_bytes(4, "little"), raw, blob))
    return hashlib.blake2b(framed, digest_size=16).digest()


class Table(MutableMapping[str, Any]):
    """One named table of a Store: str keys → picklable values (plain data, treated as immutable).

    Reads come from memory first, then from the file; ``load_all`` and ``get_many`` read in one query.
    Puts, deletes and ``retain`` change memory at once and the file at the store's next commit.
    """

    def __init__(self, store: Store, name: str) -> None:
        self.name = name
        self._store = store
        self._prefix = store._prefix + framed(name)
        self._mem: dict[str, Any] = {}  # what this process knows is in the table, read or put
        self._absent: set[str] = set()  # looked up and not found (or deleted)
        self._complete = False  # _mem holds every value the table has
        self._puts: dict[str, Any] = {}
        self._dels: set[str] = set()
        self._keep: set[str] | None = None  # retain(): rows on file with other keys are gone
        self._bad: list[Any] = []  # rowids of rows that failed their check: deleted at commit
        self._rowids: dict[str, Any] = {}  # key → rowid, as the last scan of all rows saw them

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
        """Take the values of the rows whose check holds (those not known already) into memory; other
        rows are a miss, deleted at commit. A scan of all rows (wanted None) also notes each key's rowid.

        Two checked rows for one key, or one for a key not asked for, say the file's structure is
        damaged (an index lost entries, so a put added a second row): which row is the latest cannot
        be known, so the key is a miss and the file is dropped."""
        prefix, mem = self._prefix, self._mem
        taken: dict[str, Any] = {}  # key → rowid of its checked row among these rows
        damaged = False
        for rowid, raw, blob, check in rows:
            key = decode_key(raw)
            if key is None or type(blob) is not bytes or row_check(prefix, raw, blob) != check:
                self._bad.append(rowid)
            elif key in taken or (wanted is not None and key not in wanted):
                damaged = True
                if key in taken:
                    mem.pop(key, None)
            else:
                taken[key] = rowid
                if key not in mem and not self._gone(key):
                    try:
                        mem[key] = pickle.loads(blob)
                    except Exception:  # checked yet unreadable (a class that moved): a miss
                        self._bad.append(rowid)
        if wanted is None:
            self._rowids = taken
        if damaged:
            self._store._fail(broken=True)

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
        dropped = [key for key in self._mem if key not in keep]
        for key in dropped:
            del self._mem[key]
            self._puts.pop(key, None)
        if self._complete:  # every row on file is in memory (or bad, and going): just these go
            self._dels.update(dropped)
            self._absent.update(dropped)
        else:  # rows never read: the commit lists the file's keys
            self._keep = keep if self._keep is None else self._keep & keep

    def _dirty(self) -> bool:
        return bool(self._puts or self._dels or self._bad or self._keep is not None)

    def _rows_to_write(self) -> list[tuple[bytes, bytes, bytes]]:
        """(key, blob, check) of each put; a value that does not pickle is not stored (a miss later)."""
        rows = []
        for key, value in self._puts.items():
            raw = encode_key(key)
            try:
                blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                self._dels.add(key)  # nor may an older value of it stay on file
                continue
            rows.append((raw, blob, row_check(self._prefix, raw, blob)))
        return rows

    def _write(self, db: sqlite3.Connection, rows: list[tuple[bytes, bytes, bytes]]) -> None:
        """This table's changes, inside the store's commit transaction.

        Rows are deleted by rowid where a scan saw them (or the file's own scan finds them), not only
        through the key index: a damaged index must not leave a deleted or replaced row behind."""
        table = f"t_{self.name}"
        if self.name not in self._store._on_file:
            db.execute(_CREATE.format(table))
        doomed = set(self._bad)
        for key in (*self._dels, *self._puts):
            if key in self._rowids:
                doomed.add(self._rowids.pop(key))
        keep, dels = self._keep, self._dels
        if keep is not None or (dels and not self._complete):  # rows never read: list the file's
            for rowid, raw in db.execute(f"SELECT rowid, key FROM {table} NOT INDEXED"):
                found = decode_key(raw)
                if found is None or found in dels or (keep is not None and found not in keep):
                    doomed.add(rowid)
        db.executemany(f"DELETE FROM {table} WHERE rowid = ?", [(rowid,) for rowid in doomed])
        self._rowids = {key: rowid for key, rowid in self._rowids.items() if rowid not in doomed}
        db.executemany(f"DELETE FROM {table} WHERE key = ?", [(encode_key(key),) for key in self._dels])
        db.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?)", rows)

    def _written(self) -> None:
        """The changes went to the file (or could not, and the file went): nothing pending."""
        self._puts, self._dels, self._keep, self._bad = {}, set(), None, []
