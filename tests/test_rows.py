"""The cache's entry rows give back exactly the entry they were made of, whatever it holds."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsite.config import SiteConfig
from feedsite.content import Entry, parse_entry
from feedsite.rows import MARSHALLED, PICKLED, entry_from_row, entry_row

texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=20)
# Local times in zones with DST gaps and folds, and midnights that do not exist in some of them.
zones = st.sampled_from(["Europe/Rome", "America/Santiago", "Asia/Beirut", "Australia/Lord_Howe", "UTC"])
instants = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1))


def _entry(zone: str, meta: dict[str, object]) -> Entry:
    config = SiteConfig(root=Path("."), title="T", base_url="https://t.example/", timezone=zone)
    front = yaml.safe_dump(meta, allow_unicode=True)
    return parse_entry(config, "content/e.md", f"---\n{front}---\nBody *text*.\n".encode())


def _same(entry: Entry) -> bytes:
    row = entry_row(entry)
    back = entry_from_row(row)
    assert back == entry.without_body()
    for name in ("date", "updated"):  # equal and alike: same zone object, same fold, same offset
        ours, theirs = getattr(back, name), getattr(entry, name)
        if theirs is not None:
            assert (ours.tzinfo, ours.fold) == (theirs.tzinfo, theirs.fold)
            assert ours.utcoffset() == theirs.utcoffset()
    return row


@settings(max_examples=200, deadline=None)
@given(
    zone=zones,
    when=st.one_of(instants, st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 1, 1))),
    fold=st.integers(0, 1),
    title=texts,
    tags=st.lists(texts, max_size=3),
    authors=st.lists(st.one_of(texts, st.fixed_dictionaries({"name": texts, "uri": texts})), max_size=2),
    extra=st.dictionaries(
        st.sampled_from(["x_note", "x_count", "x_flags"]),
        st.one_of(texts, st.integers(), st.lists(st.booleans())),
    ),
)
def test_any_entry_comes_back_the_same(zone, when, fold, title, tags, authors, extra) -> None:  # type: ignore[no-untyped-def]
    if isinstance(when, datetime):
        when = when.replace(fold=fold, tzinfo=ZoneInfo(zone))
    meta = {"title": title, "date": when, "tags": tags, "authors": authors, "source": {"name": title}}
    meta.update(extra)
    try:
        entry = _entry(zone, meta)
    except Exception:  # text the parser refuses (blank after cleaning): nothing to store
        return
    assert _same(entry)[:1] == MARSHALLED


def test_entries_with_dates_in_extra_front_matter_are_pickled() -> None:
    moment = datetime(2024, 10, 27, 2, 30, tzinfo=ZoneInfo("Europe/Rome"), fold=1)
    later = moment + timedelta(hours=5)
    meta = {"title": "T", "date": moment, "updated": later, "x_when": date(2024, 1, 2)}
    entry = _entry("Europe/Rome", meta)
    assert _same(entry)[:1] == PICKLED


@pytest.mark.parametrize("row", [b"", b"m", b"m\x00garbage", b"p\x80\x05K\x01.", b"xyz"])
def test_unreadable_rows_raise(row: bytes) -> None:
    with pytest.raises(Exception):  # noqa: B017 - any error: the cache takes it as a miss
        entry_from_row(row)
