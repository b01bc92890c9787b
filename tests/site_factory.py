"""Projects on disk and builds through the command line only, for the cache and fault tests.

Nothing here imports feedsite's internals: builds run as `python -m feedsite -C DIR build` in a
subprocess (a fresh process reads the cache from disk, as a user's next build does) or in-process
through `feedsite.cli.main`, and everything is checked on the files they leave.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import feedsite.cli

# The code under test, for subprocesses: the same feedsite this process imported.
CODE = Path(feedsite.cli.__file__).resolve().parent
BUILTIN_TEMPLATES = CODE / "templates"
SUMMARY_LINE = "nothing was written"  # the CLI's closing line after errors
TIMEOUT = 300


# -- running feedsite ---------------------------------------------------------------------------


def env() -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k != "FEEDSITE_DEBUG"}
    path = environ.get("PYTHONPATH")
    environ["PYTHONPATH"] = str(CODE.parent) + (os.pathsep + path if path else "")
    return environ


def command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "feedsite", "-C", str(root), "build", *args]


def run(root: Path, *args: str, **popen: Any) -> subprocess.CompletedProcess[str]:
    """`feedsite -C root build *args` in a new process; its exit code and output."""
    return subprocess.run(
        command(root, *args), capture_output=True, text=True, env=env(), timeout=TIMEOUT, check=False, **popen
    )


def start(root: Path, *args: str) -> subprocess.Popen[str]:
    """A build in a new process group of its own (so a kill reaches its workers too)."""
    return subprocess.Popen(
        command(root, *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
        start_new_session=True,
    )


def build_here(root: Path, *args: str) -> int:
    """A build in this process through feedsite.cli.main (quick: for setting a state up)."""
    return int(feedsite.cli.main(["-C", str(root), "build", *args]))


def ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def problem_lines(stderr: str) -> list[str]:
    """The error lines of a failed command, without the closing summary line."""
    return [line for line in stderr.splitlines() if line.strip() and SUMMARY_LINE not in line]


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 1 and one error line (plus the closing summary) naming every word, no traceback."""
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    lines = problem_lines(result.stderr)
    assert len(lines) == 1, f"expected one error line, got {lines}"
    for word in words:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"


# -- files and trees ----------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below folder, by relative path ("/"-separated)."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def names(folder: Path) -> set[str]:
    """Every name below folder (files, folders, links, anything), by relative path."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")} if folder.is_dir() else set()


def first_difference(actual: Mapping[str, bytes], expected: Mapping[str, bytes]) -> str | None:
    """None if both trees are the same, else a short account of how they differ."""
    extra = sorted(set(actual) - set(expected))
    missing = sorted(set(expected) - set(actual))
    if extra or missing:
        return f"only in the site: {extra[:5]} ({len(extra)}); missing: {missing[:5]} ({len(missing)})"
    for path in sorted(expected):
        if actual[path] != expected[path]:
            return f"{path} differs:\n{_diff_excerpt(actual[path], expected[path])}"
    return None


def _diff_excerpt(actual: bytes, expected: bytes) -> str:
    at = next((i for i, (a, b) in enumerate(zip(actual, expected, strict=False)) if a != b), None)
    at = min(len(actual), len(expected)) if at is None else at
    lo = max(0, at - 80)
    return f"  built:    {actual[lo : at + 80]!r}\n  expected: {expected[lo : at + 80]!r}"


def assert_same_tree(actual: Mapping[str, bytes], expected: Mapping[str, bytes], what: str = "") -> None:
    difference = first_difference(actual, expected)
    assert difference is None, f"{what}{': ' if what else ''}{difference}"


def copy_sources(project: Path, target: Path, skip: Iterable[str] = ("site", ".feedsite-cache")) -> Path:
    """The project without its built site and cache, at target (which must not exist)."""
    shutil.copytree(project, target, ignore=shutil.ignore_patterns(*skip))
    return target


def reference(
    project: Path, target: Path, output: str = "site", cache: str = ".feedsite-cache"
) -> dict[str, bytes]:
    """The site a --no-cache build makes of project's sources in a fresh folder (target)."""
    copy_sources(project, target, (output, cache))
    ok(run(target, "--no-cache"))
    return tree(target / output)


# -- projects -----------------------------------------------------------------------------------


def config_text(title: str = "Integrity Times", output: str | None = None, per_page: int = 3) -> str:
    lines = [
        "[site]",
        f"title = {json.dumps(title)}",
        'base_url = "https://news.example.org/"',
        'description = "Tests of the cache and the writer"',
        'language = "en"',
        'timezone = "Europe/Rome"',
        'author = "Desk"',
        'rights = "© Integrity Times"',
        "",
        "[feeds]",
        "limit = 5",
        "",
        "[pagination]",
        f"per_page = {per_page}",
    ]
    if output is not None:
        lines += ["", "[paths]", f"output = {json.dumps(output)}"]
    return "\n".join(lines) + "\n"


def entry_text(fields: Mapping[str, str], body: str) -> str:
    """An entry file; fields' values are YAML as written (quote strings with json.dumps)."""
    front = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return f"---\n{front}---\n{body}"


