"""feedsite's build benchmark (issue 4): python bench/run.py --entries 10000

Generates a deterministic corpus (bench/corpus.py), then times each scenario in a fresh process,
as a user would run it, and prints the median, min and max of --runs runs with the peak memory:

  cold       no cache, no site/            noop       nothing changed
  edit       one entry's body edited       add        one new article added (the newest)
  backdate   one entry added with a date within the three years the corpus covers
  template   base.html overridden with a visible change (every page changes)
  import     `feedsite import` of N text sources (bench/bench_import.py, when it exists)
  floor      stock Python-Markdown alone over the corpus' bodies, split over the cores, nothing
             written: the issue's yardstick (23.3 s in one process for 10,000 on its machine, 11.65 s
             over its two cores), measured just before and just after the cold build; with 10,000
             entries the cold build's wall time is then scaled by 11.65 s / the mean of the two and
             set against the issue's target, so that it compares across machines and the moods of
             a shared one
  yardstick  not a scenario: stock Python-Markdown over the first 500 bodies in one process (1.165 s
             on the issue's machine), measured just before each rebuild, which is scaled by it:
             rebuilds are short and mostly one process, and the machine's speed drifts by a third
             within a minute, so the floor taken a minute earlier is no measure of it
  disk       not a scenario: µs to make a folder holding a 10 KB file, probed just before each
             cold build, since a cold build makes ten thousand of them and the floor (all CPU)
             cannot see how slow the disk is at that moment

"wall" is the whole command (interpreter start-up and imports included; feedsite's bytecode is
compiled once and kept, as an installed package's is, even where PYTHONDONTWRITEBYTECODE is set,
and site-packages' .pth hooks are skipped, see CHILD);
"build" is the time inside build(). "rss" is the kernel's peak RSS of the largest single process
(the build or one of its workers); "pss" is the peak of the build's and its workers'
proportional set size summed, sampled every 250 ms: their total memory, pages shared by forked
workers counted once.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

BUILD_SCENARIOS = ("cold", "noop", "edit", "add", "backdate", "template")
SCENARIOS = (*BUILD_SCENARIOS, "import", "floor")
# the figure: Python-Markdown alone took 23.3 s for 10,000 entries in one process on its
# machine, so FLOOR_REF s split over its two cores
FLOOR_REF = 23.3 / 2
# `feedsite -C ROOT build` as a user runs it, with the time inside build() noted on stderr
# Builds run as `python -S` with site-packages added but no .pth hook run: here those hooks (a
# sandbox's CA bundle importing certifi, this checkout's editable-install finder) cost 0.1-0.3 s
# a start, which an installed feedsite does not pay.
CHILD = """
import json, site, sys, time
sys.path.extend(p for p in site.getsitepackages() if p not in sys.path)
sys.path.insert(0, {repo!r})
import feedsite.commands
real = feedsite.commands.build
def timed(*args, **kwargs):
    start = time.perf_counter()
    report = real(*args, **kwargs)
    seconds = time.perf_counter() - start
    data = {{"build": seconds, "entries": report.entries, "written": report.written,
            "unchanged": report.unchanged, "stages": report.timings}}
    print(MARK + json.dumps(data), file=sys.stderr, flush=True)
    return report
feedsite.commands.build = timed
from feedsite.cli import entry
sys.argv = ["feedsite", "-C", {root!r}, "build"]
entry()  # exactly what the `feedsite` command runs
""".replace("MARK", repr("bench-json: "))
MARK = "bench-json: "


def _tree_pss(pid: int) -> int:
    """Proportional set size in bytes of a process and all its descendants: memory shared by forked
    workers is counted once, split between them (0 once the process is gone)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


# Children keep compiled bytecode here, as an installed package has it (pip compiles it at install
# time): a shell with PYTHONDONTWRITEBYTECODE set would otherwise compile feedsite in every build.
BYTECODE = Path(tempfile.gettempdir()) / "feedsite-bench-bytecode"


