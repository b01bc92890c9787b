"""TEMPORARY in-memory stand-in (the memo branch brings the sqlite store)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class Table(dict):  # type: ignore[type-arg]
    def load_all(self) -> dict[str, Any]:
        return dict(self)

    def put_many(self, items: Any) -> None:
        self.update(items)

    def retain(self, keys: Any) -> None:
        for k in [k for k in self if k not in keys]:
            del self[k]


class Store:
    def __init__(self, folder: Path | None, fingerprint: str) -> None:
        self.tables: dict[str, Table] = {}
        self.usable = folder is not None

    def table(self, name: str) -> Table:
        return self.tables.setdefault(name, Table())

    def commit(self) -> None:
        pass

    def close(self) -> None:
        pass
