"""Preview latency (issue 5): the time from saving one entry to the new site/ being written.

    python bench/bench_preview.py --entries 1000 [--runs 7] [--settle 0.1]
    python bench/bench_preview.py --entries 10000

Generates a deterministic corpus (bench/corpus.py: ~5 KB of Markdown per entry, 2–4 headings,
1–4 tags from 40), builds it cold once, then starts a real Watcher (watchdog, the same one
`feedsite serve` uses) and, --runs times, edits one entry's body and measures from just before the
write to the moment the watcher's build has committed site/ (checked: the entry's page holds the
edit). Prints median, min and max, and the median of each stage of the build (report.timings);
"wait" is the watcher's quiet period (--settle) plus event delivery.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

from feedsite.build import BuildOptions, build  # noqa: E402
from feedsite.commands import summary_line  # noqa: E402
from feedsite.config import load_config  # noqa: E402
from feedsite.watch import BuildResult, Watcher  # noqa: E402


def measure(entries: int, runs: int, settle: float) -> None:
    with tempfile.TemporaryDirectory(prefix="feedsite-preview-bench-") as tmp:
        root = Path(tmp) / "project"
        started = time.perf_counter()
        corpus.write_project(root, entries)
        print(f"{entries} entries generated in {time.perf_counter() - started:.1f} s", flush=True)
        config = load_config(root)
        cold = build(config, BuildOptions())
        print(f"cold build: {summary_line(cold)}", flush=True)

        finished: list[tuple[float, BuildResult]] = []
        done = threading.Condition()

        def on_result(result: BuildResult) -> None:
            with done:
                finished.append((time.perf_counter(), result))
                done.notify_all()

        watcher = Watcher(
            config, BuildOptions(), io.StringIO(), sys.stderr, on_result=on_result, settle=settle
        )
        watcher.start()
        assert watcher.wait_for_build(1, 600), "the watcher's first build did not finish"
        files = sorted((root / "content").rglob("*.md"))
        latencies: list[float] = []
        stages: dict[str, list[float]] = {}
        try:
            for run in range(runs):
                path = files[(run * 7919) % len(files)]
                seen = len(finished)
                time.sleep(max(0.3, settle * 3))  # let the previous run's events die down
                start = time.perf_counter()
                corpus.edit_body(path, f"preview bench run {run}")
                with done:
                    if not done.wait_for(lambda n=seen: len(finished) > n, 120):  # type: ignore[misc]
                        raise SystemExit("no build after an edit within 120 s")
                end, result = finished[seen]
                if not result.ok or result.report is None:
                    raise SystemExit(f"build failed: {result.problems}")
                marker = f"preview bench run {run}"
                html = next(iter((root / "site").glob(f"*/*/{path.stem}/index.html")), None)
                if html is None or marker not in html.read_text("utf-8"):
                    raise SystemExit(f"{path}: the edit is not in site/ after the build")
                latencies.append(end - start)
                build_time = result.report.seconds
                stages.setdefault("wait", []).append(end - start - build_time)
                for name, seconds in result.report.timings.items():
                    stages.setdefault(name, []).append(seconds)
                print(
                    f"run {run + 1}: {end - start:.3f} s (build {build_time:.3f} s, "
                    f"{result.report.written} written)",
                    flush=True,
                )
        finally:
            watcher.stop()
        print(
            f"\nsave → site/ written, {entries} entries, settle {settle} s, {runs} runs: "
            f"median {statistics.median(latencies):.3f} s, min {min(latencies):.3f} s, "
            f"max {max(latencies):.3f} s"
        )
        print(
            "median per stage: " + ", ".join(f"{k} {statistics.median(v):.3f} s" for k, v in stages.items())
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--settle", type=float, default=Watcher.SETTLE)
    args = parser.parse_args()
    measure(args.entries, args.runs, args.settle)


if __name__ == "__main__":
    main()
