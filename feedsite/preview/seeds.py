"""Watch mode's import: a seed source that changed while `serve` or `build --watch` runs is imported
again (with the options its entry recorded), before the build that follows."""

from __future__ import annotations

import io
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO, cast

from feedsite.config import SiteConfig
from feedsite.errors import FeedsiteError


class _Tee(io.TextIOBase):
    """Passes text through to a stream and keeps a copy (the importer's errors, for the overlay)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.copy = io.StringIO()

    def write(self, text: str) -> int:
        self.copy.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def import_seeds(config: SiteConfig, changed: Iterable[Path], out: TextIO, err: TextIO) -> list[str]:
    """Import the changed seed sources (only those); returns the importer's error lines."""
    from feedsite.importers import IMPORT_SUFFIXES, ImportOptions, run_import

    changed = set(changed)
    paths = sorted(
        p
        for p in changed
        if (p.is_dir() or (p.is_file() and p.suffix.lower() in IMPORT_SUFFIXES))
        and not any(parent in changed for parent in p.parents)
    )
    if not paths:
        return []
    tee = _Tee(err)
    try:
        code = run_import(config, paths, ImportOptions(), out, cast(TextIO, tee))
    except FeedsiteError as exc:
        return [str(p) for p in exc.problems]
    except Exception as exc:
        traceback.print_exc(file=err)
        return [f"feedsite: import failed: {exc!r}"]
    if code == 0:
        return []
    lines = [line for line in tee.copy.getvalue().splitlines() if line.strip()]
    return lines or [f"feedsite import: exit code {code}"]
