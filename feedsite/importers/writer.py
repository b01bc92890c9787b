"""Articles → entry files: front matter, the `imported:` block, change detection. Files are read and
written by feedsite.entryfile (the one front-matter reader/writer, with its atomic writes).

An entry written by import ends its front matter with an `imported:` block, which no page or feed
shows (the source's path is private):

    imported:
      source: seeds/a.txt          # the source, relative to the project (absolute when outside it)
      item: https://…/42           # feeds only: which item (its id, else its link)
      options:                     # what the import was told, applied again on every re-import
        tags: [Ukraine]            #   --tag
        author: Desk               #   --author
        lang: en                   #   --lang
        date: 2024-11-08T09:00:00+01:00   # --date
      source_sha256: …             # hash of what import read (tells a changed source)
      entry_sha256: …              # hash of the entry without this block (tells a hand edit)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from feedsite.dates import DateError, parse_date
from feedsite.entryfile import EntryFileError, dump_entry, read_entry
from feedsite.importers.article import Article, unique


@dataclass(frozen=True)
class Given:
    """What an import was told beside its sources (--tag, --author, --lang, --date): recorded in the
    `imported:` block of each entry it writes, and applied again when the entry is re-imported."""

    tags: tuple[str, ...] = ()
    author: str = ""
    lang: str = ""
    date: datetime | None = None  # aware

    def merged(self, newer: Given) -> Given:
        """These, with what a later import is told added: its tags after these, its author and
        language in place of these. The date stays: an entry's date, once made, is kept."""
        return Given(
            unique([*self.tags, *newer.tags]),
            newer.author or self.author,
            newer.lang or self.lang,
            self.date or newer.date,
        )

    def apply(self, article: Article) -> Article:
        """The article as its entry gets it: the tags added; the author and language only when the
        source names none. The article itself when that changes nothing."""
        tags = unique([*article.tags, *self.tags])
        authors = article.authors or unique([self.author])
        lang = article.lang or self.lang
        if (tags, authors, lang) == (article.tags, article.authors, article.lang):
            return article
        return replace(article, tags=tags, authors=authors, lang=lang)

    def block(self) -> dict[str, Any]:
        values = {"tags": list(self.tags), "author": self.author, "lang": self.lang, "date": self.date}
        return {key: value for key, value in values.items() if value}


def _given(value: Any, tz: tzinfo) -> Given:
    """The options an `imported:` block records (what is not readable is left out)."""
    if not isinstance(value, dict):
        return Given()
    tags = value.get("tags")
    tag_list = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
    text = {key: value[key] if isinstance(value.get(key), str) else "" for key in ("author", "lang")}
    return Given(unique(tag_list), text["author"], text["lang"], known_date(value.get("date"), tz))


def known_date(value: object, tz: tzinfo) -> datetime | None:
    """The date a front matter value holds, or None when it holds none or a bad one."""
    if value is None:
        return None
    try:
        return parse_date(value, tz)
    except DateError:
        return None


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

    def given(self, article: Article, tz: tzinfo) -> Given:
        """The options the entry was imported with. An entry imported before they were recorded
        (no `options` in its block) had them applied: what its front matter holds beyond what the
        source gives (tags, an author, a language) was given, and is kept."""
        if "options" in self.imported:
            return _given(self.imported["options"], tz)
        front = self.front
        tags = front.get("tags")
        tag_list = [tags] if isinstance(tags, str) else [t for t in tags or [] if isinstance(t, str)]
        source_tags = {tag.casefold() for tag in article.tags}
        authors = front.get("authors")
        author = authors[0] if isinstance(authors, list) and authors and not article.authors else ""
        lang = front.get("lang") if isinstance(front.get("lang"), str) and not article.lang else ""
        return Given(
            unique([t for t in tag_list if t.casefold() not in source_tags]),
            author if isinstance(author, str) else "",
            str(lang or ""),
        )

    def same_source(self, article: Article, given: Given) -> bool:
        """True when the source still gives what it gave when the entry was written."""
        recorded = self.imported.get("source_sha256")
        if article.digest() == recorded:
            return True
        # before the options were recorded, the hash was taken with them applied
        return "options" not in self.imported and given.apply(article).digest() == recorded


def front_matter(article: Article, *, id: str, date: datetime, updated: datetime | None) -> dict[str, Any]:
    """The entry's front matter, keys in the documented order, empty values left out. `source` holds
    the publisher's name and URL only: where the file was read from stays in `imported:`."""
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
    source = {"name": article.source_name, "url": article.source_url}
    if any(source.values()):
        fm["source"] = {key: value for key, value in source.items() if value}
    if article.rights:
        fm["rights"] = article.rights
    return fm


def render(front: dict[str, Any], body: str, source: str, item: str, given: Given, digest: str) -> str:
    """The entry file's text; its `imported` block (last in the front matter) carries the hash of the
    rest, which is the file as it would be without the block."""
    block: dict[str, Any] = {"source": source}
    if item:
        block["item"] = item
    block["options"] = given.block()
    block["source_sha256"] = digest
    plain = dump_entry(front, body)
    block["entry_sha256"] = _entry_hash(plain)
    # = dump_entry({**front, "imported": block}, body): a block-style mapping is its keys' lines one
    # after the other, so the block's lines go in before the closing `---` (the front is not dumped twice)
    lines = dump_entry({"imported": block}, "")[4 : -len("---\n\n\n")]
    end = plain.index("\n---\n", 3) + 1
    return plain[:end] + lines + plain[end:]


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


def read_existing(path: Path, raw: bytes) -> tuple[dict[str, Any] | None, Existing | None]:
    """An entry file's front matter (None when it does not parse), and the entry as an earlier import
    wrote it when it has an `imported` block.

    An entry whose front matter no longer parses (a hand edit gone wrong) still counts as imported
    when its `imported` block does: it is then kept as edited, and never imported a second time.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, None
    front: dict[str, Any] | None
    try:
        front = read_entry(raw).meta
    except EntryFileError:
        front = None
        match = _BLOCK.search(text)
        try:
            block = read_entry(f"---\n{match.group(0)}---\n".encode()).meta if match else {}
        except EntryFileError:
            block = {}
        imported = block.get("imported")
    else:
        imported = front.get("imported")
    if not isinstance(imported, dict) or not isinstance(imported.get("source"), str):
        return front, None
    return front, Existing(path, text, imported, front or {})
