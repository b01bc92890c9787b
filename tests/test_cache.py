"""The build cache only decides what can be reused: with or without it, whatever state it is in, the
site is byte for byte the same. Corrupt, truncated or deleted caches are rebuilt, never trusted."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

import feedsite.build
from feedsite.build import BuildOptions, build
from feedsite.config import load_config

TAGS = ["Politics", "Economy", "Sport", "Culture", "Science", "Health", "Europe", "Energy"]
AUTHORS = ["Anna Rossi", "Marco Bianchi", "Jane Doe", "John Smith"]
WORDS = "the council said on monday that a new plan for rail and energy would follow".split()  # noqa: SIM905
BASE = """[site]
title = "Cache Test"
base_url = "https://cache.example/"
timezone = "Europe/Rome"

[pagination]
per_page = 5
"""


def _body(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(2, 3)):
        parts.append("## " + " ".join(rng.choices(WORDS, k=4)).capitalize())
        for _ in range(2):
            words = rng.choices(WORDS, k=30)
            words[3] = f"*{words[3]}*"
            words[9] = f"[{words[9]}](https://example.org/{rng.randrange(100)})"
            parts.append(" ".join(words).capitalize() + ".")
    parts.append("| a | b |\n|---|---|\n| 1 | 2 |")  # a table: only the `extra` extension makes one
    return "\n\n".join(parts)


def make_project(root: Path, entries: int = 50) -> Path:
    rng = random.Random(4)
    (root / "content").mkdir(parents=True)
    (root / "feedsite.toml").write_text(BASE, "utf-8")
    for n in range(entries):
        month = 1 + n % 12
        text = (
            f"---\ntitle: Story number {n}\n"
            f"date: 2023-{month:02d}-{1 + n % 27:02d}T{n % 24:02d}:00:00+01:00\n"
            f"id: urn:uuid:00000000-0000-4000-8000-{n:012d}\n"
            f"authors: [{rng.choice(AUTHORS)}]\ntags: [{', '.join(rng.sample(TAGS, rng.randint(1, 3)))}]\n"
            f"---\n{_body(rng)}\n"
        )
        folder = root / "content" / f"2023/{month:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"story-{n}.md").write_text(text, "utf-8")
    return root


def tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def fresh_site(root: Path) -> dict[str, bytes]:
    """The site as a build without any cache, into a scratch copy of the project, makes it."""
    scratch = root.parent / (root.name + "-reference")
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(root, scratch, ignore=shutil.ignore_patterns("site", ".feedsite-cache"))
    build(load_config(scratch), BuildOptions(use_cache=False))
    return tree(scratch / "site")


def run(root: Path) -> feedsite.build.BuildReport:
    return build(load_config(root))


def age(root: Path, seconds: float = 3600) -> None:
    """Date every content file back, as if written long ago (stat stamps are trusted only then)."""
    when = os.stat(root).st_mtime - seconds
    for file in (root / "content").rglob("*.md"):
        os.utime(file, (when, when))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "news")


def test_with_and_without_cache_the_same_bytes(project: Path) -> None:
    age(project)
    first = run(project)
    assert first.written > 50 and first.unchanged == 0
    assert tree(project / "site") == fresh_site(project)
    again = run(project)
    assert (again.written, again.removed) == (0, 0) and again.unchanged == first.written
    story = project / "content/2023/05/story-4.md"
    story.write_text(story.read_text("utf-8").replace("## ", "## Edited ", 1), "utf-8")
    (project / "content/2023/06/story-new.md").write_text(
        "---\ntitle: A new one\ndate: 2023-06-30T10:00:00+02:00\ntags: [Sport]\n---\nNew *body*.\n", "utf-8"
    )
    (project / "content/2023/01/story-0.md").unlink()
    edited = run(project)
    assert 0 < edited.written < first.written and edited.removed > 0
    assert tree(project / "site") == fresh_site(project)


def test_cache_deleted_between_builds(project: Path) -> None:
    run(project)
    shutil.rmtree(project / ".feedsite-cache")
    assert run(project).written == 0  # the site was right: nothing to write, cache made anew
    assert any((project / ".feedsite-cache").iterdir())
    assert run(project).written == 0


def test_template_config_and_markdown_changes_invalidate(project: Path) -> None:
    run(project)
    page = project / "site/2023/05/story-4/index.html"
    assert b"<table>" in page.read_bytes()

    (project / "templates").mkdir()
    base = (Path(feedsite.build.__file__).parent / "templates/base.html").read_text("utf-8")
    (project / "templates/base.html").write_text(
        base.replace("<head>", '<head>\n<meta name="x" content="y">')
    )
    changed = run(project)
    assert b'<meta name="x" content="y">' in page.read_bytes() and changed.written > 50

    config = project / "feedsite.toml"
    config.write_text(config.read_text().replace('title = "Cache Test"', 'title = "Renamed"'))
    run(project)
    assert b"Renamed" in page.read_bytes() and b"Renamed" in (project / "site/feed.xml").read_bytes()

    config.write_text(config.read_text() + '\n[markdown]\nextensions = ["sane_lists"]\n')
    run(project)
    assert b"<table>" not in page.read_bytes() and b"| a | b |" in page.read_bytes()
    assert tree(project / "site") == fresh_site(project)


def test_a_hand_edited_output_is_repaired_and_the_rest_untouched(project: Path) -> None:
    run(project)
    site = project / "site"
    before = {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}
    page = site / "2023/05/story-4/index.html"
    good = page.read_bytes()
    page.write_bytes(good.replace(b"Story number 4", b"Story number 5"))  # same size, new bytes
    (site / "tags/sport/feed.xml").unlink()
    (site / "stray.html").write_text("not ours", "utf-8")
    (site / "2023/stray").mkdir()
    (site / "2023/stray/x.txt").write_text("not ours either", "utf-8")
    report = run(project)
    assert page.read_bytes() == good and (site / "tags/sport/feed.xml").is_file()
    # files feedsite did not write are the user's: never deleted
    assert (site / "stray.html").read_text("utf-8") == "not ours"
    assert (site / "2023/stray/x.txt").read_text("utf-8") == "not ours either"
    assert (report.written, report.removed) == (2, 0)
    for path, mtime in before.items():
        if path not in (page, site / "tags/sport/feed.xml"):
            assert path.stat().st_mtime_ns == mtime, path


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(project: Path) -> None:
    age(project)
    run(project)
    story = project / "content/2023/05/story-4.md"
    stat = story.stat()
    story.write_text(story.read_text("utf-8").replace("Story number 4", "Story number X"), "utf-8")
    os.utime(story, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as `touch -r` or rsync -t would
    assert story.stat().st_size == stat.st_size
    run(project)
    assert b"Story number X" in (project / "site/2023/05/story-4/index.html").read_bytes()


def test_build_from_inside_the_project_with_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`feedsite build` run in the project folder (a relative root) renders pages on forked workers,
    which open the cache themselves: they must find it."""
    from feedsite.cli import main

    project = make_project(tmp_path / "news", entries=120)
    monkeypatch.chdir(project)
    assert main(["build"]) == 0
    assert len(tree(project / "site")) > 200  # enough pages to render on forked workers
    assert tree(project / "site") == fresh_site(project)


