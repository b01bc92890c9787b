"""Benchmark `feedsite import`: 10,000 seed-shaped text sources (~5 KB each) into a fresh project.

    python bench/bench_import.py [--sources 10000] [--runs 3] [--big-mb 5]
    python bench/bench_import.py --against /tmp/before     # a checkout of the code to compare with

Each run is `feedsite -C NEW_PROJECT import SEEDS --date 2024-11-07T00:00:00+01:00` in a fresh
process, as a user runs it, of the checkout given by --repo (default: this one). Prints the min,
median and max wall time of the runs and their peak memory (PSS of all processes, RSS of the
largest), and the time to import one several-MB article. With --against, the two checkouts run
alternately (this one, the other, this one, ...: a shared machine's drift hits both alike) and
the min/median/max of the paired ratios (each run ÷ the other checkout's run beside it) is the
figure to quote, e.g. for "within 1.2× of today's time" with `git worktree add /tmp/before REV`.
Sources are generated deterministically in a temp folder.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import measure  # noqa: E402

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


def import_once(repo: Path, seeds: Path, work: Path) -> measure.Run:
    """`feedsite import` of seeds into a new project under work, by the checkout at repo."""
    root = Path(tempfile.mkdtemp(dir=work))
    (root / "feedsite.toml").write_text(TOML, encoding="utf-8")
    argv, env = measure.feedsite(repo, root, "import", str(seeds), "--date", DATE)
    try:
        result = measure.run(argv, env=env, cwd=root)  # never a feedsite/ folder of the working one
    except measure.CommandError as error:
        raise SystemExit(f"import failed: {error}") from None
    made, sources = len(list(root.rglob("*.md"))), len(list(seeds.iterdir()))
    if made != sources:
        raise SystemExit(f"{repo}: {sources} sources imported as {made} entries:\n{result.stdout[-2000:]}")
    return result


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big-mb", type=float, default=5.0, help="size of the one big article")
    parser.add_argument("--repo", type=Path, default=HERE.parent, help="the feedsite checkout to measure")
    parser.add_argument("--against", type=Path, help="another checkout, run alternately with --repo")
    args = parser.parse_args()
    repos = {"this": args.repo.resolve()}
    if args.against:
        repos["other"] = args.against.resolve()
    for repo in repos.values():
        measure.check_feedsite(repo)
    with tempfile.TemporaryDirectory(prefix="feedsite-bench-") as tmp:
        work = Path(tmp)
        seeds = work / "seeds"
        seeds.mkdir()
        size = make_sources(seeds, args.sources)
        print(f"{args.sources} sources, {size / args.sources / 1024:.1f} KB each on average")
        runs: dict[str, list[measure.Run]] = {name: [] for name in repos}
        for number in range(args.runs):
            for name, repo in repos.items():
                runs[name].append(import_once(repo, seeds, work))
                print(f"  run {number + 1} ({repo}): {runs[name][-1].wall:.2f} s", file=sys.stderr)
        print(f"import of {args.sources} sources, fresh project each, {args.runs} runs (min / median / max):")
        for name, repo in repos.items():
            done = runs[name]
            pss, rss = spread([r.pss for r in done], "{:.0f}"), spread([r.rss for r in done], "{:.0f}")
            wall = spread([r.wall for r in done])
            print(f"  {repo}: {wall} s, peak PSS (all processes) {pss} MB, RSS {rss} MB")
        if args.against:
            ratios = [a.wall / b.wall for a, b in zip(runs["this"], runs["other"], strict=True)]
            print(f"  {repos['this']} ÷ {repos['other']} (paired runs): {spread(ratios, '{:.3f}')}")
        big = work / "big"
        big.mkdir()
        rng = random.Random(5)
        data = article(rng, 0, int(args.big_mb * 1024 * 1024 / 560)).encode("utf-8")
        (big / "big.txt").write_bytes(data)
        for repo in repos.values():
            print(f"one {len(data) / 1e6:.1f} MB article ({repo}): {import_once(repo, big, work).wall:.2f} s")


if __name__ == "__main__":
    main()
