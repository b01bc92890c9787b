"""`feedsite import`: source articles (text, HTML, feeds) → front-matter Markdown entries."""

from __future__ import annotations

import os
import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from feedsite.config import SiteConfig
from feedsite.dates import DateError, parse_date
from feedsite.entryfile import atomic_write, folder_lock, remove_leftovers
from feedsite.files import FileReadError, not_regular, read_regular
from feedsite.importers.article import Article, SourceError, decode, unique
from feedsite.importers.feed import parse_feed
from feedsite.importers.html import parse_html
from feedsite.importers.text import parse_text
from feedsite.importers.writer import Existing, front_matter, read_imported, render
from feedsite.urls import MAX_SLUG, allowed_url, slugify

if TYPE_CHECKING:
    from feedsite.build import Stages

__all__ = ["IMPORT_SUFFIXES", "ImportOptions", "run_import"]

TEXT_SUFFIXES = frozenset({".txt"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom", ".json"})
IMPORT_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9._-]+)", re.IGNORECASE)


@dataclass(frozen=True)
class ImportOptions:
    tags: tuple[str, ...] = ()  # added to every entry's tags
    author: str | None = None  # for sources that name no author
    lang: str | None = None  # for sources that state no language
    date: datetime | None = None  # aware; for sources that carry no date
    force: bool = False  # overwrite entries edited by hand
    dry_run: bool = False  # write nothing, say what would be done


