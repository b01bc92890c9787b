"""Bad input never half-publishes: every problem reported as file:line, exit 1, site/ untouched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, copy_fixture, tree, write

GOOD = (
    "---\ntitle: Fine\ndate: 2024-11-08T09:00:00+01:00\n"
    "id: urn:uuid:aaaaaaaa-0000-0000-0000-000000000001\n---\nBody.\n"
)


def feedsite(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "feedsite", "-C", str(root), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


@pytest.fixture
def built(tmp_path: Path) -> Path:
    root = copy_fixture(tmp_path)
    result = feedsite(root, "build")
    assert result.returncode == 0, result.stderr
    return root


BAD_ENTRIES = {
    "yaml": (
        "content/bad.md",
        "---\ntitle: [unclosed\ndate: 2024-11-08\n---\nx\n",
        "bad.md:3: front matter is not valid YAML",
    ),
    "no front matter": ("content/bad.md", "Just text\n", "bad.md:1: has no front matter"),
    "missing title": ("content/bad.md", "---\ndate: 2024-11-08\n---\nx\n", "bad.md:1: title is missing"),
    "empty title": (
        "content/bad.md",
        "---\ntitle: '  '\ndate: 2024-11-08\n---\nx\n",
        "bad.md:2: title must not be empty",
    ),
    "missing date": ("content/bad.md", "---\ntitle: T\n---\nx\n", "bad.md:1: date is missing"),
    "invalid date": (
        "content/bad.md",
        "---\ntitle: T\ndate: next Tuesday\n---\nx\n",
        "bad.md:3: date: 'next Tuesday' is not an ISO 8601 date",
    ),
    "bad tags": (
        "content/bad.md",
        "---\ntitle: T\ndate: 2024-11-08\ntags: {a: 1}\n---\nx\n",
        "bad.md:4: tags must be a tag or a list of tags",
    ),
    "escaping slug": (
        "content/bad.md",
        "---\ntitle: T\ndate: 2024-11-08\nslug: ../../etc\n---\nx\n",
        "bad.md:4: slug '../../etc' must be a single path segment",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_ENTRIES))
def test_bad_entry_reported_and_site_untouched(built: Path, case: str) -> None:
    path, text, message = BAD_ENTRIES[case]
    before = tree(built / "site")
    write(built / path, text)
    result = feedsite(built, "build")
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "nothing was written" in result.stderr
    assert tree(built / "site") == before


def test_not_utf8(built: Path) -> None:
    before = tree(built / "site")
    (built / "content/latin.md").write_bytes(b"---\ntitle: Caf\xe9\ndate: 2024-11-08\n---\n")
    result = feedsite(built, "build")
    assert result.returncode == 1
    assert "content/latin.md:2: is not UTF-8 text" in result.stderr
    assert tree(built / "site") == before


def test_duplicate_url_and_id(built: Path) -> None:
    before = tree(built / "site")
    write(built / "content/a/one.md", GOOD.replace("Fine", "One"))
    write(built / "content/b/one.md", GOOD.replace("aaaaaaaa", "bbbbbbbb"))
    write(built / "content/c/two.md", GOOD)
    result = feedsite(built, "build")
    assert result.returncode == 1
    assert "content/b/one.md: has the same URL /2024/11/one/ as content/a/one.md" in result.stderr
    assert (
        "content/c/two.md: has the same id urn:uuid:aaaaaaaa-0000-0000-0000-000000000001 as content/a/one.md"
        in result.stderr
    )
    assert tree(built / "site") == before


def test_every_problem_in_every_file_in_one_run(built: Path) -> None:
    write(built / "content/x.md", "---\ntitle: 5\ndate: someday\nlang: [1]\n---\n")
    write(built / "content/y.md", "no front matter\n")
    result = feedsite(built, "build")
    lines = [line for line in result.stderr.splitlines() if line.startswith("content/")]
    assert lines == [
        "content/x.md:3: date: 'someday' is not an ISO 8601 date such as 2024-11-08T09:00:00+01:00",
        "content/x.md:4: lang must be text",
        "content/y.md:1: has no front matter (it must start with a '---' line and a title: and date:)",
    ]
    assert "3 errors" in result.stderr


def test_bad_entries_among_many_new_ones_parsed_in_workers(built: Path) -> None:
    """Many new files are parsed and rendered in worker processes: their problems come back just
    the same, every one, and nothing is written."""
    before = tree(built / "site")
    for n in range(150):
        write(
            built / f"content/many/e{n}.md",
            f"---\ntitle: E{n}\ndate: 2024-10-{n % 28 + 1:02d}\n---\n*Body* {n}.\n",
        )
    write(built / "content/many/e7.md", "---\ntitle: E7\ndate: someday\n---\nx\n")
    write(built / "content/many/e140.md", "no front matter\n")
    result = feedsite(built, "build")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("content/")]
    assert lines == [
        "content/many/e140.md:1: has no front matter"
        " (it must start with a '---' line and a title: and date:)",
        "content/many/e7.md:3: date: 'someday' is not an ISO 8601 date such as 2024-11-08T09:00:00+01:00",
    ]
    assert "Traceback" not in result.stderr and tree(built / "site") == before
    write(built / "content/many/e7.md", "---\ntitle: E7\ndate: 2024-10-08\n---\nx\n")
    write(built / "content/many/e140.md", "---\ntitle: E140\ndate: 2024-10-09\n---\n*Body* 140.\n")
    fixed = feedsite(built, "build")
    assert fixed.returncode == 0, fixed.stderr
    page = (built / "site/2024/10/e3/index.html").read_text("utf-8")
    assert "<p><em>Body</em> 3.</p>" in page


def test_check_reports_without_writing(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path)
    result = feedsite(root, "check")
    assert result.returncode == 0
    assert "content/2024/12/no-id.md: warning: no id; add `id: urn:uuid:" in result.stderr
    assert not (root / "site").exists()
    write(root / "content/bad.md", "---\ntitle: T\n---\n")
    result = feedsite(root, "check")
    assert result.returncode == 1 and "content/bad.md:1: date is missing" in result.stderr
    assert not (root / "site").exists()


CONFIG_CASES = {
    "unknown key": ("[site]\ntitel = 'x'\n", "feedsite.toml:2: unknown key site.titel"),
    "unknown section": ("[sight]\ntitle = 'x'\n", "feedsite.toml:1: unknown section [sight]"),
    "bad url": (
        "[site]\nbase_url = 'example.org'\n",
        "feedsite.toml:2: site.base_url must be an absolute http",
    ),
    "bad limit": (
        "[feeds]\nlimit = 0\n",
        "feedsite.toml:2: feeds.limit must be a whole number of at least 1",
    ),
    "bad timezone": (
        "[site]\ntimezone = 'Mars/Olympus'\n",
        "feedsite.toml:2: site.timezone 'Mars/Olympus' is not a time zone",
    ),
    "bad toml": ("[site\n", "feedsite.toml:1: is not valid TOML"),
    "bad extension": (
        "[markdown]\nextensions = ['nope']\n",
        "feedsite.toml:2: markdown.extensions 'nope' is not a Python-Markdown extension",
    ),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_bad_config(built: Path, case: str) -> None:
    text, message = CONFIG_CASES[case]
    before = tree(built / "site")
    (built / "feedsite.toml").write_text(text)
    result = feedsite(built, "build")
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert tree(built / "site") == before


def test_missing_config(tmp_path: Path) -> None:
    result = feedsite(tmp_path, "build")
    assert result.returncode == 1
    assert "feedsite.toml: not found (run `feedsite init`" in result.stderr


def test_bad_template_reported(built: Path) -> None:
    before = tree(built / "site")
    write(
        built / "templates/entry.html",
        "{% extends 'base.html' %}{% block main %}{{ post.nope( }}{% endblock %}",
    )
    result = feedsite(built, "build")
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("templates/entry.html:1: template error"), result.stderr
    assert tree(built / "site") == before


def test_a_bug_is_one_line_not_a_traceback(
    built: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No bug is known to reach here; should one, the user gets one line and status 70, and the site
    is untouched. (The bug is planted: there is no real one to trigger.)"""
    import feedsite.cli
    from feedsite.cli import main

    def planted(*args: object) -> None:
        raise KeyError("planted")

    before = tree(built / "site")
    monkeypatch.setattr(feedsite.cli, "run_build", planted)
    assert main(["-C", str(built), "build"]) == 70
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: KeyError: 'planted'" in err, err
    assert tree(built / "site") == before
    monkeypatch.setenv("FEEDSITE_DEBUG", "1")
    with pytest.raises(KeyError):
        main(["-C", str(built), "build"])