def test_a_build_on_workers_keeps_the_compiled_templates(tmp_path: Path) -> None:
    """The templates are loaded before pages render on forked workers: the workers share them, and
    the cache keeps them compiled, so the next build that renders a page compiles none."""
    from feedsite.build import code_fingerprint
    from feedsite.memo import open_store

    project = make_project(tmp_path / "news", entries=120)
    run(project)
    assert len(tree(project / "site")) > 200  # rendered on forked workers (two cores here at least)
    store = open_store(project / ".feedsite-cache", code_fingerprint())
    try:
        kept = set(store.table("templates"))
    finally:
        store.close()
    assert len(kept) >= 8  # every built-in page template and _macros.html


def test_overridden_summary_and_title_macros_are_used_on_every_page(project: Path) -> None:
    run(project)
    (project / "templates").mkdir()
    macros = (Path(feedsite.build.__file__).parent / "templates/_macros.html").read_text("utf-8")
    (project / "templates/_macros.html").write_text(
        macros.replace(
            "{{ item | story_card(", '<i data-root="{{ root }}"></i>{{ item | story_card('
        ).replace(
            "{{ posts | title_list(", '<i class="titles" data-root="{{ root }}"></i>{{ posts | title_list('
        )
    )
    run(project)
    assert '<i class="titles" data-root="../">' in (project / "site/archive/index.html").read_text("utf-8")
    assert 'data-root="./"' in (project / "site/index.html").read_text("utf-8")
    assert 'data-root="../../"' in (project / "site/page/1/index.html").read_text("utf-8")
    assert tree(project / "site") == fresh_site(project)


def test_a_rebuild_after_a_first_build_renders_nothing(project: Path) -> None:
    """What the first build wrote (whole tree moved in) is recorded as it lies in site/, so the next
    build renders nothing; the same after files were moved in one by one."""
    for change in (None, "content/2023/05/story-4.md"):
        if change:
            (project / change).unlink()
        first = run(project)
        again = run(project)
        assert again.written == 0 and again.unchanged == first.written + first.unchanged
