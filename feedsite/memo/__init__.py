"""The memo layer: everything feedsite remembers between builds, and the forked workers.

Only build.py imports this package; the stages see plain mappings (memo.views) and a plain
``spread`` callable. sqlite3, pickle, marshal and multiprocessing are imported here and nowhere
else in feedsite.
"""

from pathlib import Path

from feedsite.memo.parallel import chunks, cores, spread
from feedsite.memo.store import Store
from feedsite.memo.table import Table
from feedsite.memo.views import Memos


def open_store(folder: Path | None, fingerprint: str) -> Store:
    """The store in folder (None: in memory only, touching no disk: `--no-cache`)."""
    return Store(folder, fingerprint)


__all__ = ["Memos", "Store", "Table", "chunks", "cores", "open_store", "spread"]
