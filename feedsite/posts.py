"""The render stage: entries → posts (entry + URL + body HTML + plain-text summary + tags), and the
groupings the site shows them in. Pure values.

`render_posts` takes the entries' bodies from the load stage (load key → Markdown, a body looked
up only when it must be rendered) and two plain mappings from build.py: `rendered` (Markdown key →
what a build plans with: the first paragraph and two counts the feeds' size bound needs) and `pages`
(Markdown key → the HTML), from which a post's HTML is read only when something shows it. The key
hashes the Markdown settings and the entry's load key, which fixes its body. HTML that `pages` lost
is made again from the entry's body.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
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


SPECIAL = b"&<>\"'\\\n\r\t"  # what XML or JSON may escape (feedsize.py)


def escaped_size(data: bytes) -> int:
    """At least the bytes `data` takes once escaped in XML or JSON: 8 more for each special byte."""
    return len(data) + 8 * (len(data) - len(data.translate(None, SPECIAL)))


def link_count(data: bytes) -> int:
    """At least the number of links in HTML: every attribute has an "=" (and a srcset commas)."""
    return data.count(b"=") + (data.count(b",") if b"srcset" in data.lower() else 0)


# What a build keeps of a rendered body to plan with: (first paragraph, escaped_size, link_count).
Record = tuple[str, int, int]


class Rendered:
    """A post's body as rendered: the key of what it was rendered from (which is all a page key
    takes of it), the counts a feed's size bound needs, and its HTML, read when first asked for."""

    __slots__ = ("_html", "_read", "escaped", "key", "links")

    def __init__(self, key: str, escaped: int, links: int, read: Callable[[], str] | None) -> None:
        self.key, self.escaped, self.links = key, escaped, links
        self._html: Html | None = None
        self._read = read

    @classmethod
    def made(cls, key: str, html: str) -> Rendered:
        """The body just rendered to html."""
        data = html.encode("utf-8", "surrogatepass")
        made = cls(key, escaped_size(data), link_count(data), None)
        made._html = Html(html, key)
        return made

    @property
    def html(self) -> Html:
        if self._html is None:
            assert self._read is not None
            html = self._read()
            self._html = html if type(html) is Html and html.key == self.key else Html(html, self.key)
            self._read = None
        return self._html

    def __fingerprint__(self) -> str:
        return self.key


@dataclass(frozen=True)
class Post:
    """An entry ready to show: its page path, absolute URL, body HTML and summary."""

    entry: Entry
    path: str  # site-relative folder of its page
    url: str  # absolute URL of its page
    tags: tuple[Tag, ...]
    rendered: Rendered  # its body as rendered: .html, links as written
    summary: str  # plain text: the entry's summary, or else its first paragraph

    @property
    def html(self) -> Html:
        """The body HTML as rendered (links as written)."""
        return self.rendered.html


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


def _stored(
    pages: MutableMapping[str, str],
    key: str,
    bodies: Mapping[str, str],
    entry: Entry,
    extensions: tuple[str, ...],
    raw_html: bool,
) -> str:
    """The HTML `pages` holds for key, or else (lost from the memo) made again from the body."""
    html = pages.get(key)
    if not isinstance(html, str):
        html = render_markdown(extensions, bodies[entry.key], raw_html)[0]
        pages[key] = html
    return html


def _record(made: object) -> Record | None:
    """A record as it should be (anything else is a miss)."""
    if type(made) is tuple and len(made) == 3 and type(made[0]) is str:
        return made
    return None


def render_posts(
    config: SiteConfig,
    entries: Sequence[Entry],
    bodies: Mapping[str, str],
    rendered: MutableMapping[str, Record],
    spread: Spread = serial,
    pages: MutableMapping[str, str] | None = None,
) -> list[Post]:
    """Posts of entries (in their order), rendering the Markdown `rendered` does not hold from
    `bodies` (load key → body). Raises ContentError for every body that cannot be rendered."""
    extensions, raw_html = config.markdown_extensions, config.markdown_raw_html
    pages = {} if pages is None else pages
    keys = [markdown_key(extensions, entry, raw_html) for entry in entries]
    records = [_record(rendered.get(key)) for key in keys]
    todo = [i for i, record in enumerate(records) if record is None]

    def job(start: int, stop: int) -> list[tuple[str, str] | Unrenderable]:
        return [_render_or_say(extensions, bodies[entries[i].key], raw_html) for i in todo[start:stop]]

    done = 0
    problems: list[Problem] = []
    fresh: dict[int, Rendered] = {}  # index → its body rendered just now
    for count, part in spread(job, len(todo)):
        for index, made in zip(todo[done : done + count], part, strict=True):
            if isinstance(made, Unrenderable):
                problems.append(Problem(entries[index].path, None, made.message))
            else:
                html, first = made
                key = keys[index]
                body = fresh[index] = Rendered.made(key, html)
                records[index] = rendered[key] = (first, body.escaped, body.links)
                pages[key] = body.html  # one copy, shared with the post
        done += count
    if problems:
        raise ContentError(problems)
    tags = tag_index(entries)
    shown: dict[tuple[str, ...], tuple[Tag, ...]] = {}  # an entry's tag names → its Tags
    posts = []
    base_url = config.base_url
    for index, (entry, key, record) in enumerate(zip(entries, keys, records, strict=True)):
        assert record is not None
        first, escaped, links = record
        body = fresh.get(index) or Rendered(
            key, escaped, links, partial(_stored, pages, key, bodies, entry, extensions, raw_html)
        )
        path = entry.url_path
        its_tags = shown.get(entry.tags)
        if its_tags is None:
            its_tags = shown[entry.tags] = tuple(dict.fromkeys(tags[name] for name in entry.tags))
        posts.append(
            Post(
                entry=entry,
                path=path,
                url=absolute(base_url, path),
                tags=its_tags,
                rendered=body,
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
