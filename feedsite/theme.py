"""The Jinja2 theme: a project's templates/ over the built-in ones, file by file, rendering a
template and a context of plain data to bytes. Autoescaped, StrictUndefined, no globals that reach
outside the context: its filters are pure functions of their arguments."""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedsite.errors import BuildError, Problem

if TYPE_CHECKING:
    import jinja2

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def long_date(value: datetime) -> str:
    """ "8 November 2024": the same in every locale."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def month_name(month: int) -> str:
    return MONTHS[month - 1]


def json_ld(data: dict[str, Any]) -> str:
    """JSON for a <script type="application/ld+json"> block; '<' is escaped so it cannot end it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Theme:
    """Templates from the project's templates/ first, then the built-in theme.

    `compiled` is a Jinja bytecode cache (build.py hands one from the memo layer, or None)."""

    def __init__(self, root: Path, project_dir: Path, compiled: jinja2.BytecodeCache | None = None) -> None:
        self.root = root
        self.project_dir = project_dir
        self.compiled = compiled

    @functools.cached_property
    def env(self) -> jinja2.Environment:
        import jinja2

        env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(
                [jinja2.FileSystemLoader(self.project_dir), jinja2.FileSystemLoader(BUILTIN_TEMPLATES)]
            ),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
            bytecode_cache=self.compiled,
        )
        env.filters["long_date"] = long_date
        env.filters["month_name"] = month_name
        env.filters["json_ld"] = json_ld
        return env

    @functools.cached_property
    def fingerprint(self) -> str:
        """A hash of every template that can be used: changing any one changes it."""
        digest = hashlib.sha256()
        for folder in (self.project_dir, BUILTIN_TEMPLATES):
            if folder.is_dir():
                for file in sorted(p for p in folder.rglob("*") if p.is_file()):
                    digest.update(file.relative_to(folder).as_posix().encode() + b"\0")
                    digest.update(file.read_bytes() + b"\0")
        return digest.hexdigest()

    def render(self, template: str, context: dict[str, Any]) -> bytes:
        import jinja2

        try:
            return self.env.get_template(template).render(context).encode("utf-8")
        except jinja2.TemplateSyntaxError as exc:
            where = self._shown(Path(exc.filename)) if exc.filename else template
            raise BuildError([Problem(where, exc.lineno, f"template error: {exc.message}")]) from None
        except jinja2.TemplateError as exc:
            own = self.project_dir / template
            where = self._shown(own if own.is_file() else BUILTIN_TEMPLATES / template)
            raise BuildError([Problem(where, None, f"template error: {exc}")]) from None

    def _shown(self, path: Path) -> str:
        """A template's path as the user knows it: relative to the project when it is theirs."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()
