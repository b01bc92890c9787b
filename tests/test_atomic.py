"""A build killed at any moment leaves the previous site/ intact; the next build completes it."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ROOT, tree, write

ENTRIES = 300


def make_project(root: Path, words: str) -> None:
    write(root / "feedsite.toml", '[site]\ntitle = "Atomic"\nbase_url = "https://a.example/"\n')
    for n in range(ENTRIES):
        body = "\n\n".join(f"{words} paragraph {p} of entry {n}." for p in range(20))
        write(
            root / f"content/e{n:03d}.md",
            f"---\ntitle: Entry {n} {words}\ndate: 2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}\n"
            f"id: urn:uuid:00000000-0000-0000-0000-{n:012d}\ntags: [t{n % 7}]\n---\n{body}\n",
        )


def run_build(root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "feedsite", "-C", str(root), "build"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.parametrize("delay", [0.3, 0.6, 0.9, 1.2, 1.5])
def test_kill_9_mid_build(tmp_path: Path, delay: float) -> None:
    root = tmp_path / "p"
    make_project(root, "old")
    assert run_build(root).wait(timeout=120) == 0
    old = tree(root / "site")
    expected_root = tmp_path / "expected"
    make_project(expected_root, "new")
    assert run_build(expected_root).wait(timeout=120) == 0
    expected = tree(expected_root / "site")

    make_project(root, "new")
    shutil.rmtree(root / ".feedsite-cache")  # a cold build: long enough to be cut anywhere
    process = run_build(root)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)

    committed = (root / ".feedsite-cache/staging/COMMIT").exists()
    now = tree(root / "site")
    if not committed:  # cut before its commit (site/ untouched) or after it had finished
        assert now in (old, expected), "a build killed before its commit changed site/"
    for path, data in now.items():
        assert data in (old.get(path), expected.get(path)), f"{path} is half-written"
    assert run_build(root).wait(timeout=120) == 0
    assert tree(root / "site") == expected
