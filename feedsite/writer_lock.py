"""One build at a time per output folder: an exclusive flock on .feedsite/lock, which holds the pid.

The lock file is removed when the build ends. That is safe with flock only if a process that opened
the file just before it was removed notices, so each taker checks, once it holds the lock, that the
path still names the file it locked, and starts again if not. A lock file left by a killed build is
not locked by anyone (the kernel drops a dead process's locks) and is taken over silently.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from feedsite.errors import BuildError, Problem
from feedsite.writer_commit import META, cannot_write

LOCK = "lock"
POLL = 0.02  # seconds between tries while waiting
PID_GRACE = 1.0  # how long to wait for a new holder to write its pid before naming none


@contextlib.contextmanager
def site_lock(site: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the output folder's build lock; if another build holds it, wait up to `wait` seconds,
    then raise BuildError "another build (pid N) is running". Creates the folder when missing."""
    created = not os.path.lexists(site)
    path = site / META / LOCK
    fd = _take(site, path, wait)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)  # while still holding it: whoever opened it meanwhile will start again
        os.close(fd)
        with contextlib.suppress(OSError):
            os.rmdir(site / META)  # only when empty (no manifest: nothing was written)
        if created:
            with contextlib.suppress(OSError):
                os.rmdir(site)  # only when empty: a build that wrote nothing leaves nothing


def _take(site: Path, path: Path, wait: float) -> int:
    deadline = time.monotonic() + wait
    while True:
        try:
            os.makedirs(path.parent, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except FileNotFoundError:
            continue  # the holder removed its folder between the two calls: try again
        except OSError as exc:
            raise cannot_write(path, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(fd)
            os.close(fd)
            now = time.monotonic()
            if now >= deadline and (pid is not None or now >= deadline + PID_GRACE):
                who = f"pid {pid}" if pid is not None else "pid unknown"
                raise BuildError([Problem(str(site), None, f"another build ({who}) is running")]) from None
            time.sleep(POLL)
            continue
        except OSError as exc:
            os.close(fd)
            raise BuildError([Problem(str(path), None, f"cannot be locked: {exc.strerror}")]) from None
        if _same_file(fd, path):
            try:
                mine = f"{os.getpid()}\n".encode()
                os.pwrite(fd, mine, 0)
                os.ftruncate(fd, len(mine))
            except OSError as exc:
                os.close(fd)
                raise cannot_write(path, exc) from None
            return fd
        os.close(fd)  # removed (or replaced) by the holder that just let go: not a lock any more


def _same_file(fd: int, path: Path) -> bool:
    try:
        named = os.stat(path)
    except OSError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _holder(fd: int) -> int | None:
    """The pid in the lock file, if it names a live process (a new holder may not have written yet,
    and until it does the file may still hold a dead holder's pid)."""
    try:
        line = os.pread(fd, 32, 0).split(b"\n", 1)
        pid = int(line[0]) if len(line) == 2 else 0
    except (OSError, ValueError):
        return None
    if pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, someone else's
    return pid
