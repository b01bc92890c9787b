"""Articles → entry files: front matter, change detection. Files are read and written by
feedsite.entryfile (the one front-matter reader/writer, with its atomic writes).

An entry written by import ends its front matter with an `imported:` block:

    imported:
      source: seeds/a.txt          # the source, relative to the project
      item: https://…/42           # feeds only: which item
      source_sha256: …             # hash of what import read (tells a changed source)
      entry_sha256: …              # hash of the entry without this block (tells a hand edit)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from feedsite.entryfile import EntryFileError, dump_entry, read_entry
from feedsite.files import FileReadError, read_regular
from feedsite.importers.article import Article


@dataclass(frozen=True)
class Existing:
    """An entry already in content/ that an earlier import wrote."""

    path: Path
    text: str
    imported: dict[str, Any]
    front: dict[str, Any]  # the whole front matter ({} when it no longer parses)

    @property
    def edited(self) -> bool:
        """True when the entry no longer matches what import wrote (a hand edit)."""
        expected = self.imported.get("entry_sha256")
        return not isinstance(expected, str) or expected != _entry_hash(_without_block(self.text))


def front_matter(
    article: Article,
    *,
    id: str,
    date: datetime,
    updated: datetime | None,
    source: str,
) -> dict[str, Any]:
    """The entry's front matter, keys in the documented order, empty values left out."""
    fm: dict[str, Any] = {"title": article.title, "id": id, "date": date.replace(microsecond=0)}
    if updated and updated > date:
        fm["updated"] = updated.replace(microsecond=0)
    optional: dict[str, Any] = {
        "summary": article.summary,
        "tags": list(article.tags),
        "authors": list(article.authors),
        "lang": article.lang,
        "image": article.image,
        "image_alt": article.image_alt if article.image else "",
    }
    fm.update((key, value) for key, value in optional.items() if value)
    src = {"name": article.source_name, "url": article.source_url}
    if not article.source_url:
        src["file"] = source
    fm["source"] = {key: value for key, value in src.items() if value}
    if article.rights:
        fm["rights"] = article.rights
    return fm


def render(front: dict[str, Any], body: str, source: str, item: str, digest: str) -> str:
    """The entry file's text; its `imported` block (last in the front matter) carries the hash of the
    rest, which is the file as it would be without the block."""
    block: dict[str, Any] = {"source": source}
    if item:
        block["item"] = item
    block["source_sha256"] = digest
    block["entry_sha256"] = _entry_hash(dump_entry(front, body))
    return dump_entry({**front, "imported": block}, body)


def _entry_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# The `imported:` block as dump_entry writes it: the key, then its indented lines.
_BLOCK = re.compile(r"^imported:[^\n]*\n(?:[ \t-][^\n]*\n|\n)*", re.MULTILINE)


def _without_block(text: str) -> str:
    """The file's text less its `imported:` block: what entry_sha256 was taken of."""
    if not text.startswith("---\n"):
        return text
    end = text.find("\n---\n", 3)
    if end < 0:
        return text
    head, rest = text[4 : end + 1], text[end + 5 :]
    return f"---\n{_BLOCK.sub('', head, count=1)}---\n{rest}"


def read_imported(path: Path) -> Existing | None:
    """The entry at `path` when an earlier import wrote it (it has an `imported` block).

    An entry whose front matter no longer parses (a hand edit gone wrong) still counts when its
    `imported` block does: it is then kept as edited, and never imported a second time beside it.
    """
    try:
        raw = read_regular(path)  # never a fifo or a device named *.md, never more than MAX_BYTES
        text = raw.decode("utf-8")
    except (FileReadError, UnicodeDecodeError):
        return None
    try:
        front = read_entry(raw).meta
    except EntryFileError:
        match = _BLOCK.search(text)
        if match is None:
            return None
        try:
            block = read_entry(f"---\n{match.group(0)}---\n".encode()).meta
        except EntryFileError:
            return None
        front, imported = {}, block.get("imported")
    else:
        imported = front.get("imported")
    if not isinstance(imported, dict) or not isinstance(imported.get("source"), str):
        return None
    return Existing(path, text, imported, front)
