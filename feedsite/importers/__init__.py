"""`feedsite import`: source articles (text, HTML, feeds) → front-matter Markdown entries.

An import runs in three steps: every source is read (one Article per file, or per feed item);
each article is matched with the entry it already is, if any (by its id, wherever it was read
from; else by its source file and item), and when several articles are the same item only the
newest is placed; then, unless an id or URL would clash (reported, exit status 1, nothing
written), every entry to create or update is written.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from feedsite.config import SiteConfig
from feedsite.entryfile import Staging, folder_lock, remove_leftovers
from feedsite.errors import FeedsiteError, Problem
from feedsite.importers import sources
from feedsite.importers.article import Article, Notice, SourceError
from feedsite.importers.index import Index, identity
from feedsite.importers.sources import FEED_SUFFIXES, HTML_SUFFIXES, IMPORT_SUFFIXES, check_lang
from feedsite.importers.writer import Existing, Given, front_matter, known_date, render
from feedsite.urls import MAX_SLUG, entry_dir, slugify

if TYPE_CHECKING:
    from feedsite.build import Stages

__all__ = ["IMPORT_SUFFIXES", "ImportOptions", "check_lang", "run_import"]


@dataclass(frozen=True)
class ImportOptions:
    tags: tuple[str, ...] = ()  # added to every entry's tags
    author: str | None = None  # for sources that name no author
    lang: str | None = None  # for sources that state no language (a BCP 47 tag)
    date: datetime | None = None  # aware; for sources that carry no date
    force: bool = False  # overwrite entries edited by hand
    dry_run: bool = False  # write nothing, say what would be done


@dataclass
class _Found:
    """One article read from one source, and the entry it is (when it is one already)."""

    path: Path
    shown: str  # the source as import names it: relative to the project when inside it
    label: str  # the source, and "#n" for a feed item
    article: Article
    position: int  # reading order
    ident: str = ""  # the id it has wherever it is read from ("" for an article known by its file)
    entry: Path | None = None  # the entry it already is
    named: bool = True  # False for a copy read from another file only to compare with

    @property
    def group(self) -> tuple[str, str]:
        if self.entry is not None:
            return ("entry", self.entry.as_posix())
        return ("id", self.ident) if self.ident else ("file", self.label)

    @property
    def rank(self) -> tuple[float, str, int]:
        """Newest wins: the item's own time, then the later source (by name), then the later item."""
        stamp = self.article.updated or self.article.date
        return (stamp.timestamp() if stamp else float("-inf"), self.shown, self.position)


