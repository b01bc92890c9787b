"""Markdown bodies → HTML, memoized by content hash and spread over the CPU's cores when cold."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import partial

import markdown

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


def _key(digest: str, settings: str) -> str:
    """The HTML's key: the Markdown settings and the entry file's hash (which fixes its body)."""
    return hashlib.sha256(f"{settings}\0{digest}".encode()).hexdigest()


class Bodies:
    """Entry digest → body HTML and its first paragraph, fetched from the cache when asked for.

    Nothing is held in memory but the first paragraphs: a build that renders few pages reads little,
    and forked workers that render pages read what they need through their own connection. Once the
    missing HTML is rendered, the entries' Markdown is let go (the `entries` attribute holds them
    without their bodies): the forked workers that render pages never need it.
    """

    def __init__(
        self, config: SiteConfig, entries: Sequence[Entry], cache: Cache, stages: Stages = no_stages
    ) -> None:
        extensions = config.markdown_extensions
        settings = f"{__version__}\0{markdown.__version__}\0{extensions}"
        self.config = config
        self.entries = {e.digest: e for e in entries}
        self.keys = {d: _key(d, settings) for d in self.entries}
        self.extensions = extensions
        self.cache = cache
        self.firsts: dict[str, str] = {}
        self.stored_firsts: dict[str, str] | None = None  # HTML key → first paragraph, from the cache
        self.kept: dict[str, str] = {}  # HTML the cache cannot give back (there is none, or it failed)
        known = cache.known_html(list(set(self.keys.values())))
        missing = {k: body_of(config, self.entries[d]) for d, k in self.keys.items() if k not in known}
        if missing:
            keys, bodies = list(missing), list(missing.values())
            job = partial(_render_span, extensions, bodies)
            tick = stages("Rendering Markdown", len(bodies))
            done = 0
            digests = {key: digest for digest, key in self.keys.items()}
            for count, part in chunks(job, len(bodies), at_least=PARALLEL_FROM):
                got = keys[done : done + count]
                cache.put_html((key, html, first) for key, (html, first) in zip(got, part, strict=True))
                self.firsts.update((digests[key], first) for key, (_, first) in zip(got, part, strict=True))
                done += count
                tick(count)
                if not cache.usable:
                    self.kept.update((key, html) for key, (html, _) in zip(got, part, strict=True))
            del missing, bodies, job
        self.entries = {digest: entry.without_body() for digest, entry in self.entries.items()}

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
