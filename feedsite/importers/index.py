"""What content/ holds, as import needs to know it: every entry's id and URL (so that an import never
writes two entries `feedsite build` would refuse), and the entries an earlier import wrote, by their
id and by their source and item."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import tzinfo
from pathlib import Path
from typing import Any

from feedsite.content import ENTRY_SUFFIXES
from feedsite.files import FileReadError, read_regular
from feedsite.importers.article import Article
from feedsite.importers.writer import Existing, known_date, read_existing
from feedsite.urls import entry_dir, is_uri


class Index:
    """Entry files under `content`: ids and URLs (to tell clashes), imported entries (to update)."""

    def __init__(self, content: Path, tz: tzinfo) -> None:
        self.tz = tz
        self.paths: set[str] = set()  # every entry file, lower-cased (case-insensitive disks)
        self.ids: dict[str, Path] = {}
        self.urls: dict[str, Path] = {}
        self.of: dict[Path, tuple[str, str]] = {}  # path → (id, URL) as far as known
        self.imported: dict[Path, Existing] = {}
        self.by_key: dict[tuple[str, str], Existing] = {}  # (source, item) → entry
        for path, visible in _entry_files(content):
            self.paths.add(path.as_posix().lower())
            try:
                raw = read_regular(path)  # never a fifo or a device named *.md, never more than MAX_BYTES
            except FileReadError:
                continue
            front, existing = read_existing(path, raw)
            if front is not None and visible:  # an entry `feedsite build` publishes
                self.add(path, _id(front), self.url_of(front, path))
            if existing is not None:
                self.imported[path] = existing
                key = (existing.imported["source"], str(existing.imported.get("item") or ""))
                self.by_key.setdefault(key, existing)

    def url_of(self, front: dict[str, Any], path: Path) -> str:
        """The entry's URL path ("2024/11/slug/"), or "" when its date is not readable."""
        date = known_date(front.get("date"), self.tz)
        slug = front.get("slug", path.stem)
        return entry_dir(date, slug) if date is not None and isinstance(slug, str) else ""

    def add(self, path: Path, ident: str, url: str) -> None:
        """Record (or move) the entry at `path`: its id and URL as they will be."""
        old = self.of.get(path)
        if old is not None:
            for index, value in zip((self.ids, self.urls), old, strict=True):
                if index.get(value) == path:
                    del index[value]
        self.of[path] = (ident, url)
        self.paths.add(path.as_posix().lower())
        if ident:
            self.ids.setdefault(ident, path)
        if url:
            self.urls.setdefault(url, path)

    def clashes(self, written: dict[Path, tuple[str, str]]) -> list[tuple[Path, str, Path]]:
        """(entry, what, other entry) for each entry about to be written whose id or URL another entry
        holds: what `feedsite build` would refuse."""
        found: list[tuple[Path, str, Path]] = []
        ids: dict[str, Path] = {}
        urls: dict[str, Path] = {}
        for path, (ident, url) in self.of.items():
            for index, value, what in ((ids, ident, f"id {ident}"), (urls, url, f"URL /{url}")):
                if not value:
                    continue
                first = index.setdefault(value, path)
                if first != path and (path in written or first in written):
                    found.append((path, what, first))
        return found


def identity(article: Article) -> str:
    """The id an item keeps wherever it is read from: its own id when that is a URI; a urn:uuid
    made from its id (within its feed) or, without one, from its link; "" for a file's article."""
    if not article.item or article.item.startswith("sha256:"):
        return ""
    if is_uri(article.id):
        return article.id
    if article.id:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"{article.scope}#id={article.id}").urn
    return uuid.uuid5(uuid.NAMESPACE_URL, article.item).urn


def _id(front: dict[str, Any]) -> str:
    value = front.get("id")
    return value.strip() if isinstance(value, str) else ""


def _entry_files(content: Path) -> Iterator[tuple[Path, bool]]:
    """Every entry file under `content`, and whether `feedsite build` reads it (it skips names that
    start with "." or "_")."""
    if not content.is_dir():
        return
    for path in sorted(content.rglob("*")):
        if path.suffix in ENTRY_SUFFIXES and path.is_file():
            parts = path.relative_to(content).parts
            yield path, not any(part.startswith((".", "_")) for part in parts)
