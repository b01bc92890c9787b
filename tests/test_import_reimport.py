"""Re-import never loses data (issue 13, item 1): what the first import was told is recorded in
`imported:` and applied again; an unchanged source leaves its entry byte-identical; a changed one
updates it in place, or leaves it alone when it was edited by hand."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_import_support import REPO, SEED, entries, make_project, run, split_entry

from feedsite.config import SiteConfig, load_config

ROME = ZoneInfo("Europe/Rome")
DAY = datetime(2024, 11, 8, 9, tzinfo=ROME)
SEED_ENTRY = "2024/11/trump-and-putin-first-phone-call-on-ukrainian-conflict-call-to-avoid-new.md"
OLD_FORMAT = Path(__file__).parent / "fixtures" / "import-old" / Path(SEED_ENTRY).name
DEMO = {"tags": ("Ukraine", "Diplomacy", "US politics"), "date": DAY}


@pytest.fixture
def config(tmp_path: Path) -> SiteConfig:
    config = make_project(tmp_path)
    shutil.copyfile(SEED, config.path("seeds") / SEED.name)
    return config


def entry_file(config: SiteConfig) -> Path:
    return config.path("content") / SEED_ENTRY


def test_options_are_recorded_and_applied_again(config: SiteConfig) -> None:
    assert run(config, author="Desk", lang="en", **DEMO).status == 0  # type: ignore[arg-type]
    front, _ = split_entry(entry_file(config).read_text())
    assert (front["tags"], front["authors"], front["lang"]) == (list(DEMO["tags"]), ["Desk"], "en")  # type: ignore[call-overload]
    assert front["imported"]["options"] == {
        "tags": ["Ukraine", "Diplomacy", "US politics"],
        "author": "Desk",
        "lang": "en",
        "date": DAY,
    }
    before = entries(config)
    again = run(config)  # no options at all, as `serve` re-imports a touched seed
    assert again.lines[0].startswith("unchanged ") and again.status == 0
    assert entries(config) == before


def test_touch_and_same_bytes_leave_the_entry_byte_identical(config: SiteConfig) -> None:
    run(config, **DEMO)  # type: ignore[arg-type]
    before, stamp = entries(config), entry_file(config).stat().st_mtime_ns
    source = config.path("seeds") / SEED.name
    os.utime(source, (1900000000, 1900000000))  # a touch
    assert run(config).lines[0].startswith("unchanged ")
    source.write_bytes(source.read_bytes())  # re-saved, same bytes
    assert run(config).lines[0].startswith("unchanged ")
    assert entries(config) == before and entry_file(config).stat().st_mtime_ns == stamp
    assert "updated:" not in entry_file(config).read_text()


def test_changed_source_keeps_id_date_slug_and_given_tags(config: SiteConfig) -> None:
    run(config, **DEMO)  # type: ignore[arg-type]
    old, _ = split_entry(entry_file(config).read_text())
    source = config.path("seeds") / SEED.name
    source.write_text(source.read_text().replace("Recently,", "Lately,"))
    os.utime(source, (1735700000, 1735700000))  # 2025-01-01 03:53:20 +01:00
    result = run(config)
    assert result.lines[0] == f"updated   content/{SEED_ENTRY}  ← seeds/{SEED.name}"
    new, body = split_entry(entry_file(config).read_text())
    assert list(entries(config)) == [SEED_ENTRY]  # in place: same file, same slug
    assert (new["id"], new["date"], new["tags"]) == (old["id"], old["date"], old["tags"])
    assert new["updated"] == datetime(2025, 1, 1, 3, 53, 20, tzinfo=ROME)
    assert body.lstrip().startswith("Lately, US President-elect")
    assert new["imported"]["options"] == old["imported"]["options"]
    assert run(config).lines[0].startswith("unchanged ")


def test_a_hand_added_tag_is_kept_whatever_the_source_does(config: SiteConfig) -> None:
    run(config, **DEMO)  # type: ignore[arg-type]
    entry = entry_file(config)
    edited = entry.read_text().replace("- US politics\n", "- US politics\n- Russia\n", 1)
    entry.write_text(edited)
    source = config.path("seeds") / SEED.name
    source.write_text(source.read_text().replace("Recently,", "Lately,"))
    result = run(config)
    assert result.lines[0].startswith("kept ") and "edited by hand" in result.lines[0]
    assert entry.read_text() == edited


def test_a_new_tag_on_re_import_is_added_without_an_updated_stamp(config: SiteConfig) -> None:
    run(config, **DEMO)  # type: ignore[arg-type]
    result = run(config, tags=("Russia",), date=datetime(2030, 1, 1, tzinfo=ROME))
    assert result.lines[0].startswith("updated ")
    front, _ = split_entry(entry_file(config).read_text())
    assert front["tags"] == ["Ukraine", "Diplomacy", "US politics", "Russia"]
    assert front["imported"]["options"]["date"] == DAY  # an entry's date, once made, stays
    assert front["date"] == DAY and "updated" not in front
    assert run(config).lines[0].startswith("unchanged ")


def test_an_entry_imported_before_options_were_recorded_keeps_its_tags(config: SiteConfig) -> None:
    """The demo's entry as the previous version wrote it: tags applied, no `options` recorded."""
    entry = entry_file(config)
    entry.parent.mkdir(parents=True)
    shutil.copyfile(OLD_FORMAT, entry)
    old_text = entry.read_text()
    assert "options:" not in old_text and "- Diplomacy" in old_text
    touched = run(config)
    assert touched.lines[0].startswith("unchanged ")
    assert entry.read_text() == old_text  # not even rewritten in the new format
    source = config.path("seeds") / SEED.name
    source.write_text(source.read_text().replace("Recently,", "Lately,"))
    changed = run(config)
    assert changed.lines[0].startswith("updated ")
    front, _ = split_entry(entry.read_text())
    assert front["tags"] == ["Ukraine", "Diplomacy", "US politics"]
    assert front["imported"]["options"] == {"tags": ["Ukraine", "Diplomacy", "US politics"]}
    assert front["source"] == {"name": "La Milano"}


def test_a_fresh_import_gives_the_id_the_previous_version_gave(config: SiteConfig) -> None:
    shutil.copyfile(REPO / "feedsite.toml", config.root / "feedsite.toml")  # the demo's base_url
    config = load_config(config.root)
    run(config, **DEMO)  # type: ignore[arg-type]
    new, _ = split_entry(entry_file(config).read_text())
    old, _ = split_entry(OLD_FORMAT.read_text())
    assert (new["id"], new["date"], new["tags"]) == (old["id"], old["date"], old["tags"])


def test_an_old_entry_re_imported_with_its_first_command_stays_byte_identical(config: SiteConfig) -> None:
    """The README's command run again over the entry the previous version wrote: nothing to do."""
    entry = entry_file(config)
    entry.parent.mkdir(parents=True)
    shutil.copyfile(OLD_FORMAT, entry)
    result = run(config, **DEMO)  # type: ignore[arg-type]
    assert result.lines[0].startswith("unchanged ")
    assert entry.read_bytes() == OLD_FORMAT.read_bytes()
