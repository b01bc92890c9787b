"""What watch mode watches: the source folders, the kinds of event that can change a build, and the
editor and temporary files that never do."""

from __future__ import annotations

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
)

SOURCE_FOLDERS = ("content", "templates", "static", "seeds")
# Opened / closed-without-writing are left out: a build reads every source and must not wake us.
EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileDeletedEvent,
    FileClosedEvent,
    FileAttribEvent,
    DirCreatedEvent,
    DirMovedEvent,
    DirDeletedEvent,
]  # no DirModifiedEvent: watchdog adds one for the parent of every change, already reported itself
TEMP_SUFFIXES = (
    ".swp",
    ".swo",
    ".swx",
    ".swpx",
    "~",
    ".tmp",
    ".part",
    ".crdownload",
    "___jb_tmp___",
    "___jb_old___",
)


def is_temporary(name: str) -> bool:
    """Editor swap, backup and temp files (and hidden files): never a reason to build."""
    return (
        name.startswith((".", "#"))  # .a.md.swp, .#a.md (Emacs lock), .DS_Store, #a.md# (Emacs autosave)
        or name.endswith(TEMP_SUFFIXES)
        or name == "4913"  # Vim's "can I write here" probe
    )
