"""The Jinja2 theme: a project's templates/ over the built-in ones, file by file, rendering a
template and a context of plain data to bytes. Autoescaped, StrictUndefined, no globals that reach
outside the context: its filters are pure functions of their arguments, and `memo` (Fragments) only
remembers what a block made from its arguments."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime
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


class Fragments:
    """`{% call memo(name, arg, ...) %}…{% endcall %}`: the block is rendered once for each distinct
    set of arguments and its HTML given again after that (a story card appears on the home pages,
    its tags' and its author's pages and beside its neighbours). Pure: the block must depend on its
    arguments only, as a macro's body does (an imported macro sees no page context); the arguments
    are compared by value (text, numbers, tuples, lists, dicts) or, for immutable values (frozen
    dataclasses such as posts, dates), by identity, held alive meanwhile. With any other argument
    the block is simply rendered. At most LIMIT fragments are kept: then the memo starts afresh."""

    LIMIT = 6000

    def __init__(self) -> None:
        self.made: dict[Any, tuple[Any, list[object]]] = {}
        self.immutable: dict[type, bool] = {date: True, datetime: True}

    def __call__(self, *args: Any, caller: Callable[[], Any]) -> Any:
        held: list[object] = []
        try:
            key = self._key(args, held)
        except _UnkeyableError:
            return caller()
        found = self.made.get(key)
        if found is None:
            if len(self.made) >= self.LIMIT:
                self.made.clear()
            found = self.made[key] = (caller(), held)
        return found[0]

    def _key(self, value: Any, held: list[object]) -> Any:
        kind = type(value)
        if kind is str or value is None:
            return value
        if kind is tuple or kind is list:
            return (kind, *[v if type(v) is str or v is None else self._key(v, held) for v in value])
        if kind is dict:
            return (
                dict,
                *[
                    (k if type(k) is str else self._key(k, held), v if type(v) is str else self._key(v, held))
                    for k, v in value.items()
                ],
            )
        if kind is int or kind is bool:
            return (kind, value)
        if kind is float:
            return (kind, repr(value))  # 0.0 == -0.0, but they show differently
        if isinstance(value, str):
            return (kind, str.__str__(value))
        immutable = self.immutable.get(kind)
        if immutable is None:
            params = getattr(kind, "__dataclass_params__", None)
            immutable = self.immutable[kind] = params is not None and bool(params.frozen)
        if not immutable:
            raise _UnkeyableError
        held.append(value)
        return (object, id(value))


class _UnkeyableError(Exception):
    """An argument Fragments cannot compare: the block is rendered."""


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
        env.globals["memo"] = Fragments()
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