def measure(argv: list[str], cwd: Path | None = None) -> dict[str, float]:
    """Run argv; wall seconds, peak RSS (MB) and whatever JSON it printed on its last line."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(BYTECODE)
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err_file:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err_file, text=True)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.25):  # reading smaps costs CPU: not too often
                peak[0] = max(peak[0], _tree_pss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # wait4: this child's own rusage; its maxrss is the largest of it and its reaped workers
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        err_file.seek(0)
        err = err_file.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{err[-3000:]}")
    result: dict[str, float] = {"wall": wall, "pss": peak[0] / 2**20, "rss": usage.ru_maxrss / 1024}
    marked = [line[len(MARK) :] for line in err.splitlines() if line.startswith(MARK)]
    if marked:
        data = json.loads(marked[-1])
        result.update({k: v for k, v in data.items() if isinstance(v, int | float)})
        result.update({f"stage.{k}": v for k, v in data.get("stages", {}).items()})
    return result


def build_once(root: Path) -> dict[str, float]:
    return measure([sys.executable, "-S", "-c", CHILD.format(repo=str(REPO), root=str(root))])


def prepare(scenario: str, root: Path, entries: int, run: int) -> None:
    """Bring the project into the state the scenario starts from (its build follows)."""
    if scenario == "cold":
        shutil.rmtree(root / "site", ignore_errors=True)
        shutil.rmtree(root / ".feedsite-cache", ignore_errors=True)
    elif scenario == "edit":
        victim = sorted((root / "content").rglob("*.md"))[entries // 2]
        corpus.edit_body(victim, f"benchmark run {run}")
    elif scenario in ("add", "backdate"):
        after = 3600 * (run + 1) if scenario == "add" else None
        rel, text = corpus.entry(seed=1, index=entries + (1000 if after else 2000) + run, after=after)
        (root / "content" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "content" / rel).write_text(text, "utf-8")
    elif scenario == "template":
        import feedsite.pages

        builtin = (feedsite.pages.BUILTIN_TEMPLATES / "base.html").read_text("utf-8")
        changed = builtin.replace("<head>\n", f'<head>\n<meta name="x-bench" content="{run}">\n', 1)
        assert changed != builtin
        (root / "templates").mkdir(exist_ok=True)
        (root / "templates" / "base.html").write_text(changed, "utf-8")
    os.sync()  # the disk settles first: one step's writeback must not land in the next one's time


IMPORT_CHILD = """
import json, sys
sys.path.insert(0, {bench!r})
from pathlib import Path
import bench_import
seconds = bench_import.import_once(Path({seeds!r}), Path({work!r}))
print({mark!r} + json.dumps({{"build": seconds}}), file=sys.stderr)
"""


def run_import(entries: int, work: Path) -> dict[str, float] | None:
    """`feedsite import` of `entries` text sources into a fresh project, by bench/bench_import.py."""
    try:
        module = importlib.import_module("bench_import")
    except ImportError:
        return None
    seeds = work / "seeds"
    if not seeds.is_dir():
        seeds.mkdir(parents=True)
        module.make_sources(seeds, entries)
    runs = work / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    runs.mkdir()
    code = IMPORT_CHILD.format(bench=str(HERE), seeds=str(seeds), work=str(runs), mark=MARK)
    return measure([sys.executable, "-c", code])


FLOOR_CHILD = """
import json, os, sys, time
from multiprocessing import get_context
from pathlib import Path
import markdown
bodies = []
for file in sorted(Path({content!r}).rglob("*.md"))[:{limit}]:
    bodies.append(file.read_text("utf-8").split("\\n---\\n", 1)[1])
def convert(part):
    render = markdown.Markdown(extensions=["extra", "sane_lists"])
    for body in bodies[part::{cores}]:
        render.reset().convert(body)
    return part
