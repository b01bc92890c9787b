"""Shared helpers for the tests: copy a fixture project, build it, read what was written."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from feedsite.build import BuildOptions, BuildReport, build
from feedsite.config import load_config

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "site"
NOW = datetime(2025, 6, 1, tzinfo=UTC)  # "now" for the draft/future rules in tests


def copy_fixture(tmp: Path, source: Path = FIXTURE) -> Path:
    target = tmp / "project"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("site", ".feedsite-cache"))
    return target


def build_project(root: Path, **options: object) -> BuildReport:
    opts = BuildOptions(now=NOW, **options)  # type: ignore[arg-type]
    return build(load_config(root), opts)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below folder, by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
