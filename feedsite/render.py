"""Markdown bodies → HTML, memoized by content hash and spread over the CPU's cores when cold."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from feedsite import __version__
from feedsite.cache import Cache
from feedsite.config import SiteConfig
from feedsite.content import Entry
from feedsite.load import body_of
from feedsite.markup import Renderer, first_paragraph
from feedsite.parallel import chunks
from feedsite.progress import Stages, no_stages

PARALLEL_FROM = 64  # fewer misses than this render in-process: a pool costs more than it saves

_renderers: dict[tuple[str, ...], Renderer] = {}


def _render(extensions: tuple[str, ...], bodies: list[str]) -> list[str]:
    render = _renderers.get(extensions)
    if render is None:
        render = _renderers[extensions] = Renderer(extensions)
    return [render(body) for body in bodies]


@functools.cache
def markdown_release() -> str:
    """What tells one Python-Markdown release from another: its __meta__.py, which holds the version,
    read without importing the package (a rebuild with nothing to render never needs it)."""
    spec = importlib.util.find_spec("markdown")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        try:
            return hashlib.sha256((Path(folder) / "__meta__.py").read_bytes()).hexdigest()
        except OSError:
            continue
    import markdown

    return str(markdown.__version__)


def _key(digest: str, settings: str) -> str:
    """The HTML's key: the Markdown settings and the entry file's hash (which fixes its body)."""
    return hashlib.sha256(f"{settings}\0{digest}".encode()).hexdigest()


class Bodies:
    """Entry digest → body HTML and its first paragraph, fetched from the cache when asked for.

    Made before the entries are loaded: as load_entries' `along`, it renders each new entry's
    Markdown in the process that parsed it, on every core, while its body is at hand (make), and
    stores the HTML as it comes back (take); complete() then renders whatever is still missing.
    Nothing is held in memory but the first paragraphs: a build that renders few pages reads little,
    and forked workers that render pages read what they need through their own connection. No
    Markdown is kept once rendered: `entries` holds the entries without their bodies.
    """

    def __init__(self, config: SiteConfig, cache: Cache, stages: Stages = no_stages) -> None:
        self.config = config
        self.extensions = config.markdown_extensions
        self.settings = f"{__version__}\0{markdown_release()}\0{self.extensions}"
        self.cache = cache
        self.stages = stages
        self.entries: dict[str, Entry] = {}
        self.keys: dict[str, str] = {}  # entry digest → HTML key
        self.firsts: dict[str, str] = {}  # entry digest → first paragraph, as rendered in this build
        self.stored_firsts: dict[str, str] | None = None  # HTML key → first paragraph, from the cache
        self.kept: dict[str, str] = {}  # HTML the cache cannot give back (there is none, or it failed)

    # -- load_entries' `along`: make() where the entries were parsed, take() back here -----
    def make(self, entries: list[Entry]) -> list[tuple[str, str, str] | None]:
        """(HTML key, HTML, first paragraph) of each entry's body, None where the cache has it."""
        keys = [_key(entry.digest, self.settings) for entry in entries]
        known = self.cache.known_html(keys)
        todo = [entry.body for entry, key in zip(entries, keys, strict=True) if key not in known]
        made = iter(_render_span(self.extensions, todo, 0, len(todo)))
        return [None if key in known else (key, *next(made)) for key in keys]

    def take(self, done: list[tuple[Entry, tuple[str, str, str] | None]]) -> None:
        made = [(entry.digest, row) for entry, row in done if row is not None]
        self._keep([row for _digest, row in made], [digest for digest, _row in made])

    def complete(self, entries: Sequence[Entry]) -> None:
        """Know these entries (the build's), rendering the Markdown that neither the cache nor
        make() has, on every core when there is much."""
        self.entries = {e.digest: e for e in entries}
        self.keys = {d: _key(d, self.settings) for d in self.entries}
        known = self.cache.known_html(list(set(self.keys.values()))) | set(self.kept)
        missing = {k: d for d, k in self.keys.items() if k not in known}
        if missing:
            keys = list(missing)
            bodies = [body_of(self.config, self.entries[missing[k]]) for k in keys]
            job = partial(_render_span, self.extensions, bodies)
            tick = self.stages("Rendering Markdown", len(bodies))
            done = 0
            for count, part in chunks(job, len(bodies), at_least=PARALLEL_FROM):
                got = keys[done : done + count]
                self._keep([(k, *made) for k, made in zip(got, part, strict=True)], [missing[k] for k in got])
                done += count
                tick(count)
            del bodies, job
        self.entries = {digest: entry.without_body() for digest, entry in self.entries.items()}

    def _keep(self, rows: list[tuple[str, str, str]], digests: list[str]) -> None:
        """Store (key, HTML, first paragraph) rows of the entries with these digests."""
        self.cache.put_html(rows)
        self.firsts.update(zip(digests, (first for _k, _h, first in rows), strict=True))
        if not self.cache.usable:
            self.kept.update((key, html) for key, html, _first in rows)

    def html(self, digest: str) -> str:
        key = self.keys[digest]
        found = self.kept[key] if key in self.kept else self.cache.get_html([key]).get(key)
        if found is None:  # the cache went away mid-run: render it again
            body = body_of(self.config, self.entries[digest])
            found = self.kept[key] = _render(self.extensions, [body])[0]
        return found

    def first_paragraph(self, digest: str) -> str:
        found = self.firsts.get(digest)  # rendered in this build, or asked for before
        if found is not None:
            return found
        if self.stored_firsts is None:  # the first stored one asked for: read them all at once
            self.stored_firsts = self.cache.all_firsts()
        found = self.stored_firsts.get(self.keys[digest])
        if found is None:
            found = self.firsts[digest] = first_paragraph(self.html(digest))
        return found


def _render_span(
    extensions: tuple[str, ...], bodies: list[str], start: int, stop: int
) -> list[tuple[str, str]]:
    """(HTML, first paragraph) of bodies[start:stop]: both made where the rendering is done."""
    return [(html, first_paragraph(html)) for html in _render(extensions, bodies[start:stop])]