class _Run:
    """One import: the entries already in content/, and what this run has claimed."""

    def __init__(self, config: SiteConfig, options: ImportOptions, out: TextIO, err: TextIO):
        self.config = config
        self.options = options
        self.out = out
        self.err = err
        self.root = config.root.resolve()
        self.content = config.path("content").resolve()
        self.counts: Counter[str] = Counter()
        self.by_key: dict[tuple[str, str], Existing] = {}
        self.taken: set[str] = set()
        if self.content.is_dir():
            for path in sorted(self.content.rglob("*.md")):
                self.taken.add(path.as_posix().lower())
                existing = read_imported(path)
                if existing is not None:
                    key = (existing.imported["source"], str(existing.imported.get("item") or ""))
                    self.by_key.setdefault(key, existing)

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

    # ---- one source -------------------------------------------------------------------
    def source(self, path: Path) -> None:
        shown = self.show(path)
        try:
            articles = self.read(path)
        except SourceError as exc:
            self.fail(shown, str(exc))
            return
        if not articles:
            self.say(f"{shown}: warning: the feed has no items", self.err)
        mtime_warned = False
        for number, article in enumerate(articles, 1):
            if isinstance(article, SourceError):
                self.fail(shown, str(article))
                continue
            label = f"{shown} #{number}" if article.item else shown
            article = self.with_options(article, label, path.suffix.lower() in HTML_SUFFIXES)
            date = article.date or self.options.date
            if date is None and not self.exists(shown, article):
                date = _file_time(path, self.config.tz)
                if not mtime_warned:
                    self.say(
                        f"{shown}: warning: no date in the source; using the file's "
                        f"modification time {date.isoformat()} (--date sets one)",
                        self.err,
                    )
                    mtime_warned = True
            self.place(path, shown, label, article, date)

    def read(self, path: Path) -> list[Article | SourceError]:
        try:
            data = read_regular(path)
        except FileReadError as exc:
            raise SourceError(str(exc)) from None
        if not data.strip(b" \t\r\n\f\v\xef\xbb\xbf"):
            raise SourceError("empty file")
        suffix = path.suffix.lower()
        tz = self.config.tz
        if suffix in FEED_SUFFIXES:
            return list(parse_feed(data, suffix, tz))
        declared = _CHARSET.search(data[:4096]) if suffix in HTML_SUFFIXES else None
        text = decode(data, declared.group(1).decode("ascii") if declared else None)
        if not text.strip():
            raise SourceError("empty file")
        if suffix in HTML_SUFFIXES:
            return [parse_html(text, tz)]
        return [parse_text(text)]

    def with_options(self, article: Article, label: str = "", rooted: bool = False) -> Article:
        o = self.options
        return replace(
            article,
            source_url=self.web_url(article.source_url, "source url", label, False),
            image=self.web_url(article.image, "image", label, rooted),
            tags=unique([*article.tags, *o.tags]),
            authors=article.authors or unique([o.author] if o.author else []),
            lang=article.lang or (o.lang or ""),
        )

    def web_url(self, url: str, key: str, label: str, rooted: bool) -> str:
        """`url` when it passes the allow-list and is absolute http(s) (or, with `rooted`, a path from
        the site's root "/…", as a saved page may give); else "" and a warning saying so."""
        if not url or (
            allowed_url(url) and url.startswith(("http://", "https://", *(("/",) if rooted else ())))
        ):
            return url
        kept = "absolute http(s) URLs" + (" and paths from the root" if rooted else "")
        self.say(f"{label}: warning: {key} {url[:200]!r} dropped: only {kept} are kept", self.err)
        return ""

    def exists(self, shown: str, article: Article) -> bool:
        return (shown, article.item) in self.by_key

    # ---- one entry --------------------------------------------------------------------
    def place(self, path: Path, shown: str, label: str, article: Article, date: datetime | None) -> None:
        digest = article.digest()
        existing = self.by_key.get((shown, article.item))
        if existing is not None:
            self.update(path, shown, label, article, digest, existing)
            return
        assert date is not None
        date = date.astimezone(self.config.tz).replace(microsecond=0)
        ident = self.entry_id(shown, article, digest)
        target = self.free_path(article.title, path.stem, date)
        updated = article.updated if article.updated and article.updated > date else None
        front = front_matter(article, id=ident, date=date, updated=updated, source=shown)
        self.emit("created", target, label, render(front, article.body, shown, article.item, digest))

    def update(
        self, path: Path, shown: str, label: str, article: Article, digest: str, existing: Existing
    ) -> None:
        if existing.edited and not self.options.force:
            self.counts["kept"] += 1
            entry = self.show(existing.path)
            self.say(
                f"kept      {entry}  ← {label} (edited by hand since import; --force overwrites)",
                self.out,
            )
            return
        front = existing.front
        tz = self.config.tz
        date = _known_date(front.get("date"), tz) or article.date or self.options.date
        if date is None:
            date = _file_time(path, tz)
        ident = front.get("id") if isinstance(front.get("id"), str) else ""
        ident = ident or self.entry_id(shown, article, digest)
        updated = _known_date(front.get("updated"), tz)
        if digest != existing.imported.get("source_sha256"):
            newer = article.updated or article.date
            if not newer or newer <= date:
                newer = _file_time(path, tz)
            updated = max(newer.astimezone(tz), date)
        front_out = front_matter(article, id=ident, date=date, updated=updated, source=shown)
        text = render(front_out, article.body, shown, article.item, digest)
        if text == existing.text:
            self.counts["unchanged"] += 1
            self.say(f"unchanged {self.show(existing.path)}  ← {label}", self.out)
            return
        self.emit("updated", existing.path, label, text)

    def emit(self, status: str, target: Path, label: str, text: str) -> None:
        self.counts[status] += 1
        word = f"would {status[:-1]}" if self.options.dry_run else status
        self.say(f"{word:<9} {self.show(target)}  ← {label}", self.out)
        if not self.options.dry_run:
            atomic_write(target, text.encode("utf-8"))

    def entry_id(self, shown: str, article: Article, digest: str) -> str:
        """The source's id when it is a URI; else a new permanent urn:uuid, name-based so that a
        fresh import of the same files is repeatable (from the source's own id when it has one)."""
        if _URI.fullmatch(article.id):
            return article.id
        name = f"{self.config.base_url}#{shown}#{article.item}"
        name += f"#id={article.id}" if article.id else f"#{digest}"
        return uuid.uuid5(uuid.NAMESPACE_URL, name).urn

    def free_path(self, title: str, stem: str, date: datetime) -> Path:
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
            if candidate.as_posix().lower() not in self.taken:
                self.taken.add(candidate.as_posix().lower())
                return candidate
            number += 1

    def summary(self) -> str:
        c = self.counts
        verbs = ("to create", "to update") if self.options.dry_run else ("created", "updated")
        parts = [f"{c['created']} {verbs[0]}", f"{c['updated']} {verbs[1]}", f"{c['unchanged']} unchanged"]
        parts += [f"{c[k]} {k}" for k in ("kept", "failed") if c[k]]
        head = "Dry run, nothing written: " if self.options.dry_run else "Imported: "
        return head + ", ".join(parts) + "."


