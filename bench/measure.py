"""Run one command in a fresh process and measure it: wall time and peak memory of its whole tree.

"pss" is the peak, over samples taken every SAMPLE seconds, of the proportional set size summed
over the process and all its descendants (forked workers included): their total memory, pages
shared between them counted once. "rss" is the kernel's peak resident set size of the largest
single process of the tree (ru_maxrss from wait4: the process itself or any descendant it reaped),
which sampling cannot miss. "cpu" is the user + system time of the tree, from the same rusage.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE = 0.15  # seconds between memory samples: reading smaps costs CPU, so not much more often


@dataclass
class Run:
    wall: float  # seconds, the whole command (start-up included)
    cpu: float  # CPU seconds (user + system) of the process and the descendants it reaped
    pss: float  # MB, peak total of the process tree
    rss: float  # MB, peak of the largest single process
    samples: int  # memory samples taken
    stdout: str = field(repr=False)


class CommandError(Exception):
    pass


def feedsite(repo: Path, root: Path, *args: str) -> tuple[list[str], dict[str, str]]:
    """argv and environment of `feedsite -C root ARGS` run from the checkout at repo, in a fresh
    process as a user starts it. It runs as `python -S` with site-packages on PYTHONPATH after
    the checkout: the .pth hooks of this sandbox (a CA bundle importing certifi) and of an editable
    install would cost every start 0.05-0.3 s that an installed feedsite does not pay, and the
    checkout is then surely the code that runs. Bytecode is written, as an installed package has
    it (PYTHONDONTWRITEBYTECODE is dropped)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env["PYTHONPATH"] = os.pathsep.join([str(repo), *site.getsitepackages()])
    return [sys.executable, "-S", "-m", "feedsite", "-C", str(root), *args], env


def check_feedsite(repo: Path) -> None:
    """The feedsite that feedsite() runs is the checkout's; SystemExit if not."""
    argv, env = feedsite(repo, repo)
    code = "import feedsite; print(feedsite.__file__)"
    found = subprocess.run([argv[0], "-S", "-c", code], env=env, capture_output=True, text=True)
    if not found.stdout.strip().startswith(str(repo / "feedsite")):
        raise SystemExit(f"feedsite is not imported from {repo}: {found.stdout}{found.stderr}")


def tree_pss(pid: int) -> int:
    """Bytes of PSS of a process and its descendants now (0 once gone)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):  # a child may be forked by any thread
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def run(argv: list[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Run:
    """Run argv to its end, sampling its tree's memory; CommandError if it exits non-zero."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err, text=True)
        peak, samples = [0], [0]
        done = threading.Event()

        def sample() -> None:
            while True:
                peak[0] = max(peak[0], tree_pss(proc.pid))
                samples[0] += 1
                if done.wait(SAMPLE):
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # wait4 gives this child's own rusage: its maxrss is the largest of it and its reaped workers
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise CommandError(f"{' '.join(argv)} exited {proc.returncode}:\n{(stdout + stderr)[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(wall, cpu, peak[0] / 2**20, usage.ru_maxrss / 1024, samples[0], stdout + stderr)
