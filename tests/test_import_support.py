"""Helpers shared by the import tests (no tests here): a tmp project and a run_import call."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from feedsite.config import SiteConfig, load_config
from feedsite.importers import ImportOptions, run_import

REPO = Path(__file__).parent.parent
SEED = REPO / "seeds" / "000_e2b4441914a169c5.txt"
FIXTURES = Path(__file__).parent / "fixtures" / "import"
TOML = '[site]\ntitle = "T"\nbase_url = "https://example.org/"\ntimezone = "Europe/Rome"\n'


def make_project(tmp_path: Path) -> SiteConfig:
    root = tmp_path / "project"
    (root / "seeds").mkdir(parents=True)
    (root / "feedsite.toml").write_text(TOML, encoding="utf-8")
    return load_config(root)


@dataclass
class Result:
    status: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def run(config: SiteConfig, paths: list[Path] | None = None, **options: object) -> Result:
    out, err = io.StringIO(), io.StringIO()
    status = run_import(config, paths or [], ImportOptions(**options), out, err)  # type: ignore[arg-type]
    return Result(status, out.getvalue(), err.getvalue())


def entries(config: SiteConfig) -> dict[str, bytes]:
    """Every file under content/, by path relative to it."""
    content = config.path("content")
    return {
        p.relative_to(content).as_posix(): p.read_bytes() for p in sorted(content.rglob("*")) if p.is_file()
    }


def split_entry(text: str) -> tuple[dict[str, object], str]:
    import yaml

    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    front = yaml.safe_load(head)
    assert isinstance(front, dict)
    return front, body
