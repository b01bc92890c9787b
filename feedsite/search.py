"""Site search: Pagefind (its PyPI package ships the binary) indexes the built site after a build
when `search.enabled = true`.

The index goes to site/pagefind/: Pagefind writes it into a fresh folder beside it, which then
takes the old one's place, so a reader never sees half an index and no stale fragment stays.
Only the entry pages are indexed (their article carries `data-pagefind-body`). Pagefind's output
is deterministic: the same site gives the same bytes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from feedsite.config import SiteConfig
from feedsite.errors import BuildError

BUNDLE = "pagefind"
TIMEOUT = 3600  # seconds


def pagefind_command() -> list[str]:
    """How to run Pagefind: the `pagefind_bin` package's binary, through `python -m pagefind`."""
    try:
        import pagefind_bin  # noqa: F401  (the binary; `pip install 'pagefind[bin]'`)
    except ImportError:
        raise BuildError(
            "search.enabled = true needs Pagefind: pip install 'pagefind[bin]' (or set it to false)"
        ) from None
    return [sys.executable, "-m", "pagefind"]


def index_site(config: SiteConfig, stop: Callable[[], bool] | None = None) -> float | None:
    """Index the built site into site/pagefind/; returns the seconds it took. With `stop`, Pagefind
    is stopped as soon as stop() is true (the old index stays whole) and None is returned."""
    site = config.path("output")
    start = time.perf_counter()
    fresh, old = site / f".{BUNDLE}-new", site / f".{BUNDLE}-old"
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    command = [*pagefind_command(), "--site", str(site), "--output-path", str(fresh), "--silent"]
    with (
        tempfile.TemporaryFile("w+") as said,  # what Pagefind says, for the error line
        subprocess.Popen(command, stdout=said, stderr=subprocess.STDOUT) as run,
    ):
        while run.poll() is None and time.perf_counter() - start < TIMEOUT:
            if stop is not None and stop():
                break
            time.sleep(0.05)
        if run.poll() is None:  # stopped, or out of time
            run.kill()
            run.wait()
            shutil.rmtree(fresh, ignore_errors=True)
            if stop is not None and stop():
                return None
            raise BuildError(f"{site}: Pagefind could not index it in {TIMEOUT} s")
        said.seek(0)
        reason = said.read().strip().splitlines()
    if run.returncode != 0:
        shutil.rmtree(fresh, ignore_errors=True)
        raise BuildError(f"{site}: Pagefind could not index it: {reason[-1] if reason else run.returncode}")
    bundle = site / BUNDLE
    if bundle.exists():
        bundle.rename(old)
    fresh.rename(bundle)
    shutil.rmtree(old, ignore_errors=True)
    return time.perf_counter() - start