class _Run:
    """One import: the entries already in content/, and what this run reads and plans to write."""

    def __init__(self, config: SiteConfig, options: ImportOptions, out: TextIO, err: TextIO):
        self.config = config
        self.options = options
        self.out = out
        self.err = err
        self.tz = config.tz
        self.root = config.root.resolve()
        self.content = config.path("content").resolve()
        self.given = Given(tuple(options.tags), options.author or "", options.lang or "", options.date)
        self.counts: Counter[str] = Counter()
        self.index = Index(self.content, self.tz)
        self.found: list[_Found] = []  # feed items, placed once every source is read
        self.placed: dict[Path, str] = {}  # entry → label, for articles placed as soon as read
        self.position = 0
        self.read_paths: set[Path] = set()
        self.staging = Staging()  # the entries to write, staged as soon as made
        self.write_error: OSError | None = None
        self.written: dict[Path, tuple[str, str]] = {}
        self.lines: list[tuple[int, str]] = []  # (position of the article, line)
        self.warned: set[Path] = set()

    def show(self, path: Path) -> str:
        resolved = path if path.is_absolute() else path.resolve()
        try:
            return resolved.relative_to(self.root).as_posix()
        except ValueError:
            return resolved.as_posix()

    def say(self, text: str, stream: TextIO) -> None:
        stream.write(text + "\n")

    def fail(self, shown: str, message: str) -> None:
        self.counts["failed"] += 1
        self.say(f"{shown}: {' '.join(message.split())}", self.err)  # one line, whatever a parser said

    def line(self, status: str, target: Path, found: _Found, note: str = "") -> None:
        """One line of the report, printed once the import is known to go ahead."""
        self.counts[status] += 1
        word = f"would {status[:-1]}" if self.options.dry_run and status in ("created", "updated") else status
        self.lines.append((found.position, f"{word:<9} {self.show(target)}  ← {found.label}{note}"))

    # ---- reading ------------------------------------------------------------------------
    def source(self, path: Path, named: bool = True) -> None:
        """Read one source; its articles join self.found (failures and warnings are said at once)."""
        self.read_paths.add(path)
        shown = self.show(path)
        try:
            items = sources.read_source(path, self.tz)
        except SourceError as exc:
            if named:
                self.fail(shown, str(exc))
            return
        if not items and named:
            self.say(f"{shown}: warning: the feed has no items", self.err)
        for number, item in enumerate(items, 1):
            if isinstance(item, SourceError | Notice) and not named:
                continue
            if isinstance(item, SourceError):
                self.fail(shown, str(item))
            elif isinstance(item, Notice):
                self.say(f"{shown}: warning: {' '.join(item.message.split())}", self.err)
            else:
                label = f"{shown} #{number}" if item.item else shown
                if named:
                    rooted = path.suffix.lower() in HTML_SUFFIXES
                    item = sources.web_urls(item, label, rooted, lambda text: self.say(text, self.err))
                found = _Found(path, shown, label, item, self.position, named=named)
                self.position += 1
                self.resolve(found)
                if found.ident or not named:
                    self.found.append(found)
                elif found.entry is None or found.entry not in self.placed:
                    # known by its file only: no other source can hold it, so place it now (and
                    # let its article go: a big import does not hold every article at once)
                    self.placed[self.place(found)] = found.label
                else:
                    self.line("skipped", found.entry, found, f" (imported from {self.placed[found.entry]})")

    def resolve(self, found: _Found) -> None:
        """Which entry the article already is: the one holding its id, else the one an earlier
        import made of the same source and item."""
        article = found.article
        found.ident = identity(article)
        hit = self.index.ids.get(found.ident) if found.ident else None
        if hit is None:
            existing = self.index.by_key.get((found.shown, article.item))
            hit = existing.path if existing is not None else None
        found.entry = hit

    def companions(self) -> None:
        """Read the file each matched entry was last imported from, when it is not among the sources:
        its copy of the item may be the newer one (a snapshot touched while `serve` runs)."""
        for found in list(self.found):
            existing = self.index.imported.get(found.entry) if found.entry else None
            if existing is None or existing.imported["source"] == found.shown:
                continue
            other = Path(existing.imported["source"])
            other = other if other.is_absolute() else self.root / other
            if other not in self.read_paths and other.suffix.lower() in FEED_SUFFIXES and other.is_file():
                self.source(other, named=False)

    # ---- planning -----------------------------------------------------------------------
    def plan(self) -> None:
        """Place the newest article of each item (an item only copies from other files hold is left
        alone); the others are skipped."""
        groups: dict[tuple[str, str], list[_Found]] = {}
        entry_of = {f.ident: f.entry for f in self.found if f.ident and f.entry}
        for found in self.found:
            if found.entry is None and found.ident in entry_of:
                found.entry = entry_of[found.ident]
            groups.setdefault(found.group, []).append(found)
        for members in groups.values():
            if not any(found.named for found in members):
                continue
            entry = members[0].entry
            if entry is not None and entry in self.placed:  # an article read from a file made it
                for found in members:
                    self.line("skipped", entry, found, f" (imported from {self.placed[entry]})")
                continue
            best = max(members, key=lambda f: f.rank)
            try:
                target = self.place(best)
            except SourceError as exc:
                self.fail(best.label, str(exc))
                continue
            for found in members:
                if found is not best and found.named:
                    self.line("skipped", target, found, f" (the same item as {best.label}, which is newer)")

    def place(self, found: _Found) -> Path:
        """Plan the entry the article becomes; returns its path."""
        if found.entry is None:
            return self.create(found)
        existing = self.index.imported.get(found.entry)
        if existing is None:
            self.line("kept", found.entry, found, " (written by hand, not by import: left alone)")
        elif existing.edited and not self.options.force:
            self.line("kept", found.entry, found, " (edited by hand since import; --force overwrites)")
        else:
            self.update(found, existing)
        return found.entry

    def create(self, found: _Found) -> Path:
        given = self.given
        article = given.apply(found.article)
        date = article.date or given.date
        if date is None:
            date = sources.file_time(found.path, self.tz)
            if found.path not in self.warned:
                self.warned.add(found.path)
                self.say(
                    f"{found.shown}: warning: no date in the source; using the file's "
                    f"modification time {date.isoformat()} (--date sets one)",
                    self.err,
                )
        date = date.astimezone(self.tz).replace(microsecond=0)
        digest = found.article.digest()
        ident = found.ident or self.new_id(found, digest if article is found.article else article.digest())
        target = self.free_path(article.title, found.path.stem, date)
        updated = article.updated if article.updated and article.updated > date else None
        front = front_matter(article, id=ident, date=date, updated=updated)
        text = render(front, article.body, found.shown, article.item, given, digest)
        self.plan_write("created", target, found, text, (ident, entry_dir(date, target.stem)))
        return target

    def update(self, found: _Found, existing: Existing) -> None:
        recorded = existing.given(found.article, self.tz)
        given = recorded.merged(self.given)
        same = existing.same_source(found.article, recorded)
        if same and replace(given, date=recorded.date) == recorded and not existing.edited:
            self.line("unchanged", existing.path, found)
            return
        front, tz = existing.front, self.tz
        article = given.apply(found.article)
        date = known_date(front.get("date"), tz) or article.date or given.date
        if date is None:
            date = sources.file_time(found.path, tz)
        date = date.astimezone(tz).replace(microsecond=0)
        digest = found.article.digest()
        ident = front.get("id") if isinstance(front.get("id"), str) else ""
        ident = (
            ident
            or found.ident
            or self.new_id(found, digest if article is found.article else article.digest())
        )
        updated = known_date(front.get("updated"), tz)
        if not same:
            newer = article.updated or article.date
            if not newer or newer <= date:
                newer = sources.file_time(found.path, tz)
            updated = max(newer.astimezone(tz), date)
        front_out = front_matter(article, id=ident, date=date, updated=updated)
        text = render(front_out, article.body, found.shown, article.item, given, digest)
        if text == existing.text:
            self.line("unchanged", existing.path, found)
            return
        self.plan_write("updated", existing.path, found, text, (ident, entry_dir(date, existing.path.stem)))

    def plan_write(self, status: str, target: Path, found: _Found, text: str, key: tuple[str, str]) -> None:
        """`key`: the entry's id and URL as they will be."""
        self.line(status, target, found)
        self.index.add(target, *key)
        self.written[target] = key
        if not self.options.dry_run and self.write_error is None:
            try:
                self.staging.add(target, text.encode("utf-8"))
            except OSError as exc:
                self.write_error = exc

    def new_id(self, found: _Found, digest: str) -> str:
        """A new permanent urn:uuid for an article known by its file, name-based so that a fresh
        import of the same files (with the same options: `digest` is taken with them applied, as
        it always was) is repeatable."""
        name = f"{self.config.base_url}#{found.shown}#{found.article.item}"
        name += f"#id={found.article.id}" if found.article.id else f"#{digest}"
        return uuid.uuid5(uuid.NAMESPACE_URL, name).urn

    def free_path(self, title: str, stem: str, date: datetime) -> Path:
        """content/YYYY/MM/<slug>.md for a new entry: a file no entry has, at a URL no entry has."""
        folder = self.content / f"{date:%Y}" / f"{date:%m}"
        base = slugify(title, fallback=slugify(stem, fallback="entry"), max_length=MAX_SLUG)
        number = 1
        while True:
            if number == 1:
                slug = base
            else:
                suffix = f"-{number}"
                slug = slugify(base, fallback="entry", max_length=MAX_SLUG - len(suffix)) + suffix
            candidate = folder / f"{slug}.md"
            taken = candidate.as_posix().lower() in self.index.paths
            if not taken and entry_dir(date, slug) not in self.index.urls:
                return candidate
            number += 1

    # ---- writing ------------------------------------------------------------------------
    def finish(self) -> bool:
        """Write what was planned, then say what was done; False (nothing written) when an id or URL
        would clash, or the entries cannot be written."""
        clashes = self.index.clashes(self.written)
        for path, what, other in clashes:
            message = f"would have the same {what} as {self.show(other)}: nothing was written"
            self.fail(self.show(path), message)
        if clashes:
            return False
        try:  # one flush to disk for them all: two per file made a big import three times slower
            if self.write_error is not None:
                raise self.write_error
            self.staging.commit()
        except OSError as exc:
            where = self.show(Path(exc.filename)) if exc.filename else "content"
            self.fail(where, f"cannot be written ({exc.strerror}): nothing was written")
            return False
        for _, text in sorted(self.lines, key=lambda pair: pair[0]):
            self.say(text, self.out)
        return True

    def summary(self, done: bool) -> str:
        c = self.counts
        if not done:
            return f"Nothing written: {c['failed']} problem{'s' if c['failed'] != 1 else ''}."
        verbs = ("to create", "to update") if self.options.dry_run else ("created", "updated")
        parts = [f"{c['created']} {verbs[0]}", f"{c['updated']} {verbs[1]}", f"{c['unchanged']} unchanged"]
        parts += [f"{c[k]} {k}" for k in ("kept", "skipped", "failed") if c[k]]
        head = "Dry run, nothing written: " if self.options.dry_run else "Imported: "
        return head + ", ".join(parts) + "."


