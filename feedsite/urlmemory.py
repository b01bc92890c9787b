"""The addresses entries were published at, remembered by id in `content/.urls.json`, so that an old
address keeps answering (as a redirect page) after an entry's slug or date changes.

The file is committed with the content, so a clean clone knows every old address too. It is a JSON
object, entry id → the site paths ("2024/11/slug/") it was published at, oldest first, the current
one last, with sorted keys: the same memory is always the same bytes. build.py reads it before
planning (the planner takes it as a plain mapping) and writes it after a successful build, only
when it changed. A path belongs to one entry at a time: when another entry is published at it, it
leaves the first one's history (the live entry wins; no redirect ever hides it).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from feedsite.config import SiteConfig
from feedsite.entryfile import atomic_write
from feedsite.errors import ContentError, Problem
from feedsite.files import FileReadError, read_regular
from feedsite.notices import aliases
from feedsite.urls import all_plain, is_plain

URLS_FILE = ".urls.json"
Memory = dict[str, tuple[str, ...]]


def memory_file(config: SiteConfig) -> Path:
    return config.path("content") / URLS_FILE


def shown(config: SiteConfig) -> str:
    """The file's name as the user knows it: relative to the project."""
    return f"{Path(config.content_dir).as_posix().rstrip('/')}/{URLS_FILE}"


def load_memory(config: SiteConfig) -> Memory:
    """The remembered addresses ({} when there is no file yet). Raises ContentError for a file
    that is not what feedsite writes (say, one left with git's conflict markers)."""
    if not os.path.lexists(memory_file(config)):
        return {}
    try:
        raw = read_regular(memory_file(config))  # a regular file, bounded: never a fifo or a device
    except FileReadError as exc:
        raise ContentError([Problem(shown(config), None, str(exc))]) from None
    return parse_memory(raw, shown(config))


def parse_memory(raw: bytes, name: str) -> Memory:
    fix = "fix it, or take it back from git"
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ContentError([Problem(name, None, f"is not UTF-8 text; {fix}")]) from None
    except json.JSONDecodeError as exc:
        raise ContentError([Problem(name, exc.lineno, f"is not valid JSON ({exc.msg}); {fix}")]) from None
    except RecursionError:
        raise ContentError(
            [Problem(name, None, f"is not what feedsite writes (nested too deeply); {fix}")]
        ) from None
    if not isinstance(data, dict):
        raise ContentError([Problem(name, 1, "must be a JSON object: entry id → [site paths]")])
    if all(type(paths) is list and paths for paths in data.values()):
        every = [path for paths in data.values() for path in paths]
        if all(type(path) is str for path in every) and all_plain(every):  # the usual file: quick
            return {key: tuple(dict.fromkeys(paths)) for key, paths in data.items()}
    memory: Memory = {}
    problems: list[Problem] = []
    for key, paths in data.items():
        if not isinstance(paths, list) or not paths or not all(_is_site_path(p) for p in paths):
            lines = raw.decode("utf-8").splitlines()
            line = next((n for n, text in enumerate(lines, 1) if json.dumps(key) in text), None)
            message = f'{key}: must be a list of site paths such as "2024/11/slug/"; {fix}'
            problems.append(Problem(name, line, message))
            continue
        memory[key] = tuple(dict.fromkeys(paths))
    if problems:
        raise ContentError(problems)
    return memory


def _is_site_path(value: object) -> bool:
    """A path as the memory stores it: a site path without its leading "/"."""
    if isinstance(value, str) and value and is_plain(value):  # the usual "2024/11/slug/": quick
        return True
    try:
        return isinstance(value, str) and bool(value) and aliases(value) == (value,)
    except ValueError:
        return False


def remember(memory: Mapping[str, Sequence[str]], published: Iterable[tuple[str, str]]) -> Memory:
    """The memory after a build that published each (id, path): that path becomes the id's current
    (last) one, and leaves the history of any other id (the entry published there owns it now)."""
    current = dict(published)
    if all(memory.get(key, ("",))[-1] == path for key, path in current.items()):
        # Nobody moved (a rebuild's usual case): each path was taken from any other history when
        # it was first published here, so there is nothing to drop either.
        return {key: tuple(paths) for key, paths in memory.items()}
    histories = {key: list(paths) for key, paths in memory.items()}
    owner = {path: key for key, path in current.items()}
    for key, path in current.items():
        history = histories.setdefault(key, [])
        if not history or history[-1] != path:
            if path in history:
                history.remove(path)  # back at an old address: it is the current one again
            history.append(path)
    kept = {key: tuple(p for p in paths if owner.get(p, key) == key) for key, paths in histories.items()}
    return {key: paths for key, paths in sorted(kept.items()) if paths}


def memory_bytes(memory: Mapping[str, Sequence[str]]) -> bytes:
    data = {key: list(paths) for key, paths in memory.items()}
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def save_memory(config: SiteConfig, memory: Memory, before: Memory) -> bool:
    """Write the memory when it differs from what was read (`before`); True when it was written.
    Runs under the site lock, so no other build writes it at the same time: a temporary file left
    by a build that was killed while writing it is removed here."""
    file = memory_file(config)
    for stale in file.parent.glob(f".{URLS_FILE}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()
    if memory == before:
        return False
    atomic_write(file, memory_bytes(memory))
    return True
