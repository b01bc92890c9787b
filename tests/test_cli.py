"""The command line: init, new, --help, and a README that documents every command and option."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

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
    first = feedsite("-C", str(tmp_path), "new", "Zoë Café opens")
    second = feedsite("-C", str(tmp_path), "new", "Zoë Café opens")
    assert first.returncode == 0 and second.returncode == 0
    one = Path(first.stdout.split()[-1])
    two = Path(second.stdout.split()[-1])
    assert one.name == "zoe-cafe-opens.md" and two.name == "zoe-cafe-opens-2.md"
    text = (tmp_path / one).read_text()
    assert re.search(r"^id: urn:uuid:[0-9a-f-]{36}$", text, re.M)
    assert re.search(r"^date: '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00'$", text, re.M)
    check = feedsite("-C", str(tmp_path), "check")
    assert check.returncode == 0 and "warning" not in check.stderr
    empty = feedsite("-C", str(tmp_path), "new", "  ")
    assert empty.returncode == 1 and "title must not be empty" in empty.stderr


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


def test_build_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    import os
    import pty

    feedsite("init", str(tmp_path))
    for n in range(120):
        (tmp_path / f"content/e{n}.md").write_text(
            f"---\ntitle: E{n}\ndate: 2024-01-{n % 28 + 1:02d}\n---\nBody {n}.\n"
        )
    master, slave = pty.openpty()
    args = [sys.executable, "-m", "feedsite", "-C", str(tmp_path), "build"]
    result = subprocess.run(args, stderr=slave, stdout=subprocess.PIPE, text=True, cwd=ROOT, timeout=120)
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
    assert result.returncode == 0
    assert b"Rendering Markdown [" in shown and b"Writing pages [" in shown
    assert result.stdout.startswith("built 121 entries: ")
    piped = feedsite("-C", str(tmp_path), "build", "--no-cache")
    assert piped.returncode == 0 and "[" not in piped.stderr  # no bar when stderr is not a terminal
