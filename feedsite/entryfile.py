"""The one reader and writer of front-matter files, and the one atomic-write helper.

    read_entry(raw: bytes) -> EntryText                       meta, body, body_line; or EntryFileError
    dump_entry(meta: dict, body: str) -> str                  the file's text, deterministic
    write_entry(path, meta, body, *, exclusive=False) -> bool dump_entry + atomic_write
    atomic_write(path, data, *, exclusive=False) -> bool      never half-written, never a temp file left
    Staging: add(path, data)… then commit()                   the same for many files, one flush for all

An entry file is a `---` line, YAML front matter, a `---` (or `...`) line, then the Markdown body:

    ---
    title: Council approves the budget
    date: 2024-11-08T09:00:00+01:00
    ---

    The body.

Splitting and the YAML handler are python-frontmatter's (`frontmatter.default_handlers.YAMLHandler`),
with a stricter boundary (exactly `---` or `...`, trailing blanks allowed) and a YAML loader that reads
no timestamps: `date: 2024-11-08` stays the string "2024-11-08", and every date goes through
feedsite.dates.parse_date (YAML's own date constructor is never run, so an impossible date cannot
crash inside it). The dumper agrees: such text is written plain, so a file read and written again is
unchanged. Nothing in a file can crash or hang the reader: nesting too deep for the C YAML
parser is read by the pure-Python one (RecursionError becomes an EntryFileError), and a list or
mapping repeated through YAML aliases (`*name`), which could make a later walk over the values
explode or never end, is refused.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import re
import stat
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

__all__ = [
    "EntryFileError", "EntryText", "Staging", "atomic_write", "dump_entry", "folder_lock", "read_entry",
    "remove_leftovers", "write_entry",
]  # fmt: skip

NO_FRONT_MATTER = "has no front matter (it must start with a '---' line and a title: and date:)"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
# Nesting is made by these characters (and indentation): fewer than this many, and the C parser,
# which recurses without a limit and overflows the C stack past some 20,000 levels, is safe.
_C_PARSER_SAFE = 1000
_NESTING = "[{-?:"


class EntryFileError(ValueError):
    """An entry file that cannot be read: `message` (one line, no path) and the 1-based `line`."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class EntryText:
    """What read_entry found: the front matter (string keys; dates left as strings), the body, and
    the 1-based line number of the body's first line (the line after the closing `---`)."""

    meta: dict[str, Any]
    body: str
    body_line: int


def _drop_timestamps(cls: Any) -> None:
    """Make the YAML loader or dumper class `cls` resolve no plain scalar as a timestamp."""
    cls.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in cls.yaml_implicit_resolvers.items()
    }


def _loader(base: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    """A loader class like `base` that reads timestamps as plain strings."""

    class Loader(base):  # type: ignore[valid-type,misc]
        pass

    _drop_timestamps(Loader)
    Loader.add_constructor(_TIMESTAMP, Loader.construct_yaml_str)  # an explicit `!!timestamp` too
    return Loader


_FastLoader = _loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))
_SafeLoader = _loader(yaml.SafeLoader)
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[valid-type,misc]
    """SafeDumper that agrees with the loaders: text such as 2024-11-08 is a plain string (written
    without quotes), and so are datetimes and dates, in ISO 8601 (2024-11-08T09:00:00+01:00)."""


def _represent_time(dumper: yaml.SafeDumper, value: date) -> yaml.ScalarNode:
    return dumper.represent_str(value.isoformat())


_drop_timestamps(_Dumper)
_Dumper.add_representer(datetime, _represent_time)
_Dumper.add_representer(date, _represent_time)


class _Handler(YAMLHandler):
    """python-frontmatter's YAML handler, with exact boundaries and the loader and dumper above."""

    FM_BOUNDARY = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)

    def load(self, fm: str, **kwargs: object) -> Any:
        nesting = sum(fm.count(mark) for mark in _NESTING)
        loader = _FastLoader if nesting < _C_PARSER_SAFE else _SafeLoader
        return yaml.load(fm, Loader=loader)  # a safe loader, always

    def export(self, metadata: dict[str, object], **kwargs: object) -> str:
        text: str = yaml.dump(metadata, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)
        return text


_HANDLER = _Handler()


def read_entry(raw: bytes) -> EntryText:
    """Split an entry file's bytes into front matter and body.

    UTF-8 (a BOM is dropped), CRLF line ends read as LF. Raises EntryFileError(message, line) when the
    bytes are not UTF-8 (the line of the first bad byte), there is no front matter (line 1), the YAML
    is not valid (the line YAML names, counted in the whole file), or it is not a mapping (line 2).
    An empty front matter is an empty mapping. The body is everything after the closing line.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EntryFileError("is not UTF-8 text", raw[: exc.start].count(b"\n") + 1) from None
    text = text.replace("\r\n", "\n")
    if not text.startswith("---") or not _HANDLER.detect(text):
        raise EntryFileError(NO_FRONT_MATTER, 1)
    try:
        front, rest = _HANDLER.split(text)
    except ValueError:  # no closing line
        raise EntryFileError(NO_FRONT_MATTER, 1) from None
    body = rest[1:] if rest.startswith("\n") else rest
    # `front` starts with the newline that ends line 1: YAML's 0-based line n is the file's line n + 1
    try:
        meta = _HANDLER.load(front) if front.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = getattr(exc, "problem", None) or "cannot be parsed"
        raise EntryFileError(
            f"front matter is not valid YAML: {reason}", mark.line + 1 if mark else 2
        ) from None
    except RecursionError:
        raise EntryFileError("front matter is not valid YAML: nested too deeply", 2) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise EntryFileError("front matter must be a mapping of key: value lines", 2)
    if "*" in front and _shares_containers(meta):  # only an alias (*name) can share one
        message = "front matter repeats a list or mapping through a YAML alias (*name): write it out"
        raise EntryFileError(message, 2)
    return EntryText({str(key): value for key, value in meta.items()}, body, front.count("\n") + 2)


def _shares_containers(value: object) -> bool:
    """True when one list or dict is reached twice (aliases, or a structure that holds itself)."""
    seen: set[int] = set()
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, dict | list):
            if id(item) in seen:
                return True
            seen.add(id(item))
            todo.extend(item.values() if isinstance(item, dict) else item)
    return False


def _plain(value: Any) -> Any:
    """Plain dict/list/str values: YAML cannot write tuples or str subclasses from parsers."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str) and type(value) is not str:
        return str(value)
    return value


