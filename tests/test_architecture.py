"""The shape design.md asks for, checked on the code itself: the memo layer is reached only from
build.py, no module outside it touches sqlite, marshal, pickle or processes, build() reads as the
stages in order, and no module grows past 400 lines."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import feedsite
import feedsite.build

PACKAGE = Path(feedsite.__file__).parent
SPEED_MODULES = {"sqlite3", "marshal", "pickle", "multiprocessing", "concurrent.futures"}


def modules() -> dict[str, ast.Module]:
    return {p.relative_to(PACKAGE).as_posix(): ast.parse(p.read_text("utf-8")) for p in PACKAGE.rglob("*.py")}


def imported(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_only_build_opens_the_memo_layer() -> None:
    for name, tree in modules().items():
        if name.startswith("memo/") or name == "build.py":
            continue
        found = {m for m in imported(tree) if m == "feedsite.memo" or m.startswith("feedsite.memo.")}
        assert not found, f"{name} imports {sorted(found)}"


def test_speed_machinery_stays_in_the_memo_layer() -> None:
    for name, tree in modules().items():
        if name.startswith("memo/"):
            continue
        found = {m for m in imported(tree) if m.split(".")[0] in SPEED_MODULES or m in SPEED_MODULES}
        assert not found, f"{name} imports {sorted(found)}"


def test_build_reads_as_the_stages_in_order() -> None:
    source = inspect.getsource(feedsite.build.build)
    places = [source.index(stage) for stage in ("load_entries", "render_posts", "plan_site", "write_site")]
    assert places == sorted(places)


def test_no_module_over_400_lines() -> None:
    for path in PACKAGE.rglob("*.py"):
        lines = len(path.read_text("utf-8").splitlines())
        assert lines <= 400, f"{path.relative_to(PACKAGE)} has {lines} lines"
