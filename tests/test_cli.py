"""The command line: init, new, --help, progress bars, and a README that documents every command and
option."""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

from feedsite.bars import MIN_BAR, TerminalBars
from feedsite.cli import make_parser


def feedsite(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "feedsite", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = make_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_init_then_build(tmp_path: Path) -> None:
    result = feedsite("init", str(tmp_path / "news"))
    assert result.returncode == 0, result.stderr
    project = tmp_path / "news"
    assert (project / "feedsite.toml").is_file() and (project / "seeds").is_dir()
    assert "# feedsite.toml" in (project / "feedsite.toml").read_text()
    result = feedsite("-C", str(project), "build")
    assert result.returncode == 0, result.stderr
    assert re.match(r"built 1 entries: \d+ files written, 0 unchanged, 0 removed in [\d.]+ s", result.stdout)
    assert (project / "site/2024/01/hello-world/index.html").is_file()
    again = feedsite("init", str(project))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_new_entry_has_pinned_id_and_never_overwrites(tmp_path: Path) -> None:
    feedsite("init", str(tmp_path))
    first = feedsite("-C", str(tmp_path), "new", "Zoë Café opens", "--publish")
    second = feedsite("-C", str(tmp_path), "new", "Zoë Café opens", "--publish")
    assert first.returncode == 0 and second.returncode == 0
    one = Path(first.stdout.split()[-1])
    two = Path(second.stdout.split()[-1])
    assert one.name == "zoe-cafe-opens.md" and two.name == "zoe-cafe-opens-2.md"
    text = (tmp_path / one).read_text()
    assert re.search(r"^id: urn:uuid:[0-9a-f-]{36}$", text, re.M)
    assert re.search(r"^date: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$", text, re.M)
    assert "draft" not in text and text.endswith("---\n\nWrite the story here.\n")
    check = feedsite("-C", str(tmp_path), "check")
    assert check.returncode == 0 and "warning" not in check.stderr
    empty = feedsite("-C", str(tmp_path), "new", "  ")
    assert empty.returncode == 1 and "title must not be empty" in empty.stderr


def test_new_entry_is_a_draft_by_default(tmp_path: Path) -> None:
    """The placeholder body of `feedsite new` never reaches the built site unless asked."""
    feedsite("init", str(tmp_path))
    made = feedsite("-C", str(tmp_path), "new", "Budget vote")
    assert made.returncode == 0 and "draft" in made.stdout
    created = made.stdout.split()[1]
    assert re.search(r"^draft: true$", (tmp_path / created).read_text(), re.M)
    assert feedsite("-C", str(tmp_path), "build").returncode == 0
    assert not list((tmp_path / "site").rglob("budget-vote"))
    assert "Write the story here" not in (tmp_path / "site/feed.xml").read_text()
    assert feedsite("-C", str(tmp_path), "build", "--drafts").returncode == 0
    assert list((tmp_path / "site").rglob("budget-vote"))


def test_config_is_found_in_parent_folders(tmp_path: Path) -> None:
    """Without -C, the nearest folder upwards holding feedsite.toml is the project (as git does);
    -C DIR means DIR itself."""
    feedsite("init", str(tmp_path / "news"))
    deep = tmp_path / "news/content/2024/01"
    built = feedsite("build", cwd=deep)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "news/site/index.html").is_file() and not (deep / "site").exists()
    made = feedsite("new", "From deep down", cwd=deep)
    assert made.returncode == 0 and made.stdout.startswith("created content/")
    pinned = feedsite("-C", str(deep), "build")
    assert pinned.returncode == 1 and f"{deep}/feedsite.toml: not found" in pinned.stderr
    nowhere = feedsite("build", cwd=tmp_path)
    assert nowhere.returncode == 1 and "feedsite.toml: not found" in nowhere.stderr


def test_import_with_empty_seeds_says_what_to_do(tmp_path: Path) -> None:
    feedsite("init", str(tmp_path))
    (tmp_path / "seeds/notes.md").write_text("not a source kind")
    result = feedsite("import", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "feedsite import: seeds/ holds no sources to import: put articles there (.txt, .html, feeds) "
        "or name them: feedsite import PATH..."
    ]
    assert sorted(p.name for p in (tmp_path / "content").rglob("*.md")) == ["hello-world.md"]
    (tmp_path / "seeds/story.txt").write_text("A headline\n\nThe story.\n")
    imported = feedsite("import", "--date", "2024-11-08", cwd=tmp_path)
    assert imported.returncode == 0 and "created" in imported.stdout, imported.stderr


def test_readme_setup_uses_a_virtual_environment() -> None:
    """Debian's system Python refuses a global pip install: both set-up commands make a venv."""
    readme = (ROOT / "README.md").read_text()
    setup = readme[readme.index("## The two commands") : readme.index("## The demo")]
    commands = re.findall(r"```sh\n(.*?)\n```", setup)
    assert len(commands) == 2
    for command in commands:
        assert "python3 -m venv .venv && .venv/bin/pip install" in command
        assert re.search(r"(^|&& )pip install", command) is None
    assert "apt-get install" in commands[1] and "root" in setup


@pytest.mark.parametrize("command", sorted(commands()))
def test_every_command_has_help(command: str) -> None:
    result = feedsite(command, "--help")
    assert result.returncode == 0 and "usage: feedsite" in result.stdout


def test_readme_documents_every_command_and_option() -> None:
    readme = (ROOT / "README.md").read_text()
    for name, parser in commands().items():
        assert f"feedsite {name}" in readme, f"README lacks `feedsite {name}`"
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in readme, f"README lacks {option} of feedsite {name}"


