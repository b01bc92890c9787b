"""content/ → every Entry, reading and parsing only what changed since the last build."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from stat import S_ISREG
from time import time_ns
from typing import Any, Protocol

from feedsite.config import SiteConfig
from feedsite.content import BODY_NOT_LOADED, ENTRY_SUFFIXES, Entry, digest, parse_entry
from feedsite.errors import ContentError, Problem
from feedsite.parallel import chunks
from feedsite.progress import Stages, no_stages

PARALLEL_FROM = 64  # fewer new files to parse and render than this are done in this process


def check_unique(entries: Iterable[Entry]) -> list[Problem]:
    """Two entries may not share a URL or an id."""
    problems: list[Problem] = []
    by_url: dict[str, Entry] = {}
    by_id: dict[str, Entry] = {}
    for entry in entries:
        for index, key, what in ((by_url, entry.url_path, "URL /"), (by_id, entry.id, "id ")):
            first = index.setdefault(key, entry)
            if first is not entry:
                problems.append(Problem(entry.path, None, f"has the same {what}{key} as {first.path}"))
    return problems


class EntryMemo:
    """What load_entries needs of a cache (feedsite.cache.Cache provides it)."""

    def get_entry(self, key: str) -> Entry | None:
        return None

    def row(self, entry: Entry) -> bytes:
        """What put_entries keeps of an entry (made where the entry is parsed, on every core)."""
        return b""

    def put_entries(self, items: list[tuple[str, Entry, bytes]]) -> None:
        """(key, entry, its row) of the entries parsed in this build."""
        return None

    def file_key(self, name: str, stamp: tuple[int, ...]) -> str | None:
        """The entry key remembered for a file whose stat stamp is unchanged (saves reading it)."""
        return None

    def put_file_keys(self, keys: dict[str, tuple[tuple[int, ...], str]]) -> None:
        """name → (stat stamp, entry key) of this build's files; called before put_entries."""
        return None


def _scan(config: SiteConfig) -> list[tuple[str, os.stat_result]]:
    """(project-relative path, stat) of every entry file, sorted by path, one stat each.

    Files and folders whose names start with "." or "_" are skipped."""
    content_dir = config.path("content")
    prefix = PurePosixPath(Path(config.content_dir).as_posix())
    found: list[tuple[tuple[str, ...], os.stat_result]] = []

    def walk(folder: str, parts: tuple[str, ...]) -> None:
        with os.scandir(folder) as listing:
            for item in listing:
                if item.name.startswith((".", "_")):
                    continue
                if item.is_dir(follow_symlinks=False):
                    walk(item.path, (*parts, item.name))
                elif item.name.endswith(ENTRY_SUFFIXES):
                    try:
                        stat = os.stat(item.path)  # follows a symlink, as Path.is_file() does
                    except OSError:
                        continue
                    if S_ISREG(stat.st_mode):
                        found.append(((*parts, item.name), stat))

    walk(str(content_dir), ())
    found.sort(key=lambda pair: pair[0])
    start = "" if prefix.as_posix() == "." else prefix.as_posix() + "/"
    return [(start + "/".join(parts), stat) for parts, stat in found]


def racy(stamp_ns: int, now_ns: int) -> bool:
    """A file changed this recently may change again within the same timestamp tick, unseen:
    100 ms on file systems with fine timestamps, 3 s on those with whole seconds (FAT, some shares)."""
    return stamp_ns >= now_ns - (3_000_000_000 if stamp_ns % 1_000_000_000 == 0 else 100_000_000)


class Along(Protocol):
    """Work to do on freshly parsed entries in the process that parsed them, while their bodies are
    at hand (feedsite.render.Bodies renders their Markdown): make() runs there, take() gets its
    results back in the build's own process, a chunk at a time."""

    def make(self, entries: list[Entry]) -> list[Any]: ...

    def take(self, done: list[tuple[Entry, Any]]) -> None: ...


