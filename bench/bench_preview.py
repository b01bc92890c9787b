"""Preview latency (issue 5): the time from saving one entry to the new site/ being written.

    python bench/bench_preview.py --entries 1000 [--runs 7]
    python bench/bench_preview.py --entries 10000 [--repo PATH]

Generates a deterministic corpus (bench/corpus.py: ~5 KB of Markdown per entry, 2–4 headings,
1–4 tags from 40), starts `feedsite build --watch` on it in a fresh process, as a user does (the
checkout given by --repo, default this one), waits for its first build, then, --runs times,
edits one entry's body and measures from just before the write to the moment the entry's page in
site/ holds the edit (polled every few milliseconds). That includes the watcher's quiet period
and event delivery. Prints the median, min and max, and the build time the watcher reported
("in N s" of its summary line) beside each.
"""

from __future__ import annotations

import argparse
import queue
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import measure  # noqa: E402

POLL = 0.005  # seconds between looks at the edited page


class Watch:
    """`feedsite build --watch` in its own process; its output lines, as they come, in a queue."""

    def __init__(self, repo: Path, root: Path) -> None:
        argv, env = measure.feedsite(repo, root, "build", "--watch")
        self.proc = subprocess.Popen(
            argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float) -> str:
        """The next output line matching pattern; SystemExit after timeout or if the watcher ends."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise SystemExit(f"no line matching {pattern!r} from the watcher in {timeout} s") from None
            if re.search(pattern, line):
                return line
            if "error" in line.lower() or self.proc.poll() is not None:
                raise SystemExit(f"the watcher said: {line}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)  # Ctrl-C, as a user stops it
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def measure_latency(repo: Path, entries: int, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="feedsite-preview-bench-") as tmp:
        root = Path(tmp) / "project"
        started = time.perf_counter()
        corpus.write_project(root, entries)
        print(f"{entries} entries generated in {time.perf_counter() - started:.1f} s", flush=True)
        watch = Watch(repo, root)
        try:
            print(f"first build: {watch.wait_for(r'^built ', 900)}", flush=True)
            watch.wait_for(r"^watching ", 60)
            files = sorted((root / "content").rglob("*.md"))
            latencies: list[float] = []
            for run in range(runs):
                path = files[(run * 7919) % len(files)]
                (page,) = (root / "site").glob(f"*/*/{path.stem}/index.html")
                marker = f"preview bench run {run}"
                time.sleep(0.5)  # let the previous run's events die down
                start = time.perf_counter()
                corpus.edit_body(path, marker)
                while marker not in page.read_text("utf-8"):
                    if time.perf_counter() - start > 120:
                        raise SystemExit(f"{page}: the edit is not in site/ 120 s after it was saved")
                    time.sleep(POLL)
                latencies.append(time.perf_counter() - start)
                summary = watch.wait_for(r"^built ", 60)
                build = re.search(r"in (\d+\.\d+) s", summary)
                print(
                    f"run {run + 1}: {latencies[-1]:.3f} s (the watcher's build: "
                    f"{build[1] + ' s' if build else summary})",
                    flush=True,
                )
        finally:
            watch.stop()
        print(
            f"\nsave → site/ written, {entries} entries, {runs} runs: median "
            f"{statistics.median(latencies):.3f} s, min {min(latencies):.3f} s, max {max(latencies):.3f} s"
        )


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--repo", type=Path, default=HERE.parent, help="the feedsite checkout to measure")
    args = parser.parse_args()
    repo = args.repo.resolve()
    measure.check_feedsite(repo)
    measure_latency(repo, args.entries, args.runs)


if __name__ == "__main__":
    main()
