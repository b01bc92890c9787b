"""Issue 11, item 4, through the command line only: the writer is all-or-nothing and owns only what
it wrote. A user's file in the output folder survives; a failed build leaves the last site as it
was; a build killed at any moment leaves, once the next build has run, exactly the site a fresh
build makes and no temporary file; two builds at once agree; a write that fails is one clear line.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from site_factory import (
    assert_one_clear_line,
    assert_same_tree,
    big_corpus,
    chattr,
    command,
    config_text,
    entry_text,
    env,
    first_difference,
    immutable,
    make_big,
    make_project,
    names,
    ok,
    reference,
    run,
    set_state,
    start,
    tree,
    write,
)

CACHE = ".feedsite-cache"
BIG = 1000  # entries in the kill and concurrency tests (1,000 keeps this file near 2 min on 2 busy cores)
KILLS = int(os.environ.get("FEEDSITE_TEST_KILLS", "10"))  # killed builds; more for a longer hunt


def small_entries(count: int = 6) -> dict[str, str]:
    entries = {}
    for n in range(count):
        fields = {
            "title": json.dumps(f"Story number {n}"),
            "date": f"2024-0{1 + n % 6}-1{n % 10}T09:00:00+01:00",
            "tags": json.dumps(["Ports", "Weather"][: 1 + n % 2]),
        }
        entries[f"2024/story-{n}.md"] = entry_text(fields, f"Paragraph *{n}* of the story.\n")
    return entries


def retitle(root: Path, rel: str = "2024/story-1.md", title: str = "Story one, revised") -> None:
    path = root / "content" / rel
    text = path.read_text("utf-8")
    start_at = text.index("title: ")
    end_at = text.index("\n", start_at)
    path.write_text(text[:start_at] + f"title: {json.dumps(title)}" + text[end_at:], "utf-8")


def top_names(root: Path) -> set[str]:
    return {p.name for p in root.iterdir()}


# -- a user's files in the output folder -------------------------------------------------------


def docs_project(root: Path) -> Path:
    return make_project(root, small_entries(), config_text(output="docs"))


def test_first_build_refuses_a_folder_it_does_not_own(tmp_path: Path) -> None:
    root = docs_project(tmp_path / "project")
    write(root / "docs" / "precious.txt", "my notes\n")
    result = run(root)
    assert_one_clear_line(result, "docs")
    assert tree(root / "docs") == {"precious.txt": b"my notes\n"}
    assert names(root / "docs") == {"precious.txt"}, "the refused build wrote into docs/"


def test_an_empty_output_folder_builds(tmp_path: Path) -> None:
    root = docs_project(tmp_path / "project")
    (root / "docs").mkdir()
    ok(run(root))
    assert_same_tree(tree(root / "docs"), reference(root, tmp_path / "fresh", output="docs"))


def test_a_users_files_survive_every_later_build(tmp_path: Path) -> None:
    root = docs_project(tmp_path / "project")
    ok(run(root))
    mine = {"precious.txt": b"my notes\n", "2024/01/keep.txt": b"in a folder the site uses\n"}
    for rel, data in mine.items():
        (root / "docs" / rel).write_bytes(data)

    def check(step: str) -> None:
        site = tree(root / "docs")
        for rel, data in mine.items():
            assert site.pop(rel, None) == data, f"{step}: docs/{rel} was deleted or changed"
        fresh = tmp_path / f"fresh-{step}"
        assert_same_tree(site, reference(root, fresh, output="docs"), step)

    retitle(root)
    ok(run(root))
    check("after an edit")
    shutil.rmtree(root / CACHE)  # as in a fresh clone: site/ committed, no cache
    retitle(root, title="Story one, again")
    ok(run(root))
    check("without a cache")
    retitle(root, title="Story one, a third time")
    ok(run(root, "--no-cache"))
    check("with --no-cache")
    shutil.rmtree(root / "content")
    (root / "content").mkdir()
    ok(run(root))
    check("with every entry deleted")


# -- an error while rendering commits nothing ----------------------------------------------------

FAILING_ENTRY = """<!DOCTYPE html>
<html lang="{{ page.lang }}"><head><meta charset="utf-8"><title>{{ post.entry.title }}</title></head>
<body>{% if "victim" in post.path %}{{ undefined_var }}{% endif %}
<h1>{{ post.entry.title }}</h1>
{{ post.html | safe }}
</body></html>
"""


def test_an_error_while_rendering_writes_nothing(tmp_path: Path) -> None:
    entries = small_entries(30)
    fields = {"title": json.dumps("The victim"), "date": "2024-03-03T10:00:00+01:00", "slug": "victim"}
    entries["2024/victim.md"] = entry_text(fields, "Its page cannot be made.\n")
    root = make_project(tmp_path / "project", entries)
    ok(run(root))
    write(root / "templates" / "entry.html", FAILING_ENTRY)  # every entry page changes; one fails
    before, listing, top = tree(root / "site"), names(root / "site"), top_names(root)
    stamps = {p: (root / "site" / p).stat().st_mtime_ns for p in before}
    retitle(root)  # and the feeds change too
    result = run(root)
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stderr}"
    assert "Traceback" not in result.stderr and "undefined_var" in result.stderr, result.stderr
    assert "nothing was written" in result.stderr
    assert_same_tree(tree(root / "site"), before, "after the failed build")
    assert names(root / "site") == listing, "the failed build left names behind"
    assert top_names(root) == top, "the failed build left something beside site/"
    touched = sorted(p for p in before if (root / "site" / p).stat().st_mtime_ns != stamps[p])
    assert not touched, f"files rewritten by a build that wrote nothing: {touched[:5]}"


# -- killed builds, builds at once, failed writes on a big site ---------------------------------


class References:
    """--no-cache builds of the big corpus's states, each made once, in fresh folders."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: dict[int, tuple[dict[str, bytes], set[str]]] = {}

    def __call__(self, state: int) -> tuple[dict[str, bytes], set[str]]:
        if state not in self.made:
            source = make_big(self.folder / f"source-{state}", BIG, state)
            site = reference(source, self.folder / f"fresh-{state}")
            self.made[state] = (site, names(self.folder / f"fresh-{state}" / "site"))
        return self.made[state]