def test_readme_documents_every_config_key() -> None:
    from feedsite.config import SCHEMA

    readme = (ROOT / "README.md").read_text()
    for section, keys in SCHEMA.items():
        for key in keys:
            assert f"{section}.{key}" in readme, f"README lacks {section}.{key}"


def test_usage_error_exit_status() -> None:
    result = feedsite("build", "--nope")
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci/run").read_text().strip().splitlines()[-1]
    assert f"```sh\n{ci}\n```" in readme


def on_a_terminal(args: list[str], *, stdout_too: bool = False) -> tuple[int, bytes, str]:
    """Run feedsite with stderr (and stdout, if asked) on a pseudo-terminal: (status, what the
    terminal shows, what went to stdout when it is a pipe)."""
    import os
    import pty

    master, slave = pty.openpty()
    out = slave if stdout_too else subprocess.PIPE
    command = [sys.executable, "-m", "feedsite", *args]
    result = subprocess.run(command, stderr=slave, stdout=out, cwd=ROOT, timeout=120)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return result.returncode, shown, (result.stdout or b"").decode()


def test_build_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    feedsite("init", str(tmp_path))
    for n in range(120):
        (tmp_path / f"content/e{n}.md").write_text(
            f"---\ntitle: E{n}\ndate: 2024-01-{n % 28 + 1:02d}\n---\nBody {n}.\n"
        )
    status, shown, stdout = on_a_terminal(["-C", str(tmp_path), "build"])
    assert status == 0
    assert b"Writing pages: " in shown  # tqdm's bar, for the stage every build has
    assert re.search(rb"\| \d+/\d+ \[", shown) and shown.endswith(b"\r")  # counted, then erased
    assert stdout.startswith("built 121 entries: ")
    piped = feedsite("-C", str(tmp_path), "build", "--no-cache")
    assert piped.returncode == 0 and piped.stderr == ""  # no bar when stderr is not a terminal


def test_import_lines_print_above_the_bar(tmp_path: Path) -> None:
    feedsite("init", str(tmp_path))
    for n in range(25):
        (tmp_path / f"seeds/s{n:02d}.txt").write_text(f"Story {n}\nThe text of story {n}.\n")
    args = ["-C", str(tmp_path), "import", "--date", "2024-11-08"]
    status, shown, _ = on_a_terminal(args, stdout_too=True)
    assert status == 0
    assert b"Importing: " in shown
    lines = shown.decode().replace("\r\n", "\n").split("\n")
    created = [line.split("\r")[-1] for line in lines if "created " in line]
    assert len(created) == 25  # whole lines: a bar drawn over one would have cut it
    assert all(
        re.fullmatch(r"created +content/2024/11/story-\d+\.md  ← seeds/s\d\d\.txt", c) for c in created
    )
    again = feedsite(*args)  # stdout a pipe: no bar
    assert again.returncode == 0 and again.stderr == "" and again.stdout.count("unchanged ") == 25


class Terminal(io.StringIO):
    """A stream that says it is a terminal (what TerminalBars asks before drawing)."""

    def isatty(self) -> bool:
        return True


def test_terminal_bars_one_at_a_time_and_cleared() -> None:
    screen = Terminal()
    with TerminalBars(screen) as bars:
        first = bars("Parsing entries", 40)
        first(40)
        second = bars("Writing pages", 30)
        second(10)
        bars.above(screen).write("a line\n")
        second(20)
    text = screen.getvalue()
    assert "\rParsing entries:   0%|" in text and "| 0/40 [" in text
    before, line, after = text.partition("a line\n")
    assert line and re.search(r"\rWriting pages: +\d+%\|.*\| \d+/30 \[[^\r]*\r +\r$", before)  # cleared first
    assert after.startswith("\rWriting pages:")  # and drawn again below
    assert text.endswith("\r") and text.count("\n") == 1  # bars redraw one line, erased at the end


def test_terminal_bars_draw_nothing_when_piped_small_or_disabled() -> None:
    piped, small, disabled = io.StringIO(), Terminal(), Terminal()
    for stream, total, enabled in ((piped, 1000, None), (small, MIN_BAR - 1, None), (disabled, 1000, False)):
        with TerminalBars(stream, enabled=enabled) as bars:
            bars("Writing pages", total)(total)
            bars.above(stream).write("line\n")
    assert piped.getvalue() == small.getvalue() == disabled.getvalue() == "line\n"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-13-45", "'2024-13-45' is not a real date: month must be in 1..12"),
        ("2024-02-30", "'2024-02-30' is not a real date: day is out of range for month"),
        ("2024-11-08T25:00", "is not a real date: hour must be in 0..23"),
        ("2024-11-08T09:00+25:00", "the UTC offset must be between -23:59 and +23:59"),
        ("0001-01-01T00:00:00+14:00", "is out of range"),
        ("9999-12-31T23:59:59-12:00", "is out of range"),
        ("7 Nov", "'7 Nov' is not an ISO 8601 date such as 2024-11-08T09:00:00+01:00"),
        ("", "is empty"),
    ],
)
def test_import_date_errors_are_one_line_and_a_usage_error(tmp_path: Path, value: str, message: str) -> None:
    feedsite("init", str(tmp_path))
    result = feedsite("-C", str(tmp_path), "import", "--date", value)
    assert result.returncode == 2
    assert result.stderr.startswith("feedsite import: --date: ") and result.stderr.count("\n") == 1
    assert message in result.stderr
    assert len(list((tmp_path / "content").rglob("*.md"))) == 1  # init's example entry, no other
