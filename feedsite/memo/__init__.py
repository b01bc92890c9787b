"""The memo layer: everything feedsite remembers between builds, and the forked workers.

Only build.py imports this package; the stages see plain mappings (Table) and a plain ``spread``
callable. sqlite3, pickle and multiprocessing are imported here and nowhere else in feedsite.
"""

from feedsite.memo.parallel import chunks, cores, spread
from feedsite.memo.store import Store
from feedsite.memo.table import Table

__all__ = ["Store", "Table", "chunks", "cores", "spread"]
