"""Articles → entry files: front matter, change detection, atomic writes.

An entry written by import ends its front matter with an `imported:` block:

    imported:
      source: seeds/a.txt          # the source, relative to the project
      item: https://…/42           # feeds only: which item
      source_sha256: …             # hash of what import read (tells a changed source)
      entry_sha256: …              # hash of the entry without this block (tells a hand edit)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from feedsite.importers.article import Article

_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Time(str):
    """A timestamp written as a plain YAML scalar: 2024-11-08T09:00:00+01:00."""


class _EntryDumper(_Dumper):  # type: ignore[misc,valid-type]
    pass


_EntryDumper.add_representer(
    _Time, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:timestamp", str(value))
)


def _plain(value: Any) -> Any:
    """Plain str/list/dict values (parsers hand out str subclasses YAML cannot represent)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str) and type(value) not in (str, _Time):
        return str(value)
    return value


def _dump(data: dict[str, Any]) -> str:
    data = _plain(data)
    text = yaml.dump(data, Dumper=_EntryDumper, sort_keys=False, allow_unicode=True, width=1_000_000)
    return str(text)


def timestamp(value: datetime) -> _Time:
    return _Time(value.replace(microsecond=0).isoformat())


@dataclass(frozen=True)
class Existing:
    """An entry already in content/ that an earlier import wrote."""

    path: Path
    text: str
    imported: dict[str, Any]

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
    fm: dict[str, Any] = {"title": article.title, "id": id, "date": timestamp(date)}
    if updated and updated > date:
        fm["updated"] = timestamp(updated)
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
    """The entry file's text; its `imported` block carries the hash of the rest."""
    head = _dump(front)
    body = body.strip("\n") + "\n"
    block: dict[str, Any] = {"source": source}
    if item:
        block["item"] = item
    block["source_sha256"] = digest
    block["entry_sha256"] = _entry_hash(f"---\n{head}---\n\n{body}")
    return f"---\n{head}{_dump({'imported': block})}---\n\n{body}"


def _entry_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_BLOCK = re.compile(r"^imported:[^\n]*\n(?:[ \t-][^\n]*\n|\n)*", re.MULTILINE)


def _split(text: str) -> tuple[str, str] | None:
    """(front matter, rest) of an entry's text, or None."""
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 3)
    if end < 0:
        return None
    return text[4 : end + 1], text[end + 5 :]


def _without_block(text: str) -> str:
    parts = _split(text)
    if parts is None:
        return text
    head, rest = parts
    return f"---\n{_BLOCK.sub('', head, count=1)}---\n{rest}"


def read_imported(path: Path) -> Existing | None:
    """The entry at `path` when an earlier import wrote it (it has an `imported` block)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    parts = _split(text)
    if parts is None:
        return None
    match = _BLOCK.search(parts[0])
    if match is None:
        return None
    try:
        block = yaml.load(match.group(0), Loader=_Loader)
    except yaml.YAMLError:
        return None
    imported = block.get("imported") if isinstance(block, dict) else None
    if not isinstance(imported, dict) or not isinstance(imported.get("source"), str):
        return None
    return Existing(path, text, imported)


def load_front(existing: Existing) -> dict[str, Any]:
    """The whole front matter of an existing entry ({} when it no longer parses)."""
    parts = _split(existing.text)
    try:
        front = yaml.load(parts[0], Loader=_Loader) if parts else None
    except yaml.YAMLError:
        return {}
    return front if isinstance(front, dict) else {}


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and os.replace: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".import-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
