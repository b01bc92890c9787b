"""The Jinja2 theme: a project's templates/ over the built-in ones, file by file, rendering a
template and a context of plain data to bytes. Autoescaped, StrictUndefined, no globals that reach
outside the context: its filters are pure functions of their arguments."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

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


class Cards:
    """The built-in theme's story card (_macros.html's `story` calls it as a filter): the bytes the
    Jinja markup it replaces made, in a fraction of the time (every list page shows ten cards, every
    entry page four). A pure function of its arguments. A card is remembered within a build (a
    post's card recurs beside its neighbours and on its tags' and author's pages), by the post's
    identity (a frozen Post, held meanwhile) and the value of everything else it shows, when that
    is text, whole numbers or None. One Cards per Theme, so per build; at most LIMIT are kept, the newest."""

    LIMIT = 5000

    def __init__(self) -> None:
        self.made: dict[tuple[Any, ...], tuple[Markup, object]] = {}

    def story(self, item: Any, root: str, kind: str, level: int = 2) -> Markup:
        post, image, section = _get(item, "post"), _get(item, "image"), _get(item, "section")
        shown = (_get(section, "name"), _get(section, "path")) if section else None
        key = (id(post), root, kind, level, image, *(shown or (0,)))
        if not _frozen(post) or not all(type(v) in _PLAIN for v in key):
            return _story(post, image, shown, root, kind, level)
        found = self.made.get(key)
        if found is None:
            if len(self.made) >= self.LIMIT:  # the older half goes: neighbours' cards are recent ones
                for old in list(itertools.islice(self.made, self.LIMIT // 2)):
                    del self.made[old]
            found = self.made[key] = (_story(post, image, shown, root, kind, level), post)
        return found[0]


_PLAIN = frozenset({str, int, type(None)})  # compared by value in a card's key (no bool: 1 == True)


_FROZEN: dict[type, bool] = {}  # a type → whether it is a frozen dataclass


def _frozen(value: Any) -> bool:
    """Whether a value cannot change, so that its identity stands for its content."""
    kind = type(value)
    frozen = _FROZEN.get(kind)
    if frozen is None:
        params = getattr(kind, "__dataclass_params__", None)
        frozen = _FROZEN[kind] = params is not None and bool(params.frozen)
    return frozen


def _story(
    post: Any, image: Any, section: tuple[Any, Any] | None, root: str, kind: str, level: int
) -> Markup:
    """The card: what the template made of item.post, item.image, item.section's (name, path)."""
    entry = post.entry
    href = f"{_e(root)}{_e(post.path)}"
    out = [f'<article class="story story-{_e(kind)}{" has-image" if image else ""}">\n']
    if image:
        lazy = "" if kind == "lead" else ' loading="lazy"'
        out.append(f'<a class="thumb" href="{href}" tabindex="-1" aria-hidden="true">')
        out.append(f'<img src="{_e(image)}" alt=""{lazy}></a>\n')
    out.append('<div class="story-text">\n')
    if section is not None:
        name, path = section
        shown = f'<a href="{_e(root)}{_e(path)}">{_e(name)}</a>' if path else _e(name)
        out.append(f'<span class="section">{shown}</span>')
    out.append(f'\n<h{_e(level)}><a href="{href}">{_e(entry.title)}</a></h{_e(level)}>\n')
    if post.summary and kind != "row":
        out.append(f'<p class="story-summary">{_e(post.summary)}</p>\n')
    when: datetime = entry.date  # its ISO form, long date and clock hold nothing to escape
    out.append(f'<p class="meta"><time datetime="{when.isoformat()}">{long_date(when)}')
    out.append("</time>" if entry.day_only else f", {when.hour:02d}:{when.minute:02d}</time>")
    if entry.authors:
        out.append(f' · <span class="by">{_e(", ".join(a.name for a in entry.authors))}</span>')
    out.append("</p>\n</div>\n</article>\n")
    return Markup("".join(out))


def title_list(posts: Any, root: str) -> Markup:
    """The built-in theme's list of titles (_macros.html's `title_list` calls it as a filter): the
    bytes its Jinja markup made, for the archive's thousands of titles, in a fraction of the time."""
    out = ['<ul class="titles">\n']
    for post in posts:
        when: datetime = post.entry.date  # its ISO form and long date hold nothing to escape
        out.append(f'<li><time datetime="{when.isoformat()}">{long_date(when)}</time> ')
        out.append(f'<a href="{_e(root)}{_e(post.path)}">{_e(post.entry.title)}</a></li>\n')
    out.append("</ul>\n")
    return Markup("".join(out))


def _e(value: Any) -> str:
    """What `{{ value }}` shows in an autoescaped template (markupsafe.escape), as text: for plain
    text the five replacements markupsafe makes, without building a Markup for each."""
    if type(value) is not str:
        return str(escape(value))
    text: str = value
    if "&" in text or "<" in text or ">" in text or "'" in text or '"' in text:
        text = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
        return text.replace("'", "&#39;").replace('"', "&#34;")
    return text


def _get(value: Any, name: str) -> Any:
    """value.name as a template reads it: an attribute, else an item."""
    try:
        return getattr(value, name)
    except AttributeError:
        pass
    try:
        return value[name]
    except (TypeError, LookupError):
        import jinja2

        raise jinja2.UndefinedError(f"{type(value).__name__} has no attribute {name!r}") from None


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
        cards = Cards()
        env.filters["story_card"] = cards.story
        env.filters["title_list"] = title_list
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

    def load(self) -> None:
        """Load (compile, or read compiled from the cache) every template there is, before pages
        render: forked workers then share them, and the cache gets them even when only workers
        render. A template that fails to load (bad syntax, not UTF-8...) is left to fail, with its
        message, when a page renders with it; one that no page uses never fails the build."""
        for folder in (self.project_dir, BUILTIN_TEMPLATES):
            if folder.is_dir():
                for file in sorted(folder.glob("*.html")):
                    with contextlib.suppress(Exception):
                        self.env.get_template(file.name)

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
