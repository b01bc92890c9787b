"""`feedsite import` over feedparser's own test feeds: how many items import, which files fail and why.

    python bench/feedparser_corpus.py FOLDER

FOLDER holds the feed files of kurtmckee/feedparser's tests/ folder, extracted outside this
repository (never commit them), e.g. with the `fetch` tool's mirror:

    mkdir -p /tmp/fp && git -C /work/.mirror/kurtmckee+feedparser/repo archive HEAD tests | tar -x -C /tmp/fp
    python bench/feedparser_corpus.py /tmp/fp/tests

Every .xml and .json file under FOLDER is copied into the seeds/ folder of a fresh project (each
under its own name, so that two files never share a path) and imported with ONE run of the real
command, `python -m feedsite import --date 2024-11-08`. The script then counts the command's lines:
items imported (created, or merged into an entry another file already holds: the same item),
files with no items, and failures grouped by reason. For every failing file it also says what
feedparser itself reads in it (items, bozo), the reference of what a reader app accepts. Last,
`feedsite build` runs over what was imported: import must never write what build refuses.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import feedparser

REPO = Path(__file__).resolve().parent.parent
TOML = '[site]\ntitle = "Corpus"\nbase_url = "https://corpus.example/"\ntimezone = "UTC"\n'
SUFFIXES = (".xml", ".json")
_ITEM = re.compile(r"\bitem \d+\b")
_QUOTED = re.compile(r"\(.*?\)|'[^']*'|\"[^\"]*\"")
_LINE = re.compile(r",? ?\(?line \d+(, column \d+)?\)?")


def reason(message: str) -> str:
    """A failure message with its particulars (item numbers, quoted titles, lines) taken out."""
    return _QUOTED.sub("(…)", _LINE.sub("", _ITEM.sub("item N", message))).strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="feedparser's tests/ folder, extracted")
    parser.add_argument("--show", type=int, default=3, help="example files shown per failure reason")
    args = parser.parse_args()
    files = sorted(p for p in args.folder.rglob("*") if p.suffix in SUFFIXES and p.is_file())
    if not files:
        raise SystemExit(f"{args.folder}: no .xml or .json files")
    with tempfile.TemporaryDirectory(prefix="feedsite-fp-") as tmp:
        root = Path(tmp)
        (root / "feedsite.toml").write_text(TOML, encoding="utf-8")
        seeds = root / "seeds"
        names: dict[str, Path] = {}
        for file in files:
            name = "__".join(file.relative_to(args.folder).parts)
            (seeds / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, seeds / name)
            names[f"seeds/{name}"] = file
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        command = [sys.executable, "-m", "feedsite", "-C", str(root), "import", "--date", "2024-11-08"]
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        written = sorted(root.glob("content/**/*.md"))
        build = [sys.executable, "-m", "feedsite", "-C", str(root), "build"]
        built = subprocess.run(build, capture_output=True, text=True, env=env, check=False)
    statuses: Counter[str] = Counter()
    for line in done.stdout.splitlines():
        if "  ← " in line:
            statuses[line.split()[0] if not line.startswith("would") else line.split()[1]] += 1
    failed: dict[str, list[str]] = {}
    empty: list[str] = []
    warned: Counter[str] = Counter()
    for line in done.stderr.splitlines():
        shown, _, message = line.partition(": ")
        shown = shown.split(" #")[0]
        if message.startswith("warning: the feed has no items"):
            empty.append(shown)
        elif message.startswith("warning:"):
            warned[reason(message.removeprefix("warning: ").split(": ")[-1])] += 1
        else:
            failed.setdefault(shown, []).append(message)
    seen = [len(feedparser.parse(file.read_bytes()).entries) for file in files if file.suffix == ".xml"]
    print(f"{len(files)} files, imported with one run of `feedsite import` (exit status {done.returncode})")
    print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "(no summary line)")
    items = sum(statuses[s] for s in ("created", "updated", "unchanged", "skipped"))
    print(f"items imported: {items} ({', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))})")
    print(f"entry files written: {len(written)}")
    print(
        f"items feedparser itself reads in the XML files: {sum(seen)} (in {sum(1 for n in seen if n)} files)"
    )
    print(f"files with no items (a warning, not a failure): {len(empty)}")
    for why, count in sorted(warned.items(), key=lambda kv: -kv[1]):
        print(f"warning, not a failure: {count:4d}  {why}")
    print(f"files with a failure: {len(failed)}")
    by_reason: dict[str, list[str]] = {}
    for shown, messages in failed.items():
        for why in sorted({reason(m) for m in messages}):
            by_reason.setdefault(why, []).append(shown)
    for why, shown_files in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(shown_files):4d}  {why}")
        for shown in shown_files[: args.show]:
            source = names.get(shown)
            seen = ""
            if source is not None:
                parsed = feedparser.parse(source.read_bytes())
                seen = f"feedparser: {len(parsed.entries)} items, bozo={int(bool(parsed.bozo))}"
            print(f"          {shown.removeprefix('seeds/')}  [{seen}]")
    print(f"`feedsite build` of what was imported: exit status {built.returncode}")
    for line in (built.stdout + built.stderr).strip().splitlines()[-5:]:
        print(f"  {line}")
    if done.returncode not in (0, 1) or built.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
