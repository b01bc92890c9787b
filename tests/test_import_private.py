"""Nothing private leaks (issue 13, item 5): a source's local path stays in `imported:`, never on a
page or in a feed; `--lang` must be a BCP 47 tag."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_import_support import REPO, entries, make_project, run, split_entry

from feedsite.build import build
from feedsite.errors import FeedsiteError
from feedsite.importers import check_lang

DAY = datetime(2024, 11, 7, tzinfo=ZoneInfo("Europe/Rome"))


def test_a_source_without_a_publisher_shows_no_local_path(tmp_path: Path) -> None:
    config = make_project(tmp_path)
    outside = tmp_path / "private-folder-of-jane"
    outside.mkdir()
    source = outside / "latin1.txt"
    source.write_bytes("Café news\nThe café reopened on Monday, said the owner.\n".encode("latin-1"))
    inside = config.path("seeds") / "notes-of-jane.txt"
    inside.write_text("Port news\nThe port reopened on Tuesday.\n")
    assert run(config, [source, inside], date=DAY).status == 0
    for data in entries(config).values():
        front, _ = split_entry(data.decode())
        assert "source" not in front  # no publisher, no URL: nothing to credit
        assert front["imported"]["source"] in (source.as_posix(), "seeds/notes-of-jane.txt")
    build(config)
    site = config.path("output")
    for page in site.rglob("*"):
        if page.is_file() and page.suffix in (".html", ".xml", ".json"):
            data = page.read_bytes()
            for private in (b"private-folder-of-jane", b"latin1.txt", b"notes-of-jane", b"seeds/"):
                assert private not in data, (page, private)


def test_a_hand_written_source_file_is_not_shown(tmp_path: Path) -> None:
    config = make_project(tmp_path)
    entry = config.path("content") / "2024" / "11" / "mine.md"
    entry.parent.mkdir(parents=True)
    entry.write_text("---\ntitle: Mine\ndate: 2024-11-07\nsource: {file: /home/jane/notes.txt}\n---\nText.\n")
    build(config)
    page = (config.path("output") / "2024" / "11" / "mine" / "index.html").read_text()
    assert "/home/jane" not in page and "Source:" not in page


@pytest.mark.parametrize("tag", ["en", "en-GB", "pt-BR", "zh-Hant-TW", "de-CH-1996", "fr_CA"])
def test_lang_accepts_bcp47_tags(tag: str) -> None:
    assert check_lang(tag) == tag.replace("_", "-")


@pytest.mark.parametrize("tag", ["english", "xx", "en-", "123", "e", "en US"])
def test_lang_refuses_what_is_not_one(tag: str) -> None:
    with pytest.raises(ValueError, match="is not a BCP 47 language tag"):
        check_lang(tag)


def test_a_bad_lang_is_one_line_and_exit_2_and_nothing_written(tmp_path: Path) -> None:
    config = make_project(tmp_path)
    (config.path("seeds") / "a.txt").write_text("Title\nBody.\n")
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "feedsite", "-C", str(config.root), "import", "--lang", "English"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "feedsite import: --lang: 'English' is not a BCP 47 language tag (such as en, en-GB, pt-BR, zh-Hant)"
    ]
    assert not config.path("content").exists()
    with pytest.raises(FeedsiteError, match="--lang: 'English' is not"):
        run(config, lang="English")  # the same check for callers of run_import


@pytest.mark.parametrize(
    ("attribute", "lang"), [("fr-CA", "fr-CA"), ("zh-Hant-TW", "zh-Hant-TW"), ("english", None)]
)
def test_an_html_pages_language_is_used_when_it_is_a_bcp47_tag(
    tmp_path: Path, attribute: str, lang: str | None
) -> None:
    config = make_project(tmp_path)
    page = f'<html lang="{attribute}"><head><title>Port news</title></head><body><article><h1>Port news</h1>'
    page += "<p>The port reopened on Tuesday after a week of storms, the harbour master said.</p>"
    page += "</article></body></html>"
    (config.path("seeds") / "page.html").write_text(page)
    assert run(config, date=DAY).status == 0
    (data,) = entries(config).values()
    assert split_entry(data.decode())[0].get("lang") == lang