with get_context("fork").Pool({cores}) as pool:
    start = time.perf_counter()
    pool.map(convert, range({cores}), chunksize=1)
    seconds = time.perf_counter() - start
print({mark!r} + json.dumps({{"build": seconds}}), file=sys.stderr)
"""


def run_floor(root: Path, limit: int | None = None, cores: int | None = None) -> dict[str, float]:
    """Stock Python-Markdown over the corpus' bodies (the first `limit`), split over the cores: the
    issue's floor; with limit=CALIBRATION and one core, the yardstick set beside each rebuild."""
    cores = cores or os.cpu_count() or 1
    code = FLOOR_CHILD.format(content=str(root / "content"), mark=MARK, cores=cores, limit=limit)
    return measure([sys.executable, "-c", code])


# Rebuilds are short and mostly one process: each is scaled by stock Python-Markdown over this many
# bodies in one process, measured just before it (the machine's mood drifts within a minute).
CALIBRATION = 500
CALIBRATION_REF = 23.3 * CALIBRATION / 10_000  # the same on the machine: 2.33 ms a body


def disk_probe(folder: Path, count: int = 2000) -> float:
    """Microseconds to make a folder holding one 10 KB file, as a cold build makes ten thousand: a
    shared machine's disk can be ten times slower one minute than the next, and the floor (CPU only)
    does not see it. Run just before each cold build; its files go afterwards."""
    folder.mkdir(parents=True)
    data = b"x" * 10_000
    start = time.perf_counter()
    for number in range(count):
        os.mkdir(folder / str(number))
        (folder / str(number) / "index.html").write_bytes(data)
    return (time.perf_counter() - start) / count * 1e6


# the targets (wall seconds on its machine), for the scenarios it names
TARGETS = {"cold": 13.0, "noop": 1.0, "edit": 1.0, "add": 1.5, "backdate": 1.5}


def against_targets(rows: dict[str, list[dict[str, float]]]) -> list[str]:
    """Wall times scaled to the issue's machine: a cold build by its run's floor (both CPU-bound
    Python on two cores), a rebuild by the one-process yardstick measured just before it; the
    machine's speed, and its mood of the moment, cancel out."""
    floors = [(r["build"] + r.get("after", r["build"])) / 2 for r in rows["floor"]]
    lines = []
    for name, target in TARGETS.items():
        runs = rows.get(name, [])
        if not runs:
            continue
        scaled = [
            r["wall"] * (CALIBRATION_REF / r["yardstick"] if "yardstick" in r else FLOOR_REF / floor)
            for r, floor in zip(runs, floors, strict=False)
        ]
        median = statistics.median(scaled)
        verdict = "met" if median <= target else "MISSED"
        spread = f"({min(scaled):.2f}-{max(scaled):.2f})"
        lines.append(f"  {name:<9} {median:5.2f} s {spread}  target {target:g} s: {verdict}")
    return lines


