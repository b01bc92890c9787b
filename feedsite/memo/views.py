"""The plain mappings build.py hands to the stages, over the store's tables.

A view holds every valid value of its table in memory and records what a build reads, writes and
deletes; save() then writes the new values and drops every row the build did not use (what no
build asks for again is garbage)."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from feedsite.memo.store import Store


class View(MutableMapping[str, Any]):
    def __init__(self, values: dict[str, Any]) -> None:
        self.data = values
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


class Memos:
    """The views of one build over a store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.views: dict[str, View] = {}

    def view(self, name: str) -> View:
        if name not in self.views:
            self.views[name] = View(self.store.table(name).load_all())
        return self.views[name]

    def save(self) -> None:
        """Keep what this build made and used; drop the rest; commit."""
        for name, view in self.views.items():
            table = self.store.table(name)
            if view.added:
                table.put_many(view.added.items())
            if len(view.used) != len(view.data) or view.removed:
                table.retain(view.used)
        self.store.commit()
