"""Benchmark `feedsite import`: 10,000 seed-shaped text sources (~5 KB each) into a fresh project.

    python bench/bench_import.py [--sources 10000] [--runs 3] [--big-mb 5]

Prints the median, min and max wall time of the runs, the peak RSS of the process, and the time
to import one several-MB article. Sources are generated deterministically in a temp folder.
"""

from __future__ import annotations

import argparse
import io
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedsite.config import load_config
from feedsite.importers import ImportOptions, run_import

TOML = '[site]\ntitle = "Bench"\nbase_url = "https://example.org/"\ntimezone = "Europe/Rome"\n'
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


def import_once(seeds: Path, work: Path) -> float:
    root = Path(tempfile.mkdtemp(dir=work))
    (root / "feedsite.toml").write_text(TOML, encoding="utf-8")
    config = load_config(root)
    options = ImportOptions(date=datetime(2024, 11, 7, tzinfo=ZoneInfo("Europe/Rome")))
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    status = run_import(config, [seeds], options, out, err)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"import failed:\n{err.getvalue()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big-mb", type=float, default=5.0, help="size of the one big article")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="feedsite-bench-") as tmp:
        work = Path(tmp)
        seeds = work / "seeds"
        seeds.mkdir()
        size = make_sources(seeds, args.sources)
        print(f"{args.sources} sources, {size / args.sources / 1024:.1f} KB each on average")
        times = [import_once(seeds, work) for _ in range(args.runs)]
        print(
            f"import of {args.sources} sources: median {statistics.median(times):.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f}, {args.runs} runs, fresh project each)"
        )
        big = work / "big"
        big.mkdir()
        rng = random.Random(5)
        paragraphs = int(args.big_mb * 1024 * 1024 / 560)
        data = article(rng, 0, paragraphs).encode("utf-8")
        (big / "big.txt").write_bytes(data)
        print(f"one {len(data) / 1e6:.1f} MB article: {import_once(big, work):.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS: {peak / 1024:.0f} MB")


if __name__ == "__main__":
    main()
