"""The load stage: content/**/*.md → validated, immutable Entry values, every problem collected.

`load_entries` takes two plain mappings from build.py: `parsed` (load key → Entry) and `seen`
(file name → (stat stamp, load key)). It never knows whether they were filled by an earlier build.
An entry's load key hashes exactly the arguments `parse_entry` is called with, so a remembered
Entry is always the one parsing would give. It returns the entries and their bodies by load key
(`Bodies`): a body parsed in this load is held, a remembered entry's is read from its file only when
asked for, and only if the file's bytes still hash to its key.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path, PurePosixPath
from time import time_ns

from feedsite.config import SiteConfig
from feedsite.content import (
    ENTRY_SUFFIXES,
    Entry,
    Settings,
    check_unique,
    load_key,
    parse_entry,
    read_body,
    settings_of,
)
from feedsite.errors import ContentError, Problem
from feedsite.files import FileReadError, read_regular, regular_files
from feedsite.writer import Spread, serial

Stamp = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


def scan(config: SiteConfig, skipped: list[str] | None = None) -> list[tuple[str, os.stat_result]]:
    """(project-relative path, stat) of every entry file, sorted by path, one stat each.

    Files and folders whose names start with "." or "_" are skipped, and so is anything that is
    not a regular file (a fifo or a device named *.md: never opened, a warning to `skipped`)."""
    prefix = PurePosixPath(Path(config.content_dir).as_posix()).as_posix()
    start = "" if prefix == "." else prefix + "/"
    found = regular_files(str(config.path("content")), start, ENTRY_SUFFIXES, skipped)
    found.sort(key=lambda pair: pair[0].split("/"))
    return found


def racy(stamp_ns: int, now_ns: int) -> bool:
    """A file changed this recently may change again within the same timestamp tick, unseen:
    100 ms on file systems with fine timestamps, 3 s on those with whole seconds (FAT, some shares)."""
    return stamp_ns >= now_ns - (3_000_000_000 if stamp_ns % 1_000_000_000 == 0 else 100_000_000)


class Bodies(Mapping[str, str]):
    """Entry load key → Markdown body, for the entries of one load. A body parsed in this load is
    held; a remembered entry's is read from its file each time it is asked for, and that file must
    still hold the bytes the entry was parsed from (their hash is its key): a file changed since it
    was loaded is a ContentError."""

    def __init__(self, root: Path, settings: Settings, held: dict[str, str], files: dict[str, str]) -> None:
        self._root, self._settings = root, settings
        self._held = held  # load key → body parsed in this load
        self._files = files  # load key → file of a remembered entry

    def __getitem__(self, key: str) -> str:
        body = self._held.get(key)
        if body is not None:
            return body
        path = self._files[key]
        try:
            raw = read_regular(self._root / path)
        except FileReadError as exc:
            raise ContentError([Problem(path, None, str(exc))]) from None
        if load_key(self._settings, path, raw) != key:
            message = "changed while the site was being built: build again"
            raise ContentError([Problem(path, None, message)])
        return read_body(self._settings, path, raw)

    def __contains__(self, key: object) -> bool:
        return key in self._held or key in self._files

    def __iter__(self) -> Iterator[str]:
        return iter({**self._files, **self._held})

    def __len__(self) -> int:
        return len(self._files.keys() | self._held.keys())


def _parse_all(
    settings: Settings, todo: list[tuple[str, bytes]], spread: Spread
) -> list[tuple[Entry, str] | ContentError]:
    def job(start: int, stop: int) -> list[tuple[Entry, str] | ContentError]:
        results: list[tuple[Entry, str] | ContentError] = []
        for path, raw in todo[start:stop]:
            try:
                results.append(parse_entry(settings, path, raw))
            except ContentError as exc:
                results.append(exc)
        return results

    return [result for _count, part in spread(job, len(todo)) for result in part]


def load_entries(
    config: SiteConfig,
    parsed: MutableMapping[str, Entry],
    seen: MutableMapping[str, tuple[Stamp, str]],
    spread: Spread = serial,
    warnings: list[str] | None = None,
) -> tuple[list[Entry], Bodies]:
    """Every entry under content/, in file order, and their bodies. Raises ContentError listing
    every problem; a warning (a fifo or device named *.md, skipped) goes to `warnings`.

    A file whose stat stamp is as `seen` remembers it is taken to hold the same bytes (its entry is
    looked up by the remembered key); any other is read, and parsed when `parsed` lacks its key."""
    if not config.path("content").is_dir():
        raise ContentError([Problem(config.content_dir, None, "content folder not found")])
    settings = settings_of(config)
    prefix = f"{settings.timezone}\0{settings.base_url}\0"
    now = time_ns()
    problems: list[Problem] = []
    entries: list[Entry | None] = []
    todo: list[tuple[str, bytes]] = []
    places: list[int] = []
    held: dict[str, str] = {}  # load key → body, of the entries parsed here
    files: dict[str, str] = {}  # load key → file, of the entries remembered
    for rel, stat in scan(config, warnings):
        stamp = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
        known = seen.get(prefix + rel)
        key = known[1] if known is not None and tuple(known[0]) == stamp else ""
        entry = parsed.get(key) if key else None
        if entry is None:
            try:
                raw = read_regular(config.root / rel)
            except FileReadError as exc:
                problems.append(Problem(rel, None, str(exc)))
                entries.append(None)
                continue
            key = load_key(settings, rel, raw)
            entry = parsed.get(key)
            if entry is None:
                places.append(len(entries))
                todo.append((rel, raw))
        if entry is not None:
            files[entry.key] = rel
        if not racy(max(stat.st_mtime_ns, stat.st_ctime_ns), now) and known != (stamp, key):
            seen[prefix + rel] = (stamp, key)
        entries.append(entry)
    for place, result in zip(places, _parse_all(settings, todo, spread), strict=True):
        if isinstance(result, ContentError):
            problems.extend(result.problems)
        else:
            entry, body = result
            entries[place] = parsed[entry.key] = entry
            held[entry.key] = body
    done = [e for e in entries if e is not None]
    problems.extend(check_unique(done))
    if problems:
        raise ContentError(problems)
    return done, Bodies(config.root, settings, held, files)
