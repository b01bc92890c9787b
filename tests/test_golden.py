"""Golden tests: the whole built site, feeds included, diffed against saved output.

Regenerate the saved fixture output after an intended change with:
    FEEDSITE_REGENERATE=1 python -m pytest tests/test_golden.py
and the committed demo with `feedsite build`; review both diffs with git before committing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from helpers import ROOT, build_project, copy_fixture, tree

from feedsite.build import BuildOptions, build
from feedsite.config import load_config

GOLDEN = Path(__file__).resolve().parent / "golden" / "fixture-site"


def assert_same_tree(actual: dict[str, bytes], expected: dict[str, bytes]) -> None:
    assert sorted(actual) == sorted(expected), "the set of files differs"
    for path in expected:
        assert actual[path] == expected[path], f"{path} differs from the saved output"


def test_fixture_site_matches_saved_output(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    build_project(root)
    built = tree(root / "site")
    if os.environ.get("FEEDSITE_REGENERATE"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(root / "site", GOLDEN)
    assert_same_tree(built, tree(GOLDEN))


def test_builds_are_deterministic(tmp_path: Path) -> None:
    one = copy_fixture(tmp_path / "one")
    two = copy_fixture(tmp_path / "two")
    build_project(one)
    build_project(one)  # a rebuild from the cache changes nothing
    build_project(two, use_cache=False)
    assert_same_tree(tree(one / "site"), tree(two / "site"))


def test_committed_demo_site_equals_a_fresh_build(tmp_path: Path) -> None:
    project = tmp_path / "demo"
    project.mkdir()
    shutil.copy(ROOT / "feedsite.toml", project)
    for folder in ("content", "templates", "static"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, project / folder)
    build(load_config(project), BuildOptions(use_cache=False))
    assert tree(project / "content"), "the demo has content"
    assert_same_tree(tree(ROOT / "site"), tree(project / "site"))


def test_unchanged_files_are_not_rewritten_and_stale_ones_removed(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    build_project(root)
    home, style = root / "site/index.html", root / "site/style.css"
    mtimes = (home.stat().st_mtime_ns, style.stat().st_mtime_ns)
    (root / "content/2023/05/spring-talks.md").unlink()
    report = build_project(root)
    assert style.stat().st_mtime_ns == mtimes[1]
    assert not (root / "site/2023").exists() and not (root / "site/tags/c-rust").exists()
    assert report.removed >= 5 and report.unchanged > 0
    assert b"Spring talks" not in (root / "site/feed.xml").read_bytes()
    assert b"spring-talks" not in (root / "site/sitemap.xml").read_bytes()
