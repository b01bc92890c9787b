"""feedsite.dates: the one date parser. What it reads, what it refuses (always with DateError and a
one-line message), and, for any text or any datetime, nothing but an aware datetime or DateError."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsite.dates import DateError, parse_date

ROME = ZoneInfo("Europe/Rome")
ZONES = [
    ROME,
    ZoneInfo("UTC"),
    ZoneInfo("Pacific/Kiritimati"),
    ZoneInfo("Etc/GMT+12"),
    ZoneInfo("America/St_Johns"),
]
EXTREME = [timezone(timedelta(hours=23, minutes=59)), timezone(-timedelta(hours=23, minutes=59)), UTC]

READ = [
    ("2024-11-08", datetime(2024, 11, 8, tzinfo=ROME)),
    ("  2024-11-08T09:30  ", datetime(2024, 11, 8, 9, 30, tzinfo=ROME)),
    ("2024-11-08 09:30:15", datetime(2024, 11, 8, 9, 30, 15, tzinfo=ROME)),
    ("2024-11-08T09:00:00+01:00", datetime(2024, 11, 8, 9, tzinfo=ROME)),
    ("2024-11-08T08:00:00Z", datetime(2024, 11, 8, 9, tzinfo=ROME)),
    ("2024-11-08T08:00:00z", datetime(2024, 11, 8, 9, tzinfo=ROME)),
    ("2024-11-08T03:00:00-05:00", datetime(2024, 11, 8, 9, tzinfo=ROME)),
    ("2024-07-01T09:00:00.250000+02:00", datetime(2024, 7, 1, 9, 0, 0, 250000, tzinfo=ROME)),
    ("Fri, 08 Nov 2024 08:00:00 GMT", datetime(2024, 11, 8, 9, tzinfo=ROME)),
    ("8 Nov 2024 09:00 +0100", datetime(2024, 11, 8, 9, tzinfo=ROME)),
    (date(2024, 11, 8), datetime(2024, 11, 8, tzinfo=ROME)),
    (datetime(2024, 11, 8, 9), datetime(2024, 11, 8, 9, tzinfo=ROME)),
    (datetime(2024, 11, 8, 8, tzinfo=UTC), datetime(2024, 11, 8, 9, tzinfo=ROME)),
    (time.struct_time((2024, 11, 8, 8, 0, 0, 4, 313, 0)), datetime(2024, 11, 8, 9, tzinfo=ROME)),
]


@pytest.mark.parametrize(("value", "expected"), READ, ids=[repr(v) for v, _ in READ])
def test_reads(value: object, expected: datetime) -> None:
    parsed = parse_date(value, ROME)
    assert parsed == expected and parsed.tzinfo is ROME
    assert parsed.utcoffset() == expected.utcoffset()  # the same wall time, not only the same instant


REFUSED = [
    ("2024-13-45", "'2024-13-45' is not a real date: month must be in 1..12"),
    ("2024-02-30", "'2024-02-30' is not a real date: day is out of range for month"),
    ("2024-11-08T25:00", "'2024-11-08T25:00' is not a real date: hour must be in 0..23"),
    ("2024-11-08T09:00+25:00", "is not a real date: the UTC offset must be between -23:59 and +23:59"),
    ("0001-01-01T00:00:00+14:00", "'0001-01-01T00:00:00+14:00' is out of range: a date must fall between"),
    ("9999-12-31T23:59:59-12:00", "'9999-12-31T23:59:59-12:00' is out of range"),
    ("0001-01-01", "is out of range"),  # midnight in Rome is still 0000-12-31 in UTC
    ("30 Feb 2024 09:00 GMT", "is not a real date: day is out of range for month"),
    ("08 Nov 0001 00:00 +0000", "is out of range"),  # not read as 2001
    ("next Tuesday", "'next Tuesday' is not an ISO 8601 date such as 2024-11-08T09:00:00+01:00"),
    ("Nov 8 2024", "is not an ISO 8601 date"),
    ("x" * 500, "'" + "x" * 59 + "…' is not an ISO 8601 date"),  # a long value is cut in the message
    ("", "is empty: write a date such as 2024-11-08 or 2024-11-08T09:00:00+01:00"),
    ("   ", "is empty"),
    (None, "is empty"),
    (True, "true is not a date such as 2024-11-08"),
    (False, "false is not a date"),
    (20241108, "20241108 is a number, not a date"),
    (2024.5, "2024.5 is a number, not a date"),
    ([2024, 11, 8], "must be a date such as 2024-11-08 or 2024-11-08T09:00:00+01:00, not a list"),
    ({"year": 2024}, "not a mapping"),
    (b"2024-11-08", "not bytes"),
    (datetime.max, "is out of range"),
    (datetime(1, 1, 1, tzinfo=UTC), "is out of range"),
    (time.struct_time((2024, 11, 8, 8, 0, 61, 4, 313, 0)), "is not a real date: second must be in 0..59"),
]


@pytest.mark.parametrize(("value", "message"), REFUSED, ids=[repr(v)[:30] for v, _ in REFUSED])
def test_refuses_with_one_line(value: object, message: str) -> None:
    with pytest.raises(DateError) as caught:
        parse_date(value, ROME)
    text = str(caught.value)
    assert message in text and "\n" not in text
    assert not text.startswith("date")  # callers put the field name in front
    assert isinstance(caught.value, ValueError)


def check(value: object, tz: ZoneInfo) -> None:
    """parse_date(value, tz) is an aware datetime in tz that converts anywhere, or DateError."""
    try:
        parsed = parse_date(value, tz)
    except DateError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(parsed, datetime) and parsed.tzinfo is tz and parsed.utcoffset() is not None
    for zone in EXTREME:
        parsed.astimezone(zone)  # never an OverflowError later, in any time zone


ISO_SHAPED = st.from_regex(
    r"\d{4}-\d\d-\d\d([T ]\d\d(:\d\d(:\d\d(\.\d{1,6})?)?)?)?(Z|[+-]\d\d:?\d\d)?", fullmatch=True
)
RFC_SHAPED = st.from_regex(
    r"(\w{3}, )?\d{1,2} \w{3} \d{2,4} \d\d:\d\d(:\d\d)?( [+-]\d{4}| \w{1,5})?", fullmatch=True
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), ISO_SHAPED, RFC_SHAPED), st.sampled_from(ZONES))
def test_any_text_is_a_date_in_tz_or_date_error(text: str, tz: ZoneInfo) -> None:
    check(text, tz)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.datetimes(timezones=st.none() | st.timezones()),
        st.datetimes(timezones=st.sampled_from(EXTREME)),
        st.dates(),
    ),
    st.sampled_from(ZONES),
)
def test_any_datetime_is_a_date_in_tz_or_date_error(value: date, tz: ZoneInfo) -> None:
    check(value, tz)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.lists(st.integers())),
    st.sampled_from(ZONES),
)
def test_other_values_are_date_errors(value: object, tz: ZoneInfo) -> None:
    with pytest.raises(DateError):
        parse_date(value, tz)


def test_is_day_tells_a_day_alone_from_a_time_of_day() -> None:
    from feedsite.dates import is_day

    assert is_day("2024-11-10") and is_day(" 20241110 ") and is_day(date(2024, 11, 10))
    assert not is_day("2024-11-10T00:00") and not is_day("Sun, 10 Nov 2024 00:00:00 +0100")
    assert not is_day(datetime(2024, 11, 10)) and not is_day(None) and not is_day("10 Nov")
