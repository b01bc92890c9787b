"""The Jinja2 theme: a project's templates/ over the built-in ones, rendering pages to bytes."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import json
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from feedsite.config import SiteConfig
from feedsite.errors import BuildError, Problem

if TYPE_CHECKING:
    import jinja2

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
BUILTIN_STATIC = Path(__file__).parent / "static"
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
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)  # no indent: the C encoder does it
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _compiled_templates(folder: Path) -> jinja2.BytecodeCache:
    """Compiled templates kept between builds (Jinja checks each against its source); never an error."""
    import jinja2

    class CompiledTemplates(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except Exception:  # unreadable or damaged: compile afresh
                bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            with contextlib.suppress(OSError):
                os.makedirs(self.directory, exist_ok=True)
                super().dump_bytecode(bucket)

    return CompiledTemplates(str(folder))


class Theme:
    """Templates from the project's templates/ first, then the built-in theme, file by file.

    With a folder for compiled templates, a rebuild skips compiling them again. Jinja is only
    loaded once a page is rendered: a rebuild with nothing to render never needs it."""

    def __init__(self, config: SiteConfig, compiled: Path | None = None) -> None:
        self.root = config.root
        self.project_dir = config.path("templates")
        self.compiled = compiled
        self.own_macros = self.overrides("_macros.html")
        # list.html shows each post by summary_html(post, root): the `summary` macro, unless a
        # build puts a memoized one in its place (feedsite.summaries)
        self.summary_html: Callable[[Any, str], Any] = self.summary
        self._title_lines: dict[str, tuple[str, str]] = {}  # post identity → the <li> around its root

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
            auto_reload=False,  # a build uses a Theme of its own: no template changes under it
            bytecode_cache=_compiled_templates(self.compiled) if self.compiled is not None else None,
        )
        env.filters["long_date"] = long_date
        env.filters["month_name"] = month_name
        env.filters["json_ld"] = json_ld
        env.globals["summary_html"] = lambda post, root: self.summary_html(post, root)
        env.globals["titles_html"] = self.titles
        return env

    def _macro(self, name: str) -> Any:
        return getattr(self.env.get_template("_macros.html").module, name)

    def summary(self, post: Any, root: str) -> Any:
        return self._macro("summary")(post, root)

    def titles(self, posts: Sequence[Any], root: str) -> Markup:
        """The `title_list` macro of _macros.html (archive pages: a line per post, ten thousand on
        a big site's /archive/), made in Python when the macro is the built-in one: the same bytes,
        each post's line made once a build."""
        if self.own_macros:
            return Markup(self._macro("title_list")(posts, root))
        lines = self._title_lines
        shown_root = str(escape(root))
        out = ['<ul class="titles">\n']
        for post in posts:
            parts = lines.get(post.identity)
            if parts is None:
                date = post.entry.date
                time = f'<time datetime="{escape(date.isoformat())}">{escape(long_date(date))}</time>'
                parts = lines[post.identity] = (
                    f'<li>{time} <a href="',
                    f'{escape(post.path)}">{escape(post.entry.title)}</a></li>\n',
                )
            out += (parts[0], shown_root, parts[1])
        out.append("</ul>\n")
        return Markup("".join(out))

    def overrides(self, *names: str) -> bool:
        """True when the project replaces any of these built-in templates."""
        return any((self.project_dir / name).is_file() for name in names)

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


def static_files(config: SiteConfig) -> dict[str, Path]:
    """Site path → file, for the built-in static files overridden by the project's static/."""
    files: dict[str, Path] = {}
    for folder in (BUILTIN_STATIC, config.path("static")):
        if folder.is_dir():
            for file in sorted(p for p in folder.rglob("*") if p.is_file()):
                rel = file.relative_to(folder)
                if not any(part.startswith(".") for part in rel.parts):
                    files[rel.as_posix()] = file
    return files


def sitemap(urls: list[tuple[str, datetime | None]]) -> bytes:
    """sitemap.xml for (absolute URL, last modified) pairs."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for url, modified in urls:
        lastmod = f"<lastmod>{modified.isoformat()}</lastmod>" if modified else ""
        lines.append(f"  <url><loc>{html.escape(url, quote=False)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots(sitemap_url: str) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {sitemap_url}\n".encode()