@pytest.fixture(scope="module")
def references(tmp_path_factory: pytest.TempPathFactory) -> References:
    return References(tmp_path_factory.mktemp("references"))


def leftovers(root: Path, state: int, site_names: set[str]) -> list[str]:
    """Names a clean build would not leave: in site/, in content/, beside them."""
    odd = [f"site/{n}" for n in sorted(names(root / "site") - site_names)]
    wanted: set[str] = {".urls.json"}  # the published addresses, remembered (issue 14, item 9)
    for rel in big_corpus(BIG, state):
        parts = rel.split("/")
        wanted.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    odd += [f"content/{n}" for n in sorted(names(root / "content") - wanted)]
    odd += sorted(top_names(root) - {"feedsite.toml", "content", "site", CACHE})
    return odd


def kill_group(process: subprocess.Popen[str]) -> bool:
    """SIGKILL the build and its workers (its own process group); False if it had already ended."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
        alive = True
    except ProcessLookupError:
        alive = False
    process.communicate(timeout=60)
    return alive and process.returncode == -signal.SIGKILL


def test_a_build_killed_at_any_moment_is_made_good_by_the_next(
    tmp_path: Path, references: References
) -> None:
    root = make_big(tmp_path / "project", BIG, 0)
    began = time.monotonic()
    ok(run(root))
    span = time.monotonic() - began
    set_state(root, BIG, 1)
    began = time.monotonic()
    ok(run(root))
    span = max(span, time.monotonic() - began)
    assert first_difference(tree(root / "site"), references(1)[0]) is None
    rng = random.Random(1105)
    failures = []
    kills = 0
    for i in range(KILLS):
        state = (i + 2) % 4  # 2 (entries deleted and added), 3 (new site title), 0, 1, 2, ...
        set_state(root, BIG, state)
        delay = rng.uniform(0.05, span)
        process = start(root)
        time.sleep(delay)
        kills += kill_group(process)
        result = run(root)
        site, site_names = references(state)
        why = (
            f"exit {result.returncode}: {result.stderr.strip()[:200]}"
            if result.returncode
            else first_difference(tree(root / "site"), site)
        )
        odd = leftovers(root, state, site_names)
        if why or odd:
            failures.append(
                f"kill {i} after {delay:.2f} s (state {state}): {why or ''} left behind: {odd[:5]}"
            )
    assert kills >= KILLS // 2, f"only {kills} of {KILLS} builds were still running when killed"
    assert not failures, f"{len(failures)} of {KILLS} killed builds were not made good:\n" + "\n".join(
        failures
    )


def test_two_builds_at_once(tmp_path: Path, references: References) -> None:
    root = make_big(tmp_path / "project", BIG, 0)
    for state in (0, 1):  # a first build (no site, no cache), then a rebuild
        set_state(root, BIG, state)
        first, second = start(root), start(root)
        outputs = [first.communicate(timeout=300), second.communicate(timeout=300)]
        codes = [first.returncode, second.returncode]
        if codes != [0, 0]:
            assert sorted(codes) == [0, 1], f"exits {codes}: {outputs}"
            loser = codes.index(1)
            other = (second, first)[loser]
            message = outputs[loser][1]
            assert f"another build (pid {other.pid}) is running" in message, message
        site, site_names = references(state)
        assert_same_tree(tree(root / "site"), site, f"after two builds at once (state {state})")
        assert not leftovers(root, state, site_names)


# -- write failures ---------------------------------------------------------------------------


def test_a_read_only_output_folder_fails_cleanly(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", small_entries())
    ok(run(root))
    before, listing = tree(root / "site"), names(root / "site")
    locked = immutable(root / "site")
    if not locked:
        pytest.skip(
            "chattr +i is not available here (root ignores chmod, so nothing else makes it read-only)"
        )
    try:
        retitle(root)
        result = run(root)
        after, after_names = tree(root / "site"), names(root / "site")
    finally:
        chattr(locked, "-i")
    assert_one_clear_line(result)
    assert_same_tree(after, before, "the read-only site")
    assert after_names == listing
    ok(run(root))  # writable again: the next build makes it good
    assert_same_tree(tree(root / "site"), reference(root, tmp_path / "fresh"))
    assert top_names(root) == {"feedsite.toml", "content", "site", CACHE}


def test_a_file_size_limit_fails_cleanly_and_keeps_the_site(tmp_path: Path) -> None:
    entries = small_entries()
    long_body = "\n\n".join(f"Paragraph {n}: " + "the harbour wall held. " * 20 for n in range(120))
    big = {"title": json.dumps("A long report"), "date": "2024-02-20T10:00:00+01:00"}
    entries["2024/long.md"] = entry_text(big, long_body + "\n")
    root = make_project(tmp_path / "project", entries)
    ok(run(root))
    before, listing = tree(root / "site"), names(root / "site")
    assert max(len(data) for data in before.values()) > 40_000
    path = root / "content" / "2024/long.md"
    path.write_text(path.read_text("utf-8").replace("Paragraph 7:", "Paragraph seven:"), "utf-8")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    result = run(root, preexec_fn=limit)
    assert_one_clear_line(result)
    assert_same_tree(tree(root / "site"), before, "after the failed write")
    assert names(root / "site") == listing
    ok(run(root))
    assert_same_tree(tree(root / "site"), reference(root, tmp_path / "fresh"))
    assert top_names(root) == {"feedsite.toml", "content", "site", CACHE}


# -- an output folder that is a mount point -----------------------------------------------------

IN_NAMESPACE = """
set -e
mount -t tmpfs -o size=64m feedsite-test "$SITE"
"$PYTHON" -m feedsite -C "$ROOT" build
cp -a "$SITE/." "$FIRST"
sed -i 's/Story number 2/Story two/' "$ROOT/content/2024/story-2.md"
"$PYTHON" -m feedsite -C "$ROOT" build
cp -a "$SITE/." "$SECOND"
"""


def can_mount(folder: Path) -> bool:
    folder.mkdir()
    probe = ["unshare", "--mount", "--propagation", "private", "mount", "-t", "tmpfs", "probe", str(folder)]
    try:
        return subprocess.run(probe, capture_output=True, check=False, timeout=60).returncode == 0
    except OSError:
        return False


def test_an_output_folder_that_is_a_mount_point(tmp_path: Path) -> None:
    """site/ is a tmpfs of its own, mounted in a private mount namespace (gone when the script ends):
    the first build and a rebuild must work there, as they would on a mounted volume or a RAM disk."""
    if not can_mount(tmp_path / "probe"):
        pytest.skip("cannot mount a tmpfs in a private mount namespace here (unshare --mount)")
    root = make_project(tmp_path / "project", small_entries())
    (root / "site").mkdir()
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    script = {"SITE": root / "site", "ROOT": root, "FIRST": first, "SECOND": second}
    environ = env() | {k: str(v) for k, v in script.items()} | {"PYTHON": command(root)[0]}
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", IN_NAMESPACE],
        capture_output=True,
        text=True,
        env=environ,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert names(root / "site") == set(), "the build wrote under the mount point, not into it"
    assert "Story two" in (root / "content/2024/story-2.md").read_text("utf-8")  # the script's edit
    assert_same_tree(tree(second), reference(root, tmp_path / "fresh"), "the rebuild on a mount point")
    assert tree(first) != tree(second)
