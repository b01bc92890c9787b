"""The memo layer: everything feedsite remembers between builds, behind plain mappings.

Only build.py imports this package."""

from pathlib import Path

from feedsite.memo.parallel import chunks, spread
from feedsite.memo.store import Store
from feedsite.memo.views import Memos


def open_store(folder: Path | None, fingerprint: str) -> Store:
    return Store(folder, fingerprint)


__all__ = ["Memos", "Store", "chunks", "open_store", "spread"]
