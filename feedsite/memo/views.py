"""The plain mappings build.py hands to the stages, over the store's tables.

A view (``Memos.view``) holds every valid value of its table in memory and records what a build
reads, writes and deletes; save() then writes the new values and drops every value the build did
not use (what no build asks for again is garbage). Its values are packed SHARDS to a table: each
row of the store holds the dict of the keys that hash to it, so reading the whole table is a few
checked rows, not one row (one check, one unpickling) per value, and a save rewrites only the
shards in which something changed.

A lazy mapping (``Memos.lazy``) reads its values one by one, only when asked: for the bulk that a
rebuild rarely needs (rendered HTML). It keeps the keys that the view it follows keeps.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, MutableMapping
from typing import Any

from feedsite.memo.store import Store
from feedsite.memo.table import Table, encode_key

SHARDS = 32


def shard_of(key: str) -> str:
    """The row of a packed table that holds key."""
    return str(zlib.crc32(encode_key(key)) % SHARDS)


class View(MutableMapping[str, Any]):
    """The values of a packed table (rows: shard name → dict of its keys' values, as read)."""

    def __init__(self, rows: dict[str, Any]) -> None:
        self.rows = {name: shard for name, shard in rows.items() if type(shard) is dict}
        self.data: dict[str, Any] = {}
        for shard in self.rows.values():
            self.data.update(shard)
        self.used: set[str] = set()
        self.added: dict[str, Any] = {}
        self.removed: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        value = self.data[key]
        self.used.add(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        value = self.data.get(key, default)
        if value is not default:
            self.used.add(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = self.added[key] = value
        self.used.add(key)
        self.removed.discard(key)

    def __delitem__(self, key: str) -> None:
        del self.data[key]
        self.added.pop(key, None)
        self.used.discard(key)
        self.removed.add(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def changed_shards(self) -> set[str]:
        """The shards that hold a key added, removed or not used by this build."""
        used = self.used
        keys = [*self.added, *self.removed]
        if len(used) != len(self.data):
            keys += [key for key in self.data if key not in used]
        return {shard_of(key) for key in keys}

    def shards(self, names: set[str]) -> dict[str, dict[str, Any]]:
        """The new contents of these shards: the values this build used."""
        data, used = self.data, self.used
        packed = {
            name: {key: data[key] for key in self.rows.get(name, ()) if key in used and key in data}
            for name in names
        }
        for key, value in self.added.items():
            shard = packed.get(shard_of(key))
            if shard is not None:
                shard[key] = value
        return packed


class Lazy(MutableMapping[str, Any]):
    """A table's values, each read (and checked) when first asked for; puts are kept at save()."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def __getitem__(self, key: str) -> Any:
        return self.table[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.table[key] = value

    def __delitem__(self, key: str) -> None:
        del self.table[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)


class Memos:
    """The views of one build over a store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.views: dict[str, View] = {}
        self.follow: dict[str, str] = {}  # lazy table → the view whose keys it keeps

    def view(self, name: str) -> View:
        if name not in self.views:
            self.views[name] = View(self.store.table(name).load_all())
        return self.views[name]

    def lazy(self, name: str, follows: str) -> Lazy:
        """Values read when asked, kept for the keys the view `follows` keeps."""
        self.follow[name] = follows
        return Lazy(self.store.table(name))

    def save(self) -> None:
        """Keep what this build made and used; drop the rest; commit."""
        for name, view in self.views.items():
            changed = view.changed_shards()
            if changed:
                self.store.table(name).put_many(view.shards(changed).items())
        for name, follows in self.follow.items():
            kept = self.views.get(follows)
            if kept is not None and (kept.added or kept.removed or len(kept.used) != len(kept.data)):
                self.store.table(name).retain(kept.used)
        self.store.commit()
