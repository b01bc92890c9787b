"""Benchmark `feedsite import`: 10,000 seed-shaped text sources (~5 KB each) into a fresh project,
this code against the code at an earlier commit, in the same invocation.

    git worktree add /tmp/import-base 51fb692          # the code the import bar is set against
    python bench/bench_import.py [--base /tmp/import-base] [--sources 10000] [--runs 3] [--big-mb 5]

Each run is the whole command, as a user runs it (`python -m feedsite -C PROJECT import --date …
seeds/`, interpreter start-up included), in a fresh process and a fresh project, with PYTHONPATH
set to one code tree or the other. The runs alternate (base, this, this, base, …: each pair in
turn reverses the order) so that the machine's drift, which is large on shared machines, falls on
both alike. Printed: the median, min and max wall and CPU (user + system) time of each, the
ratios this ÷ base of the medians and of each pair of runs, and the peak RSS of the largest run
(the process's own high-water mark, sampled every 50 ms).
Then one several-MB article, imported once by each. Sources are generated deterministically in a temp folder.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOML = '[site]\ntitle = "Bench"\nbase_url = "https://example.org/"\ntimezone = "Europe/Rome"\n'
DATE = "2024-11-07T00:00:00+01:00"
_VOCABULARY = (
    "the call between leaders comes as international pressure grows to resolve crisis in region "
    "officials said talks would continue next week while markets reacted calmly to news from "
    "capital where ministers met for hours and agreed on a plan to rebuild trust and trade"
)
WORDS = tuple(_VOCABULARY.split())


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def article(rng: random.Random, number: int, paragraphs: int = 8) -> str:
    title = f"Story {number}: " + sentence(rng, 6)[:-1]
    lines = [title, sentence(rng, 30), title + "."]
    for i in range(paragraphs):
        if i and i % 2 == 0:
            lines.append(sentence(rng, 7)[:-1].title())
        lines.append(" ".join(sentence(rng, 20) for _ in range(5)))
    lines.append("Reproduction reserved © Copyright Bench Press")
    return "\n".join(lines) + "\n"


def make_sources(folder: Path, count: int) -> int:
    rng = random.Random(20241107)
    total = 0
    for number in range(count):
        data = article(rng, number).encode("utf-8")
        total += len(data)
        (folder / f"{number:05d}.txt").write_bytes(data)
    return total


def import_once(code: Path, seeds: Path, work: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (KB) of one `feedsite import` with
    `code` into a fresh project."""
    root = Path(tempfile.mkdtemp(dir=work))
    (root / "feedsite.toml").write_text(TOML, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(code)}
    command = [sys.executable, "-m", "feedsite", "-C", str(root), "import", "--date", DATE, str(seeds)]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        # cwd: the project, never the folder holding a feedsite/ package (`-m` would import that one)
        proc = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=err)
        peak = 0
        while True:  # the kernel's rusage keeps the forking parent's peak: read the child's own
            done, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if done:
                break
            peak = max(peak, _high_water(proc.pid))
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        message = err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{code}: import failed ({proc.returncode}):\n{message}")
    made = sum(1 for _ in (root / "content").rglob("*.md"))
    expected = sum(1 for _ in seeds.iterdir())
    if made != expected:
        raise SystemExit(f"{code}: {made} entries made of {expected} sources")
    return elapsed, usage.ru_utime + usage.ru_stime, peak


def _high_water(pid: int) -> int:
    """VmHWM of a running `feedsite` process, in KB (0 when it cannot be read, or when the process
    is still the bench's fork, before it runs feedsite: that one has the bench's own memory)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            if b"feedsite" not in cmdline.read():
                return 0
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def spread(times: list[float]) -> str:
    return f"median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base", type=Path, default=Path("/tmp/import-base"), help="the code to compare with"
    )
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each (at least 3)")
    parser.add_argument("--big-mb", type=float, default=5.0, help="size of the one big article (0: none)")
    args = parser.parse_args()
    if not (args.base / "feedsite" / "importers").is_dir():
        raise SystemExit(f"{args.base}: no feedsite code there (git worktree add {args.base} 51fb692)")
    codes = {"base": args.base.resolve(), "this": REPO}
    with tempfile.TemporaryDirectory(prefix="feedsite-bench-") as tmp:
        work = Path(tmp)
        seeds = work / "seeds"
        seeds.mkdir()
        size = make_sources(seeds, args.sources)
        print(f"{args.sources} sources, {size / args.sources / 1024:.1f} KB each on average")
        print(f"base: {codes['base']}\nthis: {codes['this']}")
        times: dict[str, list[float]] = {"base": [], "this": []}
        cpu: dict[str, list[float]] = {"base": [], "this": []}
        peaks: dict[str, int] = {"base": 0, "this": 0}
        for run in range(max(3, args.runs)):
            order = ("base", "this") if run % 2 == 0 else ("this", "base")
            for name in order:
                seconds, used, peak = import_once(codes[name], seeds, work)
                times[name].append(seconds)
                cpu[name].append(used)
                peaks[name] = max(peaks[name], peak)
                print(
                    f"  run {run + 1} {name}: {seconds:.2f} s wall, {used:.2f} s CPU, {peak // 1024} MB",
                    flush=True,
                )
        for name in ("base", "this"):
            print(f"{name}: import of {args.sources} sources: wall {spread(times[name])}")
            print(f"{name}:   CPU {spread(cpu[name])}, peak RSS {peaks[name] // 1024} MB")
        for what, values in (("wall", times), ("CPU", cpu)):
            pairs = [t / b for t, b in zip(values["this"], values["base"], strict=True)]
            ratio = statistics.median(values["this"]) / statistics.median(values["base"])
            each = ", ".join(f"{r:.2f}" for r in pairs)
            print(f"this ÷ base, {what} time: {ratio:.2f} (of the medians); per pair of runs: {each}")
        if args.big_mb > 0:
            big = work / "big"
            big.mkdir()
            rng = random.Random(5)
            paragraphs = int(args.big_mb * 1024 * 1024 / 560)
            data = article(rng, 0, paragraphs).encode("utf-8")
            (big / "big.txt").write_bytes(data)
            for name in ("base", "this"):
                seconds, used, _ = import_once(codes[name], big, work)
                print(f"{name}: one {len(data) / 1e6:.1f} MB article: {seconds:.2f} s wall, {used:.2f} s CPU")


if __name__ == "__main__":
    main()
