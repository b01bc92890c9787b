"""Markdown bodies → HTML, memoized by content hash and spread over the CPU's cores when cold."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import markdown

from feedsite import __version__
from feedsite.cache import Cache
from feedsite.content import Entry
from feedsite.markup import Renderer, first_paragraph

PARALLEL_FROM = 64  # fewer misses than this render in-process: a pool costs more than it saves

_worker: Renderer | None = None


def _render_chunk(args: tuple[tuple[str, ...], list[str]]) -> list[str]:
    global _worker
    extensions, bodies = args
    if _worker is None:
        _worker = Renderer(extensions)
    return [_worker(body) for body in bodies]


def _key(body: str, settings: str) -> str:
    return hashlib.sha256(f"{settings}\0{body}".encode()).hexdigest()


def render_bodies(
    entries: Sequence[Entry], extensions: tuple[str, ...], cache: Cache
) -> dict[str, tuple[str, str]]:
    """entry digest → (body HTML, plain text of its first paragraph)."""
    settings = f"{__version__}\0{markdown.__version__}\0{extensions}"
    keys = {e.digest: _key(e.body, settings) for e in entries}
    found = cache.get_html(list(set(keys.values())))
    missing = {keys[e.digest]: e.body for e in entries if keys[e.digest] not in found}
    if missing:
        fresh = dict(zip(missing, _render_all(list(missing.values()), extensions), strict=True))
        cache.put_html(fresh.items())
        found.update(fresh)
    return {d: (found[k], first_paragraph(found[k])) for d, k in keys.items()}


def _render_all(bodies: list[str], extensions: tuple[str, ...]) -> list[str]:
    workers = min(os.cpu_count() or 1, 8)
    if len(bodies) < PARALLEL_FROM or workers < 2:
        return _render_chunk((extensions, bodies))
    size = max(16, len(bodies) // (workers * 8))
    chunks = [(extensions, bodies[i : i + size]) for i in range(0, len(bodies), size)]
    with ProcessPoolExecutor(workers) as pool:
        return [html for part in pool.map(_render_chunk, chunks) for html in part]