def dump_entry(meta: Mapping[str, Any], body: str) -> str:
    """The text of an entry file: `---`, the front matter, `---`, a blank line, the body.

    Deterministic: keys in the order given, Unicode as it is (no escapes), no line wrapping, datetimes
    and dates as plain ISO 8601 (`date: 2024-11-08T09:00:00+01:00`). The body is written without
    leading or trailing blank lines and ends with exactly one newline. read_entry gives the same meta
    back (dates as strings) and the body.
    """
    head = _HANDLER.export(_plain(meta)) if meta else ""
    body = body.strip("\n")
    return f"---\n{head}---\n\n{body}\n"


def write_entry(path: Path, meta: Mapping[str, Any], body: str, *, exclusive: bool = False) -> bool:
    """Write dump_entry(meta, body) to path with atomic_write. False when exclusive and path exists."""
    return atomic_write(path, dump_entry(meta, body).encode("utf-8"), exclusive=exclusive)


def atomic_write(path: Path, data: bytes, *, exclusive: bool = False) -> bool:
    """Write data to path so that a reader or a crash sees the old file or the new one, never half.

    The bytes go to a temporary file in path's folder (created if missing), hidden and ending in
    `.tmp`, are flushed to disk, then renamed over path (os.replace). With exclusive=True an existing
    path is never overwritten: the temporary file is hard-linked to path instead (os.link fails if path
    exists), and the result is False when it does. No temporary file is left behind, on any error.
    """
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, _mode_for(path))  # mkstemp's is 0600: give what a plain open() would
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if not exclusive:
            os.replace(tmp, path)
        elif not _link(tmp, path, data):
            return False
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)  # gone already after os.replace; the link's other name after os.link
    _sync_folder(folder)
    return True


class Staging:
    """Many files written as one (an import's entries), with one flush to disk for them all instead
    of two per file (as atomic_write does): add() writes each file's bytes to a hidden temporary
    file beside it at once, so that they need not be held in memory; commit() puts every one on disk
    with os.sync(), renames each over its path, then syncs each folder once. A reader or a crash sees
    each file old or new, never half. discard(), or leaving the `with` block without commit(),
    removes the temporary files and leaves every path as it was."""

    def __init__(self) -> None:
        self._staged: list[tuple[str, Path]] = []

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def add(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=".tmp", dir=path.parent)
        self._staged.append((tmp, path))
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)

    def commit(self) -> None:
        if not self._staged:
            return
        os.sync()  # every byte on disk before a name points at it
        folders = {path.parent: None for _, path in self._staged}
        while self._staged:
            tmp, path = self._staged[-1]
            os.replace(tmp, path)
            self._staged.pop()
        for folder in folders:
            _sync_folder(folder)

    def discard(self) -> None:
        while self._staged:
            tmp, _ = self._staged.pop()
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _mode_for(path: Path) -> int:
    """The permissions of the file being replaced, else those a new file gets (0666 less the umask)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return mask


def _link(tmp: str, path: Path, data: bytes) -> bool:
    """Hard-link tmp to path unless path exists. Where hard links are not supported, create path
    exclusively and write it (not atomic there, but still never overwriting, and removed on error)."""
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    except OSError:
        if path.exists() or path.is_symlink():
            return False
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    return True


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the platform allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# atomic_write's temporary files: "." + the target's name (up to 100 characters) + "." + mkstemp's
# eight random letters, digits or "_" + ".tmp". One is left only by a process killed mid-write.
_LEFTOVER = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` itself (flock on the folder: no lock file), waiting for
    whoever holds it. Writers of entries (import, new) take it, so that remove_leftovers, called
    while holding it, can tell a killed writer's temporary file from a live one's."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing lets go of the lock


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the temporary files atomic_write left in `folder` (and below it) when its process was
    killed before finishing; call it holding folder_lock(folder). Returns what was removed."""
    removed: list[Path] = []
    todo = [folder]
    while todo:
        with contextlib.suppress(OSError), os.scandir(todo.pop()) as listing:
            for item in listing:
                if item.is_dir(follow_symlinks=False):
                    todo.append(Path(item.path))
                elif _LEFTOVER.fullmatch(item.name) and item.is_file(follow_symlinks=False):
                    with contextlib.suppress(OSError):
                        os.unlink(item.path)
                        removed.append(Path(item.path))
    return removed
