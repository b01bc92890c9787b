"""Touching the demo's seed under a real `feedsite serve` (127.0.0.1, real watchdog events) re-imports
it, and content/ and site/ stay byte-identical (issue 13, item 1): no tag, tag page or tag feed
lost, no `updated` stamped."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from helpers import tree
from test_import_support import REPO, SEED

TIMEOUT = 60.0


class Serve:
    """`feedsite serve --port 0` in `root`, its stdout read line by line on a thread."""

    def __init__(self, root: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "feedsite", "serve", "--port", "0"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, start: str) -> list[str]:
        """The lines printed until one starting with `start` (included)."""
        seen: list[str] = []
        deadline = time.monotonic() + TIMEOUT
        while not seen or not seen[-1].startswith(start):
            try:
                seen.append(self.lines.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"no line starting {start!r} in {TIMEOUT} s; got {seen}") from None
        return seen

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=TIMEOUT)
        finally:
            self.proc.kill()
        return err


def test_touching_the_demo_seed_under_serve_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    root.mkdir()
    for name in ("content", "seeds", "site"):
        shutil.copytree(REPO / name, root / name)
    shutil.copyfile(REPO / "feedsite.toml", root / "feedsite.toml")
    content, site = tree(REPO / "content"), tree(REPO / "site")
    seed = root / "seeds" / SEED.name
    server = Serve(root)
    try:
        server.wait_for("serving site/")
        time.sleep(0.5)  # the watcher is running once the server says it serves
        os.utime(seed)  # touch
        lines = server.wait_for("built ")
        seed.write_bytes(seed.read_bytes())  # re-saved with the same bytes
        lines += server.wait_for("built ")
    finally:
        err = server.stop()
    assert server.proc.returncode == 0, err
    entry = next(name for name in content if name.endswith(".md"))  # content/ also holds .urls.json
    assert lines.count(f"unchanged content/{entry}  ← seeds/{SEED.name}") == 2, lines
    assert "Traceback" not in err and "failed" not in err, err
    assert tree(root / "content") == content
    assert tree(root / "site") == site
