"""The exceptions feedsite raises. Only cli.py turns them into messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem in one file: printed as ``path:line: message``."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class FeedsiteError(Exception):
    """Base class: carries one or more problems, each a one-line message."""

    def __init__(self, problems: list[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("feedsite", None, problems)]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(FeedsiteError):
    """feedsite.toml is missing a value, has a bad one, or names an unknown key."""


class ContentError(FeedsiteError):
    """One or more entries in content/ cannot be published."""


class BuildError(FeedsiteError):
    """The site cannot be built or written (templates, output paths, disk)."""


def problem(path: Path | str, line: int | None, message: str) -> Problem:
    return Problem(str(path), line, message)