def summarize(rows: dict[str, list[dict[str, float]]], keys: tuple[str, ...]) -> list[str]:
    head = f"{'scenario':<10}" + "".join(f"{k + ' (med/min/max)':>26}" for k in keys)
    head += f"{'pages written':>15}"
    lines = [head, "-" * len(head)]
    for name, runs in rows.items():
        cells = []
        for key in keys:
            values = [r[key] for r in runs if key in r]
            if not values:
                cells.append(f"{'-':>26}")
                continue
            unit = " MB" if key in ("rss", "pss") else " s"
            fmt = "{:.0f}" if key in ("rss", "pss") else "{:.2f}"
            text = "/".join(fmt.format(v) for v in (statistics.median(values), min(values), max(values)))
            cells.append(f"{text + unit:>26}")
        written = runs[0].get("written")
        lines.append(f"{name:<10}" + "".join(cells) + f"{'' if written is None else int(written):>15}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset")
    parser.add_argument("--keep", type=Path, help="build the project here and keep it")
    parser.add_argument("--json", type=Path, help="also write every measurement to this file")
    args = parser.parse_args()
    wanted = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(wanted) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    sys.path.insert(0, str(REPO))
    base = args.keep or Path(tempfile.mkdtemp(prefix="feedsite-bench-"))
    root = base / "project"
    rows: dict[str, list[dict[str, float]]] = {s: [] for s in wanted}
    notes: list[str] = []
    probes: list[float] = []  # disk_probe() before each cold build
    try:
        for run in range(args.runs):
            shutil.rmtree(root, ignore_errors=True)
            started = time.perf_counter()
            corpus.write_project(root, args.entries)
            print(
                f"run {run + 1}/{args.runs}: corpus of {args.entries} entries in "
                f"{time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
            if "floor" in wanted:  # first, so that this run's builds are set against it
                result = run_floor(root)
                rows["floor"].append(result)
                print(f"  floor     {result['build']:6.2f} s", file=sys.stderr)
            for scenario in BUILD_SCENARIOS:
                # later scenarios start from the state the earlier ones leave: always build them
                later = BUILD_SCENARIOS[BUILD_SCENARIOS.index(scenario) + 1 :]
                if scenario != "cold" and scenario not in wanted and not set(later) & set(wanted):
                    continue
                prepare(scenario, root, args.entries, run)
                if scenario == "cold":
                    probes.append(disk_probe(base / "probe"))
                    print(f"  disk      {probes[-1]:6.0f} µs a folder with a file", file=sys.stderr)
                yardstick = None if scenario == "cold" else run_floor(root, CALIBRATION, 1)["build"]
                result = build_once(root)
                shutil.rmtree(base / "probe", ignore_errors=True)
                if yardstick is not None:
                    result["yardstick"] = yardstick
                if scenario in wanted:
                    rows[scenario].append(result)
                stages = " ".join(f"{k[6:]} {v:.2f}" for k, v in result.items() if k.startswith("stage."))
                print(
                    f"  {scenario:<9} wall {result['wall']:6.2f} s  build {result.get('build', 0):6.2f} s  "
                    f"yardstick {result.get('yardstick', 0):5.2f} s  "
                    f"rss {result['rss']:4.0f} MB pss {result['pss']:4.0f} MB  "
                    f"written {int(result.get('written', 0))}  {stages}",
                    file=sys.stderr,
                )
                if scenario == "cold" and "floor" in wanted:  # the floor again, right after it
                    rows["floor"][-1]["after"] = after = run_floor(root)["build"]
                    print(f"  floor     {after:6.2f} s (after the cold build)", file=sys.stderr)
            if "import" in wanted:
                result = run_import(args.entries, base / "import")
                if result is None:
                    rows.pop("import", None)
                    notes.append("import: skipped (bench/bench_import.py not found)")
                else:
                    rows["import"].append(result)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    machine = f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"
    machine += f" {platform.machine()}"
    print(f"\nfeedsite bench: {args.entries} entries, {args.runs} runs, {machine}")
    for line in summarize(rows, ("wall", "build", "rss", "pss")):
        print(line)
    for note in notes:
        print(note)
    if probes:
        spread = f"{statistics.median(probes):.0f} µs ({min(probes):.0f}-{max(probes):.0f})"
        print(f"disk before each cold build: {spread} to make a folder with a 10 KB file")
    if rows.get("floor") and args.entries == 10_000:  # the figures are for 10,000
        print(
            f"\nset against the issue's targets: cold scaled by {FLOOR_REF:.2f} s / its floor (mean of before"
            f" and after), each rebuild by {CALIBRATION_REF:.3f} s / its yardstick"
            f" ({CALIBRATION} bodies, one process):"
        )
        for line in against_targets(rows):
            print(line)
    if args.json:
        data = {"entries": args.entries, "machine": machine, "rows": rows}
        args.json.write_text(json.dumps(data, indent=1))


if __name__ == "__main__":
    main()