def sync(folder: Path, files: Mapping[str, str]) -> None:
    """Make folder hold exactly files (relative path → text): write the changed, remove the others."""
    for rel, text in files.items():
        path = folder / rel
        if not path.is_file() or path.read_text("utf-8") != text:
            write(path, text)
    for path in sorted(folder.rglob("*"), reverse=True):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel not in files:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def make_project(root: Path, entries: Mapping[str, str], config: str | None = None) -> Path:
    """A project at root: feedsite.toml and content/ holding entries (relative path → text)."""
    root.mkdir(parents=True, exist_ok=True)
    write(root / "feedsite.toml", config if config is not None else config_text())
    sync(root / "content", entries)
    return root


# -- a big generated corpus ---------------------------------------------------------------------

TAGS = (
    "World", "Europe", "Economy", "Politics", "Science", "Health",
    "Sport", "Culture", "Climate", "Technology", "Energy", "Transport",
)  # fmt: skip
WORDS = (
    "council", "harbour", "minister", "market", "storm", "vote", "budget", "bridge", "river",
    "school", "hospital", "rail", "port", "festival", "museum", "drought", "grain", "tariff",
    "court", "strike", "summit", "border", "treaty", "vaccine", "satellite", "reactor",
    "election", "coalition", "mayor", "farmers", "exports", "inflation", "pension", "tunnel",
)  # fmt: skip


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def big_corpus(count: int, state: int = 0, seed: int = 11) -> dict[str, str]:
    """count deterministic entries (relative path → text) in one of four states:

    0 the base; 1 thirty entries retitled and rewritten and the tag Economy renamed Economics
    everywhere; 2 twenty entries deleted and twenty others added; 3 like 0 with ten bodies edited
    (state 3 also goes with another site title: see big_config).
    """
    rng = random.Random(seed)
    files: dict[str, str] = {}
    for n in range(count + 20):
        year, month, day = 2022 + n * 3 // count % 3, 1 + n % 12, 1 + n % 28
        hour = n % 24
        tags = rng.sample(TAGS, rng.randint(1, 3))
        title = f"{_sentence(rng, 5)[:-1]} {n}"
        paragraphs = [_sentence(rng, rng.randint(12, 30)) for _ in range(rng.randint(2, 5))]
        if n >= count and state != 2:
            continue  # the twenty spare entries exist only in state 2
        if state == 2 and n < 20:
            continue
        if state == 1 and n % 50 == 7:
            title = f"Revised: {title}"
            paragraphs.append("A correction was added to this story.")
        if state == 1:
            tags = ["Economics" if t == "Economy" else t for t in tags]
        if state == 3 and n % 150 == 3:
            paragraphs[0] = "This paragraph was rewritten. " + paragraphs[0]
        fields = {
            "title": json.dumps(title),
            "date": f"{year}-{month:02d}-{day:02d}T{hour:02d}:15:00+01:00",
            "id": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
            "tags": json.dumps(tags),
            "authors": json.dumps([f"Reporter {n % 9}"]),
        }
        body = "\n\n".join(paragraphs) + "\n\n## Background\n\n" + _sentence(rng, 20) + "\n"
        files[f"{year}/{month:02d}/story-{n}.md"] = entry_text(fields, body)
    return files


def big_config(state: int = 0, output: str | None = None) -> str:
    return config_text("Big Times Weekly" if state == 3 else "Big Times", output=output, per_page=10)


def make_big(root: Path, count: int, state: int = 0) -> Path:
    return make_project(root, big_corpus(count, state), big_config(state))


def set_state(root: Path, count: int, state: int) -> None:
    write(root / "feedsite.toml", big_config(state))
    sync(root / "content", big_corpus(count, state))


# -- damage and protection ----------------------------------------------------------------------


def flip_bit(path: Path, offset: int, bit: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 1 << bit
    path.write_bytes(bytes(data))


def chattr(paths: Sequence[Path], flag: str) -> bool:
    """chattr flag (+i / -i) on paths; False where the filesystem or the rights do not allow it."""
    if not paths or shutil.which("chattr") is None:
        return False
    done = subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True, check=False)
    return done.returncode == 0


def immutable(folder: Path) -> list[Path]:
    """Make folder and everything in it immutable (even to root); returns what to undo, [] if unable."""
    paths = [folder, *sorted(folder.rglob("*"))]
    paths = [p for p in paths if not p.is_symlink()]
    if not chattr(paths, "+i"):
        chattr(paths, "-i")
        return []
    return paths


def snapshot(folder: Path) -> dict[str, tuple[str, int, int, bytes]]:
    """Every name below folder (and folder itself): kind, size, mtime_ns and bytes of files."""
    result: dict[str, tuple[str, int, int, bytes]] = {}
    if not folder.exists():
        return result
    for path in [folder, *sorted(folder.rglob("*"))]:
        stat = path.lstat()
        kind = "dir" if path.is_dir() else "file" if path.is_file() else "other"
        data = path.read_bytes() if kind == "file" else b""
        result[path.relative_to(folder).as_posix()] = (kind, stat.st_size, stat.st_mtime_ns, data)
    return result
