"""The feedsite command: parse options, load the config, call one function, map errors to exit codes.

Also what the commands do when it is short (build's summary line, check).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from feedsite import __version__
from feedsite.bars import TerminalBars, isatty
from feedsite.config import CONFIG_NAME, SiteConfig, load_config
from feedsite.errors import FeedsiteError

if TYPE_CHECKING:
    from feedsite.build import BuildOptions, BuildReport

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 70


# ---- what the commands do ------------------------------------------------------------------


def summary_line(report: BuildReport) -> str:
    return (
        f"built {report.entries} entries: {report.written} files written, "
        f"{report.unchanged} unchanged, {report.removed} removed in {report.seconds:.2f} s"
    )


def schedule_line(when: datetime) -> str:
    """The build's note of when the site next changes by itself (a scheduled entry goes live)."""
    return f"next scheduled change: {when.isoformat()}"


def search_line(config: SiteConfig, seconds: float) -> str:
    return f"search index: {config.output_dir}/pagefind/ in {seconds:.2f} s"


def run_build(config: SiteConfig, options: BuildOptions, out: TextIO, err: TextIO) -> BuildReport:
    from feedsite.build import build

    with TerminalBars(err) as bars:
        report = build(config, options, bars)
    print(summary_line(report), file=out)
    if config.search_enabled:  # Pagefind indexes what was just written (feedsite.search)
        from feedsite.search import index_site  # only here: it costs a build without search ~10 ms

        print(search_line(config, index_site(config) or 0.0), file=out)
    for warning in report.warnings:
        print(warning, file=err)
    if report.next_change is not None:
        print(schedule_line(report.next_change), file=out)
    return report


def run_check(config: SiteConfig, out: TextIO, err: TextIO) -> int:
    from feedsite.loading import load_entries

    entries, _bodies = load_entries(config, {}, {}, warnings=(skipped := list[str]()))
    err.writelines(f"{line}\n" for line in skipped)  # fifos and devices named *.md, not read
    unpinned = [e for e in entries if not e.id_pinned]
    for entry in unpinned:
        print(f"{entry.path}: warning: no id; add `id: {entry.id}` so readers never see it twice", file=err)
    print(f"{len(entries)} entries OK ({len(unpinned)} without a pinned id)", file=out)
    return check_feeds(config, out, err)


def check_feeds(config: SiteConfig, out: TextIO, err: TextIO) -> int:
    """Lint the feeds of the built site (feedlint.py), when there is one: one line a violation."""
    from feedsite.feedlint import lint_site

    if not config.path("output").is_dir():
        print(f"{config.output_dir}/ is not built yet: its feeds were not checked", file=out)
        return EXIT_OK
    documents, violations = lint_site(config)
    for violation in violations:
        print(violation, file=err)
    if violations:
        count = len(violations)
        print(f"feedsite check: {count} problem{'s' if count != 1 else ''} in the built feeds", file=err)
        return EXIT_ERROR
    print(f"{documents} feed documents in {config.output_dir}/ OK", file=out)
    return EXIT_OK


# ---- the commands --------------------------------------------------------------------------


def project_root(given: Path | None, start: Path | None = None) -> Path:
    """-C DIR as given, else the nearest folder upwards holding feedsite.toml (as git finds .git)."""
    if given is not None:
        return given
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return here


def _config(args: argparse.Namespace) -> SiteConfig:  # every command but init
    return load_config(project_root(args.directory))


def _cmd_build(args: argparse.Namespace) -> int:
    from feedsite.build import BuildOptions

    config = _config(args)
    options = BuildOptions(drafts=args.drafts, future=args.future, use_cache=not args.no_cache)
    if args.watch:
        from feedsite.preview.watch import watch_forever

        return watch_forever(config, options, sys.stdout, sys.stderr)
    run_build(config, options, sys.stdout, sys.stderr)
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    return run_check(_config(args), sys.stdout, sys.stderr)


def _cmd_next(args: argparse.Namespace) -> int:
    from feedsite.build import next_scheduled

    when = next_scheduled(_config(args))
    if when is not None:
        print(when.isoformat())
    return EXIT_OK


def _cmd_ping(args: argparse.Namespace) -> int:
    from feedsite.ping import ping

    return ping(_config(args), sys.stdout, sys.stderr, everything=args.all)


def _cmd_new(args: argparse.Namespace) -> int:
    from feedsite.scaffold import new_entry

    config = _config(args)
    path = new_entry(config, args.title, draft=not args.publish)
    shown = path.relative_to(config.root).as_posix()
    print(f"created {shown}" + ("" if args.publish else " (a draft: remove `draft: true` to publish it)"))
    return EXIT_OK


def _cmd_init(args: argparse.Namespace) -> int:
    from feedsite.scaffold import init_project

    target = (args.directory or Path(".")) / args.target
    init_project(target)
    print(f"created a feedsite project in {target}: edit feedsite.toml, then run `feedsite build`")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from feedsite.dates import DateError, parse_date
    from feedsite.importers import ImportOptions, check_lang, run_import
    from feedsite.scaffold import has_seeds

    config = _config(args)
    flag = "--date"
    try:
        date = parse_date(args.date, config.tz) if args.date is not None else None
        flag = "--lang"
        lang = check_lang(args.lang) if args.lang is not None else None
    except (DateError, ValueError) as exc:
        print(f"feedsite import: {flag}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.paths and not has_seeds(config):
        print(
            f"feedsite import: {config.seeds_dir}/ holds no sources to import: put articles there "
            "(.txt, .html, feeds) or name them: feedsite import PATH...",
            file=sys.stderr,
        )
        return EXIT_ERROR
    options = ImportOptions(
        tags=tuple(args.tag),
        author=args.author,
        lang=lang,
        date=date,
        force=args.force,
        dry_run=args.dry_run,
    )
    paths = [Path(p) if Path(p).is_absolute() else Path.cwd() / p for p in args.paths]
    on_terminal = isatty(sys.stdout) and isatty(sys.stderr)  # the lines and the bar share it
    with TerminalBars(sys.stderr, enabled=on_terminal) as bars:
        out, err = bars.above(sys.stdout), bars.above(sys.stderr)
        return run_import(config, paths, options, out, err, bars)


def _cmd_serve(args: argparse.Namespace) -> int:
    from feedsite.build import BuildOptions
    from feedsite.preview.server import serve_forever

    config = _config(args)
    options = BuildOptions(drafts=args.drafts, future=args.future)
    return serve_forever(config, options, args.host, args.port, sys.stdout, sys.stderr)


def _build_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--drafts", action="store_true", help="include entries marked draft: true")
    parser.add_argument("--future", action="store_true", help="include entries dated in the future")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedsite",
        description="Publish a static news site with RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds.",
    )
    parser.add_argument("--version", action="version", version=f"feedsite {__version__}")
    parser.add_argument(
        "-C",
        dest="directory",
        type=Path,
        default=None,
        metavar="DIR",
        help="run in DIR (the folder holding feedsite.toml); default: the nearest folder from here "
        "upwards that holds one",
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

    command("check", _cmd_check, "validate feedsite.toml and content/, and lint the built feeds in site/")

    ping = command("ping", _cmd_ping, "tell the WebSub hubs (feeds.websub_hubs) which feeds changed")
    ping.add_argument("--all", action="store_true", help="notify every feed, changed or not")

    command("next", _cmd_next, "print when the next scheduled entry goes live (ISO time), or nothing")

    new = command("new", _cmd_new, "write a new draft entry with a permanent id and the current time")
    new.add_argument("title", help="the entry's title")
    new.add_argument("--publish", action="store_true", help="publish it at once (default: draft: true)")

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
