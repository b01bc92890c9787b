"""import → build → feedparser sees the seed's title, summary and paragraphs."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from test_import_support import FIXTURES, SEED, make_project, run


@pytest.mark.parametrize("feed", ["feed.xml", "atom.xml"])
def test_imported_seed_reaches_the_feeds(tmp_path: Path, feed: str) -> None:
    from feedsite.build import build

    config = make_project(tmp_path)
    shutil.copyfile(SEED, config.path("seeds") / SEED.name)
    assert run(config, date=datetime(2024, 11, 7, tzinfo=ZoneInfo("Europe/Rome"))).status == 0
    build(config)
    parsed = feedparser.parse((config.path("output") / feed).read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    (entry,) = parsed.entries
    lines = SEED.read_text(encoding="utf-8").splitlines()
    assert entry.title == lines[0]
    html = entry.content[0].value if "content" in entry else entry.summary
    inline = re.sub(r"</?(em|strong|a)\b[^>]*>", "", html)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inline))
    for paragraph in lines[3:-1]:  # body paragraphs and headings, word for word
        plain = paragraph.replace("*", "")
        assert " ".join(plain.split()) in text.replace("&quot;", '"').replace("&#x27;", "'")
    assert lines[1] in {entry.get("summary", ""), *(re.sub(r"<[^>]+>", "", entry.get("summary", "")),)}


def test_every_fixture_kind_builds(tmp_path: Path) -> None:
    from feedsite.build import build

    config = make_project(tmp_path)
    for fixture in [SEED, *sorted(FIXTURES.iterdir())]:
        shutil.copyfile(fixture, config.path("seeds") / fixture.name)
    assert run(config, date=datetime(2024, 11, 7, tzinfo=ZoneInfo("Europe/Rome"))).status == 0
    build(config)
    atom = (config.path("output") / "atom.xml").read_bytes()
    parsed = feedparser.parse(atom)
    assert not parsed.bozo, parsed.bozo_exception
    assert {e.title for e in parsed.entries} == {
        'Trump and Putin: First phone call on Ukrainian conflict: "Call to avoid new escalations"',
        "Harbour reopens after storm",
        "Rail strike ends after deal",
        "Museum opens new wing",
        "Nouveau pont inauguré",
        "Solarpark eröffnet",
        "Kurzmeldung",
    }
    for marker in (b"javascript:", b"&lt;script", b"onclick", b"RSS-SCRIPT", b"RSS-IFRAME", b"ADVERT"):
        assert marker not in atom