def _no_stages(label: str, total: int) -> Callable[[int], None]:
    return lambda steps: None


def run_import(
    config: SiteConfig,
    paths: list[Path],
    options: ImportOptions,
    out: TextIO,
    err: TextIO,
    stages: Stages = _no_stages,
) -> int:
    """Import every source under `paths` (default: the seeds folder). Returns the exit status.
    One import at a time writes to content/; a dry run takes no lock and changes nothing."""
    if options.lang is not None:
        try:
            check_lang(options.lang)
        except ValueError as exc:
            raise FeedsiteError([Problem("--lang", None, str(exc))]) from None
    if options.dry_run:
        return _import_all(config, paths, options, out, err, stages)
    content = config.path("content")
    with folder_lock(content):
        remove_leftovers(content)  # what an import killed mid-write left there
        return _import_all(config, paths, options, out, err, stages)


def _import_all(
    config: SiteConfig, paths: list[Path], options: ImportOptions, out: TextIO, err: TextIO, stages: Stages
) -> int:
    run = _Run(config, options, out, err)
    files = sources.collect(paths or [config.path("seeds")], run.show, run.fail, lambda s: run.say(s, err))
    advance = stages("Importing", len(files))
    with run.staging:  # what is staged and not committed is removed, whatever happens
        for path in files:
            try:
                run.source(path)
            except SourceError as exc:
                run.fail(run.show(path), str(exc))
            except RecursionError:  # a reader (or a library under it) recursing once per level of nesting
                run.fail(run.show(path), "nested too deeply to be read")
            except (OverflowError, UnicodeError, LookupError) as exc:  # numbers, encodings it names
                run.fail(run.show(path), f"cannot be read ({type(exc).__name__}: {str(exc)[:200]})")
            except Exception as exc:  # a bug must not stop the other sources
                run.fail(run.show(path), f"internal error, please report it ({exc!r})")
            advance(1)
        run.companions()
        run.plan()
        done = run.finish()
    out.write(run.summary(done) + "\n")
    return 1 if run.counts["failed"] else 0