def load_entries(
    config: SiteConfig, memo: EntryMemo | None = None, along: Along | None = None, stages: Stages = no_stages
) -> list[Entry]:
    """Every entry under content/, in file order. Raises ContentError listing every problem.

    A file is only read when its stat stamp (size, mtime, ctime, inode) differs from the last build's,
    and only parsed when its content hash is new; many new files are parsed on every core, each
    with `along`'s work done beside it.
    """
    memo = memo or EntryMemo()
    if not config.path("content").is_dir():
        raise ContentError([Problem(config.content_dir, None, "content folder not found")])
    settings = f"{config.timezone}\0{config.base_url}\0"
    now = time_ns()
    found: list[Entry | None] = []
    todo: list[tuple[int, str, bytes, str]] = []  # (position, path, bytes, key) of files to parse
    stamps: dict[str, tuple[tuple[int, ...], str]] = {}
    for rel, stat in _scan(config):
        stamp = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
        known = memo.file_key(settings + rel, stamp)
        entry = memo.get_entry(known) if known is not None else None
        key = known or ""
        if entry is None:
            try:
                raw = (config.root / rel).read_bytes()
            except OSError as exc:
                raise ContentError([Problem(rel, None, f"cannot be read: {exc.strerror}")]) from None
            key = digest(settings.encode() + rel.encode() + b"\0" + raw)
            entry = memo.get_entry(key)
            if entry is None:
                todo.append((len(found), rel, raw, key))
        if not racy(max(stat.st_mtime_ns, stat.st_ctime_ns), now):
            stamps[settings + rel] = (stamp, key)
        found.append(entry)
    problems: list[Problem] = []
    fresh: list[tuple[str, Entry, bytes]] = []

    def parse(start: int, stop: int) -> list[tuple[Entry, bytes, Any] | list[Problem]]:
        results: list[Entry | list[Problem]] = []
        for _pos, rel, raw, _key in todo[start:stop]:
            try:
                results.append(parse_entry(config, rel, raw))
            except ContentError as exc:
                results.append(exc.problems)
        parsed = [r for r in results if isinstance(r, Entry)]
        extras = iter(along.make(parsed)) if along is not None and parsed else None
        out: list[tuple[Entry, bytes, Any] | list[Problem]] = []
        for result in results:
            if isinstance(result, Entry):
                # once `along` has had the body, nothing needs it: it does not travel back
                sent = result.without_body() if extras is not None else result
                out.append((sent, memo.row(result), next(extras) if extras is not None else None))
            else:
                out.append(result)
        return out

    tick = stages("Rendering Markdown" if along is not None else "Parsing entries", len(todo))
    done = 0
    for count, part in chunks(parse, len(todo), at_least=PARALLEL_FROM if along is not None else 400):
        taken: list[tuple[Entry, Any]] = []
        for (pos, _rel, _raw, key), result in zip(todo[done : done + count], part, strict=True):
            if isinstance(result, tuple):
                entry, row, extra = result
                found[pos] = entry
                fresh.append((key, entry, row))
                taken.append((entry, extra))
            else:
                problems.extend(result)
        if along is not None:
            along.take(taken)
        done += count
        tick(count)
    entries = [e for e in found if e is not None]
    problems.extend(check_unique(entries))
    if problems:
        raise ContentError(problems)
    memo.put_file_keys(stamps)
    memo.put_entries(fresh)
    return entries


def body_of(config: SiteConfig, entry: Entry) -> str:
    """The entry's Markdown body, read again from its file when the cache left it out."""
    if entry.body != BODY_NOT_LOADED:
        return entry.body
    try:
        raw = (config.root / entry.path).read_bytes()
    except OSError as exc:
        raise ContentError([Problem(entry.path, None, f"cannot be read: {exc.strerror}")]) from None
    if digest(raw) != entry.digest:
        raise ContentError([Problem(entry.path, None, "changed during the build; build again")])
    return parse_entry(config, entry.path, raw).body
