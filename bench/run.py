"""feedsite beside Hugo on one corpus: python bench/run.py [--entries 10000] [--runs 3]

Generates a deterministic corpus once (bench/corpus.py: news articles of ~5 KB Markdown, 2-4
headings, 1-4 of 40 tags, 10 authors, three years of dates) as a feedsite project and as a Hugo
site holding the same entry files with a layout set of comparable pages (bench/hugo_site.py:
entry pages, home and tag pages paginated 10 a page with summaries, year and month title lists,
RSS feeds of 50 items for the home page and each tag, a sitemap). Then, scenario by scenario, it
runs feedsite and Hugo alternately (feedsite, Hugo, feedsite, Hugo, ...: a shared machine's
drift hits both alike), each run a fresh process as a user starts it:

  feedsite  python -S -m feedsite -C DIR build   (the repo under test, --repo, on PYTHONPATH)
  Hugo      hugo --quiet -s DIR --cacheDir DIR2   (plus --ignoreCache for a cold build)

  cold   no output folder, no cache (feedsite: the project holds only feedsite.toml and
         content/; Hugo: no public/, no resources/, an empty cacheDir and --ignoreCache)
  noop   a rebuild with nothing changed
  edit   a rebuild after one entry's body was edited (the same file in both)
  add    a rebuild after one new article was added (the newest, as a newsroom publishes)
  backdate  (only with --scenarios) one article added with a date inside the corpus' years

For the rebuilds Hugo runs as a Hugo user runs it: a normal build over the existing public/,
which is Hugo's best case (it has no build cache for pages; `hugo server` keeps its state in
memory and is not a build). Each scenario prints feedsite's and Hugo's min/median/max seconds
and the min/median/max of the paired ratios (each feedsite run ÷ the Hugo run beside it), with
the issue's target where it sets one; then the same for CPU seconds (user + system, all
processes: less swayed than wall time by other jobs on the machine, but no target is set in
them). Memory: the peak PSS of each run's whole process tree (the build and any workers it
forks), sampled, and the kernel's peak RSS of its largest process.

feedsite runs as `python -S` with site-packages on PYTHONPATH (see measure.feedsite: this
sandbox's .pth hooks cost every start 0.05-0.3 s that an installed feedsite does not pay) and
writes its bytecode, as an installed package has it; a small untimed build of each tool first
warms both up.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import hugo_site  # noqa: E402
import measure  # noqa: E402
from measure import CommandError, Run, run  # noqa: E402

SCENARIOS = ("cold", "noop", "edit", "add")
EXTRA = ("backdate",)  # run only when asked for
TARGETS = {"cold": 1.3, "edit": 0.08}  # feedsite ÷ Hugo, issue 11
MEMORY_TARGET = 0.25  # feedsite ÷ Hugo, peak PSS of all processes of the cold build
TOOLS = ("feedsite", "hugo")
Rows = dict[str, list[dict[str, Any]]]  # tool -> its runs' figures
ENTRY_PAGE = re.compile(r"^\d{4}/\d{2}/[^/]+/index\.html$")


class Bench:
    """The two projects of one corpus and how to build each."""

    def __init__(self, base: Path, repo: Path, hugo: str, entries: int) -> None:
        self.base, self.repo, self.hugo, self.entries = base, repo, hugo, entries
        self.roots = {"feedsite": base / "feedsite", "hugo": base / "hugo"}
        self.outputs = {"feedsite": self.roots["feedsite"] / "site", "hugo": self.roots["hugo"] / "public"}
        self.keep = {"feedsite": {"feedsite.toml", "content"}, "hugo": {"config.toml", "content", "layouts"}}
        self.hugo_cache = base / "hugo-cache"
        self.feedsite_env = measure.feedsite(repo, base)[1]

    def write(self) -> None:
        corpus.write_project(self.roots["feedsite"], self.entries)
        hugo_site.write_site(self.roots["hugo"], self.roots["feedsite"] / "content")

    def command(self, tool: str, root: Path, cold: bool = False) -> list[str]:
        if tool == "feedsite":
            return measure.feedsite(self.repo, root, "build")[0]
        argv = [self.hugo, "--quiet", "-s", str(root), "--cacheDir", str(self.hugo_cache)]
        return [*argv, "--ignoreCache"] if cold else argv

    def build(self, tool: str, cold: bool = False, root: Path | None = None) -> Run:
        if cold:
            self.clean(tool)
        os.sync()  # the last run's writeback must not land in this one's time
        env = self.feedsite_env if tool == "feedsite" else None
        return run(self.command(tool, root or self.roots[tool], cold), env=env)

    def clean(self, tool: str) -> None:
        """Leave the project as its sources alone: no output, no cache, nothing else."""
        for path in self.roots[tool].iterdir():
            if path.name not in self.keep[tool]:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        if tool == "hugo":
            shutil.rmtree(self.hugo_cache, ignore_errors=True)

    def warm_up(self) -> None:
        """An untimed build of a small corpus by each tool: bytecode compiled, binaries in memory."""
        small = self.base / "warm-up"
        corpus.write_project(small / "feedsite", 200)
        hugo_site.write_site(small / "hugo", small / "feedsite" / "content")
        for tool in TOOLS:
            self.build(tool, root=small / tool)
        shutil.rmtree(small)

    def change(self, scenario: str, number: int) -> str:
        """Make the scenario's change in both projects; the name of the entry whose page shows it."""
        if scenario == "edit":
            rel = sorted((self.roots["feedsite"] / "content").rglob("*.md"))[self.entries // 2]
            rel = rel.relative_to(self.roots["feedsite"])
            for tool in TOOLS:
                corpus.edit_body(self.roots[tool] / rel, f"benchmark run {number}")
            return rel.stem
        if scenario == "add":
            rel_text, text = corpus.entry(1, self.entries + 1000 + number, after=3600 * (number + 1))
        else:
            rel_text, text = corpus.entry(1, self.entries + 2000 + number)
        for tool in TOOLS:
            path = self.roots[tool] / "content" / rel_text
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
            if tool == "hugo":
                hugo_site.section_index(path.parent)
        return Path(rel_text).stem

    def check(self, tool: str, scenario: str, number: int, stem: str) -> None:
        """The build did what the scenario asks: the edited or added entry's page shows it."""
        pages = list(self.outputs[tool].glob(f"*/*/{stem}/index.html"))
        if len(pages) != 1:
            raise SystemExit(f"{tool}: {scenario}: no page for {stem} in {self.outputs[tool]}")
        if scenario == "edit" and f"benchmark run {number}" not in pages[0].read_text("utf-8"):
            raise SystemExit(f"{tool}: edit: {pages[0]} does not show the edit")

    def count(self, tool: str) -> dict[str, int]:
        """What a build made: files, entry pages (YYYY/MM/slug/index.html), HTML pages, feeds."""
        counts = {"files": 0, "entry pages": 0, "html pages": 0, "feeds": 0}
        out = self.outputs[tool]
        for folder, _dirs, files in os.walk(out):
            for name in files:
                rel = os.path.relpath(os.path.join(folder, name), out).replace(os.sep, "/")
                counts["files"] += 1
                counts["entry pages"] += bool(ENTRY_PAGE.match(rel))
                counts["html pages"] += name.endswith(".html")
                counts["feeds"] += name.endswith((".xml", ".json")) and "sitemap" not in name
        return counts


def figures(run_: Run, tool: str) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in asdict(run_).items() if k != "stdout"}
    data["load"] = os.getloadavg()[0]
    if tool == "feedsite":
        written = re.search(r"(\d[\d,]*) files? written", run_.stdout)
        if written:
            data["written"] = int(written[1].replace(",", ""))
        data["output"] = run_.stdout.strip()[-300:]
    return data


