"""The feedsite command: parse options, load the config, call one function, map errors to exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from feedsite import __version__
from feedsite.config import load_config
from feedsite.errors import FeedsiteError

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 70


def _cmd_build(args: argparse.Namespace) -> int:
    from feedsite.build import BuildOptions
    from feedsite.commands import run_build

    config = load_config(args.directory)
    options = BuildOptions(drafts=args.drafts, future=args.future, use_cache=not args.no_cache)
    if args.watch:
        from feedsite.watch import watch_forever

        return watch_forever(config, options, sys.stdout, sys.stderr)
    run_build(config, options, sys.stdout, sys.stderr)
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from feedsite.commands import run_check

    return run_check(load_config(args.directory), sys.stdout, sys.stderr)


def _cmd_new(args: argparse.Namespace) -> int:
    from feedsite.commands import new_entry

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
    from feedsite.importers import ImportOptions, parse_cli_date, run_import

    config = load_config(args.directory)
    try:
        date = parse_cli_date(args.date, config.tz) if args.date else None
    except ValueError as exc:
        print(f"feedsite import: {exc}", file=sys.stderr)
        return EXIT_USAGE
    options = ImportOptions(
        tags=tuple(args.tag),
        author=args.author,
        lang=args.lang,
        date=date,
        force=args.force,
        dry_run=args.dry_run,
    )
    paths = [Path(p) if Path(p).is_absolute() else Path.cwd() / p for p in args.paths]
    return run_import(config, paths, options, sys.stdout, sys.stderr)


def _cmd_serve(args: argparse.Namespace) -> int:
    from feedsite.build import BuildOptions
    from feedsite.server import serve_forever

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
    imp.add_argument("--lang", help="language tag for the entries, e.g. en")
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
