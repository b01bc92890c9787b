"""The one bounded reader of the files a user gives feedsite: entries, sources, feedsite.toml.

    read_regular(path, limit=MAX_BYTES) -> bytes    or FileReadError (a one-line reason, no path)
    not_regular(mode) -> str | None                 "a fifo", "a device", ... for a stat's st_mode

Only regular files are read: a fifo would make a read wait forever for a writer, a device such as
/dev/zero never ends, a socket cannot be read at all. They are refused before they are opened (by
the stat, which follows a symlink as opening does), and again after (by fstat on what was opened,
with O_NONBLOCK so that even a fifo swapped in between cannot block the open). No read takes more
than `limit` bytes, however large the file or however fast it grows.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["MAX_BYTES", "FileReadError", "not_regular", "read_regular"]

MAX_BYTES = 50 * 1024 * 1024  # no news article, feed or page comes near it
_CHUNK = 1 << 20


class FileReadError(ValueError):
    """A file feedsite will not or cannot read; str() is one line such as "is a fifo, not a file"."""


def not_regular(mode: int) -> str | None:
    """What a file of this st_mode is when it is not a regular file ("a fifo", "a folder", ...)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a fifo (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.0f} MB" if count >= 1024 * 1024 else f"{count} bytes"


def read_regular(path: Path | str, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file at `path` (a symlink is followed), at most `limit` of them."""
    try:
        kind = not_regular(os.stat(path).st_mode)
        if kind is not None:
            raise FileReadError(f"is {kind}, not a regular file: not read")
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags)
    except OSError as exc:
        raise FileReadError(f"cannot be read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        kind = not_regular(info.st_mode)
        if kind is not None:  # swapped for something else since the stat
            raise FileReadError(f"is {kind}, not a regular file: not read")
        if info.st_size > limit:
            raise FileReadError(
                f"is too large ({_size(info.st_size)}; feedsite reads at most {_size(limit)})"
            )
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # grew while being read
                raise FileReadError(f"is too large (over {_size(limit)}; feedsite reads at most that)")
        return b"".join(chunks)
    except OSError as exc:
        raise FileReadError(f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def regular_files(
    folder: str, start: str, suffixes: tuple[str, ...], skipped: list[str] | None = None
) -> list[tuple[str, os.stat_result]]:
    """(start + relative path, stat) of the regular files below `folder` whose names end in one of
    `suffixes`, in no particular order. Names starting with "." or "_" are left out, and so are
    symlinked folders; a symlinked file is followed. What has such a name but is not a regular file
    (a fifo, a device, a socket) is never opened: "<path>: warning: ..." goes to `skipped`."""
    found: list[tuple[str, os.stat_result]] = []
    todo = [(folder, start)]
    while todo:  # a loop, not recursion: no depth of folders can overflow the stack
        path, rel = todo.pop()
        with os.scandir(path) as listing:
            for item in listing:
                if item.name.startswith((".", "_")):
                    continue
                if item.is_dir(follow_symlinks=False):
                    todo.append((item.path, f"{rel}{item.name}/"))
                elif item.name.endswith(suffixes):
                    try:
                        info = os.stat(item.path)  # follows a symlink, as Path.is_file() does
                    except OSError:
                        continue
                    kind = not_regular(info.st_mode)
                    if kind is None:
                        found.append((rel + item.name, info))
                    elif skipped is not None:
                        skipped.append(f"{rel}{item.name}: warning: is {kind}, not a regular file: skipped")
    return found
