"""The feedsite command: parse options, load the config, call one function, map errors to exit codes.

Also what the commands do when it is short (build's summary line, check, new) and the progress bars
(tqdm, on a terminal only) that build and import report to.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO, cast

from feedsite import __version__
from feedsite.config import SiteConfig, load_config
from feedsite.errors import FeedsiteError

if TYPE_CHECKING:
    from feedsite.build import BuildOptions, BuildReport

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 70
MIN_BAR = 20  # steps: fewer finish too fast for a progress bar to help

Advance = Callable[[int], None]


# ---- progress bars -------------------------------------------------------------------------


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _sized(stream: TextIO) -> bool:
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, ValueError, OSError):
        return False
    return size.columns > 0 and size.lines > 0


def _ignore(steps: int) -> None:
    return None


class TerminalBars:
    """A Stages for build() and run_import(): one tqdm bar at a time on `stream`, cleared when its
    stage ends; nothing at all (tqdm not even imported) when `stream` is not a terminal, or for a
    stage of fewer than MIN_BAR steps. Use it as a context manager: the last bar goes on exit.

        with TerminalBars(sys.stderr) as bars:
            build(config, options, bars)
    """

    def __init__(self, stream: TextIO, *, enabled: bool | None = None) -> None:
        self.stream = stream
        self.enabled = _isatty(stream) if enabled is None else enabled
        self.bar: Any = None  # the tqdm bar shown now

    def __call__(self, label: str, total: int) -> Advance:
        self.close()  # one bar at a time: the previous stage is over
        if not self.enabled or total < MIN_BAR:
            return _ignore
        from tqdm import tqdm  # here: a build that shows no bar does not pay for the import

        class Bar(tqdm):  # type: ignore[type-arg]
            monitor_interval = 0  # no monitor thread: a build forks workers, best with one thread

        # follow the terminal's size; 80×24 when it tells none (tqdm would then draw nothing)
        size: dict[str, Any] = {"dynamic_ncols": True} if _sized(self.stream) else {"ncols": 80, "nrows": 24}
        bar = self.bar = Bar(total=total, desc=label, file=self.stream, leave=False, **size)

        def advance(steps: int) -> None:
            bar.update(steps)

        return advance

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def above(self, stream: TextIO) -> TextIO:
        """`stream`, whose lines are printed above the bar instead of through it."""
        return cast(TextIO, _Above(self, stream))

    def __enter__(self) -> TerminalBars:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _Above(io.TextIOBase):
    def __init__(self, bars: TerminalBars, stream: TextIO) -> None:
        super().__init__()
        self.bars = bars
        self.stream = stream

    def write(self, text: str) -> int:
        bar = self.bars.bar
        if bar is not None:
            bar.clear()
        self.stream.write(text)
        if bar is not None:
            self.stream.flush()
            bar.refresh()
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return _isatty(self.stream)


# ---- what the commands do ------------------------------------------------------------------


def summary_line(report: BuildReport) -> str:
    return (
        f"built {report.entries} entries: {report.written} files written, "
        f"{report.unchanged} unchanged, {report.removed} removed in {report.seconds:.2f} s"
    )


def run_build(config: SiteConfig, options: BuildOptions, out: TextIO, err: TextIO) -> BuildReport:
    from feedsite.build import build

    with TerminalBars(err) as bars:
        report = build(config, options, bars)
    print(summary_line(report), file=out)
    return report


def run_check(config: SiteConfig, out: TextIO, err: TextIO) -> int:
    from feedsite.content import load_entries

    entries = load_entries(config, {}, {})
    unpinned = [e for e in entries if not e.id_pinned]
    for entry in unpinned:
        print(f"{entry.path}: warning: no id; add `id: {entry.id}` so readers never see it twice", file=err)
    print(f"{len(entries)} entries OK ({len(unpinned)} without a pinned id)", file=out)
    return 0


NEW_BODY = "Write the story here."


def new_entry(config: SiteConfig, title: str, *, draft: bool = False, now: datetime | None = None) -> Path:
    """Write content/YYYY/MM/<slug>.md with a permanent id; never overwrites a file."""
    from feedsite.entryfile import write_entry
    from feedsite.urls import slugify

    when = (now or datetime.now(config.tz)).astimezone(config.tz).replace(microsecond=0)
    title = " ".join(title.split())
    if not title:
        raise FeedsiteError("feedsite new: the title must not be empty")
    slug = slugify(title)
    meta: dict[str, object] = {"title": title, "date": when, "id": f"urn:uuid:{uuid.uuid4()}"}
    if draft:
        meta["draft"] = True
    folder = config.path("content") / f"{when:%Y}" / f"{when:%m}"
    for n in range(1, 1000):
        path = folder / (f"{slug}.md" if n == 1 else f"{slug}-{n}.md")
        if write_entry(path, meta, NEW_BODY, exclusive=True):
            return path
    raise FeedsiteError(f"{folder}/{slug}-*.md: too many entries with this slug")


# ---- the commands --------------------------------------------------------------------------


def _cmd_build(args: argparse.Namespace) -> int:
    from feedsite.build import BuildOptions

    config = load_config(args.directory)
    options = BuildOptions(drafts=args.drafts, future=args.future, use_cache=not args.no_cache)
    if args.watch:
        from feedsite.preview.watch import watch_forever

        return watch_forever(config, options, sys.stdout, sys.stderr)
    run_build(config, options, sys.stdout, sys.stderr)
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    return run_check(load_config(args.directory), sys.stdout, sys.stderr)


def _cmd_new(args: argparse.Namespace) -> int:
    config = load_config(args.directory)
    path = new_entry(config, args.title, draft=args.draft)
    print(f"created {path.relative_to(config.root).as_posix()}")
    return EXIT_OK


def _cmd_init(args: argparse.Namespace) -> int:
    from feedsite.scaffold import init_project

    target = args.directory / args.target
    init_project(target)
    print(f"created a feedsite project in {target}: edit feedsite.toml, then run `feedsite build`")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from feedsite.dates import DateError, parse_date
    from feedsite.importers import ImportOptions, check_lang, run_import

    config = load_config(args.directory)
    try:
        date = parse_date(args.date, config.tz) if args.date is not None else None
    except DateError as exc:
        print(f"feedsite import: --date: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        lang = check_lang(args.lang) if args.lang is not None else None
    except ValueError as exc:
        print(f"feedsite import: --lang: {exc}", file=sys.stderr)
        return EXIT_USAGE
    options = ImportOptions(
        tags=tuple(args.tag),
        author=args.author,
        lang=lang,
        date=date,
        force=args.force,
        dry_run=args.dry_run,
    )
    paths = [Path(p) if Path(p).is_absolute() else Path.cwd() / p for p in args.paths]
    on_terminal = _isatty(sys.stdout) and _isatty(sys.stderr)  # the lines and the bar share it
    with TerminalBars(sys.stderr, enabled=on_terminal) as bars:
        out, err = bars.above(sys.stdout), bars.above(sys.stderr)
        return run_import(config, paths, options, out, err, bars)


def _cmd_serve(args: argparse.Namespace) -> int:
    from feedsite.build import BuildOptions
    from feedsite.preview.server import serve_forever

    config = load_config(args.directory)
    options = BuildOptions(drafts=args.drafts, future=args.future)
    return serve_forever(config, options, args.host, args.port, sys.stdout, sys.stderr)


def _build_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--drafts", action="store_true", help="include entries marked draft: true")
    parser.add_argument("--future", action="store_true", help="include entries dated in the future")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedsite", description="Publish a static news site with RSS 2.0 and Atom 1.0 feeds."
    )
    parser.add_argument("--version", action="version", version=f"feedsite {__version__}")
    parser.add_argument(
        "-C",
        dest="directory",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="run as if started in DIR (the folder holding feedsite.toml)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, run: Callable[[argparse.Namespace], int], text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        sub.set_defaults(run=run)
        return sub

    build = command("build", _cmd_build, "build site/ from content/")
    _build_flags(build)
    build.add_argument("--no-cache", action="store_true", help="ignore and do not update the build cache")
    build.add_argument("--watch", action="store_true", help="rebuild whenever a source file changes")

    command("check", _cmd_check, "validate feedsite.toml and content/ without writing anything")

    new = command("new", _cmd_new, "write a new entry with a permanent id and the current time")
    new.add_argument("title", help="the entry's title")
    new.add_argument("--draft", action="store_true", help="mark it draft: true")

    init = command("init", _cmd_init, "start a new project (feedsite.toml, content/, seeds/)")
    init.add_argument("target", nargs="?", default=".", metavar="DIR", help="where (default: here)")

    imp = command("import", _cmd_import, "turn source articles (.txt, .html, feeds) into entries")
    imp.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: seeds/)")
    imp.add_argument("--tag", action="append", default=[], help="add this tag (repeatable)")
    imp.add_argument("--author", help="author for sources that name none")
    imp.add_argument("--lang", help="BCP 47 language tag for sources that state none, e.g. en, pt-BR")
    imp.add_argument("--date", help="date for sources that carry none, e.g. 2024-11-08T09:00:00+01:00")
    imp.add_argument("--force", action="store_true", help="overwrite entries edited by hand")
    imp.add_argument("--dry-run", action="store_true", help="write nothing; say what would be done")

    serve = command("serve", _cmd_serve, "build, serve site/ with live reload, rebuild on changes")
    _build_flags(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except FeedsiteError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(
            f"feedsite {args.command}: {count} error{'s' if count != 1 else ''}; nothing was written",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_OK
    except OSError as exc:
        where = exc.filename or "feedsite"
        print(f"{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # a bug of ours: one line still, and the writer's staging left nothing half-done
        if os.environ.get("FEEDSITE_DEBUG"):
            raise
        print(
            f"feedsite {args.command}: internal error: {type(exc).__name__}: {exc} "
            "(please report it; FEEDSITE_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_BUG


def entry() -> None:
    """The `feedsite` command and `python -m feedsite`: main(), then exit at once.

    Everything is written and closed when main() returns; skipping the interpreter's teardown
    (freeing every object of a large site one by one) saves a noticeable part of a rebuild.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