def _file_time(path: Path, tz: tzinfo) -> datetime:
    """The source file's modification time, for a source with no date of its own."""
    try:
        return datetime.fromtimestamp(int(path.stat().st_mtime), tz)
    except (OverflowError, ValueError, OSError):
        raise SourceError(
            "no date in the source, and its modification time is no date (use --date)"
        ) from None


def _known_date(value: object, tz: tzinfo) -> datetime | None:
    """The date an existing entry's front matter holds, or None when it holds none or a bad one."""
    if value is None:
        return None
    try:
        return parse_date(value, tz)
    except DateError:
        return None


def _collect(paths: list[Path], run: _Run) -> list[Path]:
    """The source files under `paths`, sorted, each once; reports paths that cannot be read, and
    skips (with a warning) fifos, devices and sockets named as sources: they are never opened."""
    found: dict[Path, None] = {}
    for given in paths:
        if given.is_dir():
            files = sorted(
                p
                for p in given.rglob("*")
                if p.suffix.lower() in IMPORT_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(given).parts)
            )
            for file in files:
                if file.is_file():
                    found.setdefault(file.resolve(), None)
                elif _odd_kind(file):
                    run.say(
                        f"{run.show(file)}: warning: is {_odd_kind(file)}, not a regular file: skipped",
                        run.err,
                    )
        elif given.is_file():
            if given.suffix.lower() in IMPORT_SUFFIXES:
                found.setdefault(given.resolve(), None)
            else:
                kinds = ", ".join(sorted(IMPORT_SUFFIXES))
                run.fail(run.show(given), f"not a kind of source import reads ({kinds})")
        elif _odd_kind(given):
            run.say(
                f"{run.show(given)}: warning: is {_odd_kind(given)}, not a regular file: skipped", run.err
            )
        else:
            run.fail(run.show(given), "no such file or folder")
    return sorted(found, key=run.show)


def _odd_kind(path: Path) -> str | None:
    """What `path` is when it is there but neither a regular file nor a folder ("a fifo", ...)."""
    try:
        kind = not_regular(os.stat(path).st_mode)
    except OSError:
        return None
    return None if kind == "a folder" else kind


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

    One import at a time writes to content/ (folder_lock); it first removes the temporary files an
    import killed mid-write left there. A dry run takes no lock and changes nothing."""
    if options.dry_run:
        return _import_all(config, paths, options, out, err, stages)
    content = config.path("content")
    with folder_lock(content):
        remove_leftovers(content)
        return _import_all(config, paths, options, out, err, stages)


def _import_all(
    config: SiteConfig, paths: list[Path], options: ImportOptions, out: TextIO, err: TextIO, stages: Stages
) -> int:
    run = _Run(config, options, out, err)
    sources = _collect(paths or [config.path("seeds")], run)
    advance = stages("Importing", len(sources))
    for path in sources:
        try:
            run.source(path)
        except SourceError as exc:
            run.fail(run.show(path), str(exc))
        except RecursionError:  # a reader (or a library under it) recursing once per level of nesting
            run.fail(run.show(path), "nested too deeply to be read")
        except (OverflowError, UnicodeError, LookupError) as exc:  # numbers, encodings it names
            run.fail(run.show(path), f"cannot be read ({type(exc).__name__}: {str(exc)[:200]})")
        except OSError as exc:
            run.fail(run.show(path), f"cannot be written ({exc.strerror}: {exc.filename})")
        except Exception as exc:  # a bug must not stop the other sources
            run.fail(run.show(path), f"internal error, please report it ({exc!r})")
        advance(1)
    out.write(run.summary() + "\n")
    return 1 if run.counts["failed"] else 0
