"""The render stage: entries → posts (entry + URL + body HTML + plain-text summary + tags), and the
groupings the site shows them in. Pure values.

`render_posts` takes a plain mapping from build.py, `rendered` (Markdown key → (HTML, first
paragraph)); the key hashes the Markdown settings and the entry's load key, which fixes its body.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from feedsite import __version__
from feedsite.config import SiteConfig
from feedsite.content import Entry
from feedsite.errors import ContentError, Problem
from feedsite.markup import Renderer, first_paragraph, markdown_release
from feedsite.urls import absolute, tag_slug
from feedsite.writer import Spread, serial


@dataclass(frozen=True)
class Tag:
    name: str
    slug: str

    @property
    def path(self) -> str:
        return f"tags/{self.slug}/"


class Html(str):
    """Rendered body HTML that knows the hash of what it was rendered from (its Markdown key)."""

    key: str

    def __new__(cls, html: str, key: str) -> Html:
        made = super().__new__(cls, html)
        made.key = key
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (Html, (str(self), self.key))

    def __fingerprint__(self) -> str:
        return self.key


@dataclass(frozen=True)
class Post:
    """An entry ready to show: its page path, absolute URL, body HTML and summary."""

    entry: Entry
    path: str  # site-relative folder of its page
    url: str  # absolute URL of its page
    tags: tuple[Tag, ...]
    html: Html  # body HTML as rendered (links as written)
    summary: str  # plain text: the entry's summary, or else its first paragraph


def tag_index(entries: Iterable[Entry]) -> dict[str, Tag]:
    """Tag name → Tag. Names sharing a slug ("Ukraine", "ukraine") share one Tag, shown with the
    spelling used most (ties: the capitalized one), so the choice never depends on file order."""
    counts: Counter[str] = Counter(name for entry in entries for name in entry.tags)
    spellings: dict[str, Counter[str]] = {}
    for name, count in counts.items():
        spellings.setdefault(tag_slug(name), Counter())[name] += count
    index: dict[str, Tag] = {}
    for slug, names in spellings.items():
        tag = Tag(max(names, key=lambda n: (names[n], n != n.lower(), n)), slug)
        index.update(dict.fromkeys(names, tag))
    return index


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """Newest first; ties broken by path so the order never depends on the file system."""
    return sorted(entries, key=lambda e: (-e.date.timestamp(), e.path))


_renderers: dict[tuple[tuple[str, ...], bool], Renderer] = {}


@dataclass(frozen=True)
class Unrenderable:
    """A body Python-Markdown cannot render (nested too deeply for it): the reason, one line."""

    message: str


def render_markdown(extensions: tuple[str, ...], body: str, raw_html: bool = True) -> tuple[str, str]:
    """(HTML, plain text of its first paragraph) of one Markdown body."""
    render = _renderers.get((extensions, raw_html))
    if render is None:
        render = _renderers[extensions, raw_html] = Renderer(extensions, raw_html)
    html = render(body)
    return html, first_paragraph(html)


def _render_or_say(extensions: tuple[str, ...], body: str, raw_html: bool) -> tuple[str, str] | Unrenderable:
    try:
        return render_markdown(extensions, body, raw_html)
    except RecursionError:  # Python-Markdown's block parser recurses once per level of nesting
        return Unrenderable("body: nested too deeply to render (lists or quotes inside each other)")
    except Exception as exc:  # a Python-Markdown (or extension) failure on this text: one line
        return Unrenderable(f"body: Python-Markdown cannot render it ({type(exc).__name__}: {exc})")


def markdown_key(extensions: tuple[str, ...], entry: Entry, raw_html: bool = True) -> str:
    """The hash of render_markdown's arguments: the Markdown release, extensions and raw_html, and
    the entry's load key, which fixes its body."""
    settings = f"{__version__}\0{markdown_release()}\0{extensions}\0{raw_html}\0{entry.key}"
    return hashlib.sha256(settings.encode()).hexdigest()


def render_posts(
    config: SiteConfig,
    entries: Sequence[Entry],
    rendered: MutableMapping[str, tuple[str, str]],
    spread: Spread = serial,
) -> list[Post]:
    """Posts of entries (in their order), rendering the Markdown `rendered` does not hold.
    Raises ContentError for every body that cannot be rendered."""
    extensions, raw_html = config.markdown_extensions, config.markdown_raw_html
    keys = [markdown_key(extensions, entry, raw_html) for entry in entries]
    todo = [i for i, key in enumerate(keys) if rendered.get(key) is None]

    def job(start: int, stop: int) -> list[tuple[str, str] | Unrenderable]:
        return [_render_or_say(extensions, entries[i].body, raw_html) for i in todo[start:stop]]

    done = 0
    problems: list[Problem] = []
    for count, part in spread(job, len(todo)):
        for index, made in zip(todo[done : done + count], part, strict=True):
            if isinstance(made, Unrenderable):
                problems.append(Problem(entries[index].path, None, made.message))
            else:
                html, first = made
                rendered[keys[index]] = (Html(html, keys[index]), first)  # one copy, shared with the post
        done += count
    if problems:
        raise ContentError(problems)
    tags = tag_index(entries)
    posts = []
    for entry, key in zip(entries, keys, strict=True):
        html, first = rendered[key]
        if type(html) is not Html or html.key != key:  # stored by other code: wrap it
            html = Html(html, key)
        path = entry.url_path
        posts.append(
            Post(
                entry=entry,
                path=path,
                url=absolute(config.base_url, path),
                tags=tuple(dict.fromkeys(tags[name] for name in entry.tags)),
                html=html,
                summary=entry.summary or first,
            )
        )
    return posts


def newest_time(posts: Sequence[Post]) -> datetime | None:
    """The time a list last changed: the newest published or updated time in it."""
    return max((p.entry.modified for p in posts), default=None)


def by_month(posts: Sequence[Post]) -> dict[int, dict[int, list[Post]]]:
    """year → month → posts, keeping the posts' order (newest first in, newest first out)."""
    years: dict[int, dict[int, list[Post]]] = {}
    for post in posts:
        years.setdefault(post.entry.date.year, {}).setdefault(post.entry.date.month, []).append(post)
    return years


def by_tag(posts: Sequence[Post]) -> dict[Tag, list[Post]]:
    """Tag → its posts (order kept), tags sorted by name, case-insensitively."""
    groups: dict[Tag, list[Post]] = {}
    for post in posts:
        for tag in post.tags:
            groups.setdefault(tag, []).append(post)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0].name.casefold(), kv[0].slug)))