def scenario_runs(bench: Bench, scenario: str, runs: int, counts: dict[str, dict[str, int]]) -> Rows:
    rows: Rows = {tool: [] for tool in TOOLS}
    for number in range(runs):
        stem = bench.change(scenario, number) if scenario not in ("cold", "noop") else ""
        line = []
        for tool in TOOLS:
            result = bench.build(tool, cold=scenario == "cold")
            rows[tool].append(figures(result, tool))
            if stem:
                bench.check(tool, scenario, number, stem)
            if scenario == "cold" and tool not in counts:
                counts[tool] = bench.count(tool)
            line.append(f"{tool} {result.wall:6.2f} s (CPU {result.cpu:6.2f} s) {result.pss:5.0f} MB")
        ratio = rows["feedsite"][-1]["wall"] / rows["hugo"][-1]["wall"]
        print(f"  {scenario:<5} {number + 1}/{runs}: {' | '.join(line)} | ratio {ratio:.3f}", file=sys.stderr)
    return rows


def spread(values: list[float], fmt: str) -> str:
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def paired(rows: Rows, key: str) -> list[float]:
    return [f[key] / h[key] for f, h in zip(rows["feedsite"], rows["hugo"], strict=True)]


def verdict(ratios: list[float], target: float | None, judge: bool) -> list[str]:
    """The target and whether the median ratio meets it (the targets are for 10,000 entries)."""
    if target is None:
        return ["-", ""]
    if not judge:
        return [f"≤ {target:g}", "(for 10,000 entries)"]
    return [f"≤ {target:g}", "met" if statistics.median(ratios) <= target else "NOT MET"]


def table(results: dict[str, Rows], judge: bool) -> list[str]:
    """Seconds, then peak memory: each tool's min / median / max and those of the paired ratios."""
    times = [["scenario", "feedsite s", "Hugo s", "feedsite ÷ Hugo", "target", ""]]
    for name, rows in results.items():
        ratios = paired(rows, "wall")
        cells = [spread([r["wall"] for r in rows[t]], "{:.2f}") for t in TOOLS]
        times.append([name, *cells, spread(ratios, "{:.3f}"), *verdict(ratios, TARGETS.get(name), judge)])
    cpu = [["CPU s (user + system)", "feedsite s", "Hugo s", "feedsite ÷ Hugo"]]
    for name, rows in results.items():
        cells = [spread([r["cpu"] for r in rows[t]], "{:.2f}") for t in TOOLS]
        cpu.append([name, *cells, spread(paired(rows, "cpu"), "{:.3f}")])
    memory = [["peak memory", "feedsite MB", "Hugo MB", "feedsite ÷ Hugo", "target", ""]]
    for name, rows in results.items():
        for key, label in (("pss", "PSS, all processes"), ("rss", "RSS, largest process")):
            ratios = paired(rows, key)
            target = MEMORY_TARGET if name == "cold" and key == "pss" else None
            cells = [spread([r[key] for r in rows[t]], "{:.0f}") for t in TOOLS] + [spread(ratios, "{:.3f}")]
            memory.append([f"{name}: {label}", *cells, *verdict(ratios, target, judge)])
    text = ["each cell: min / median / max of the runs; a ratio is a feedsite run ÷ the Hugo run beside it"]
    for block in (times, cpu, memory):
        widths = [max(len(row[i]) for row in block) for i in range(len(block[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in block]
        text += ["", lines[0], "-" * len(lines[0]), *lines[1:]]
    return text


def machine(repo: Path, hugo: str) -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")

    def git(*argv: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *argv], capture_output=True, text=True).stdout.strip()

    commit, dirty = git("rev-parse", "--short", "HEAD"), git("status", "--porcelain", "--", "feedsite")
    code = git("log", "-1", "--format=%h", "--", "feedsite")
    return {
        "cpus": f"{len(os.sched_getaffinity(0))} usable of {os.cpu_count()}",
        "cpu": model,
        "python": f"{platform.python_version()} ({sys.executable})",
        "hugo": subprocess.run([hugo, "version"], capture_output=True, text=True, check=True).stdout.strip(),
        "feedsite": f"{repo} at {commit or '?'} (feedsite/ as of {code or '?'}"
        + (", with uncommitted changes)" if dirty else ")"),
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
    }


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each tool in each scenario (≥ 3)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset, in order")
    parser.add_argument("--repo", type=Path, default=HERE.parent, help="the feedsite checkout to measure")
    parser.add_argument("--hugo", default=shutil.which("hugo") or "/usr/bin/hugo", help="the hugo binary")
    parser.add_argument("--keep", type=Path, help="build both projects in this (new) folder and keep them")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args()
    wanted = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    if set(wanted) - set(SCENARIOS + EXTRA) or args.runs < 1:
        parser.error(f"scenarios are {', '.join(SCENARIOS + EXTRA)}; runs ≥ 1")
    repo = args.repo.resolve()
    info = machine(repo, args.hugo)
    for key, value in info.items():
        print(f"{key:>8}: {value}")
    base = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="feedsite-bench-"))
    bench = Bench(base, repo, args.hugo, args.entries)
    started = time.perf_counter()
    results: dict[str, Rows] = {}
    counts: dict[str, dict[str, int]] = {}
    try:
        measure.check_feedsite(repo)
        bench.write()
        seconds = time.perf_counter() - started
        print(f"corpus of {args.entries} entries written in {seconds:.0f} s", file=sys.stderr)
        bench.warm_up()
        if "cold" not in wanted:  # the rebuilds start from a built site
            for tool in TOOLS:
                bench.build(tool, cold=True)
                counts[tool] = bench.count(tool)
        for scenario in wanted:
            results[scenario] = scenario_runs(bench, scenario, args.runs, counts)
    except CommandError as error:
        raise SystemExit(f"bench stopped: {error}") from None
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    minutes = (time.perf_counter() - started) / 60
    print(f"\n{args.entries} entries, {args.runs} runs of each tool per scenario, {minutes:.1f} min in all")
    print("what each made (first cold build): " + "; ".join(f"{t}: {counts[t]}" for t in TOOLS))
    if counts["feedsite"]["entry pages"] != counts["hugo"]["entry pages"]:
        print("WARNING: the two made different numbers of entry pages: the builds are not comparable")
    loads = [r["load"] for rows in results.values() for runs in rows.values() for r in runs]
    print(f"load average (1 min) after each run: {min(loads):.1f} to {max(loads):.1f}, {os.cpu_count()} CPUs")
    print("Hugo's rebuilds: a normal `hugo` over its existing public/, what a Hugo user runs (its best case)")
    print()
    for line in table(results, judge=args.entries == 10_000):
        print(line)
    if args.json:
        data = {"machine": info, "entries": args.entries, "runs": args.runs, "outputs": counts}
        data["scenarios"] = results
        args.json.write_text(json.dumps(data, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
