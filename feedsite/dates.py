"""The one date parser: front matter, `--date` on the command line and every importer go through it.

    parse_date(value, tz) -> datetime     aware, in `tz`; or DateError (a ValueError), never anything else

What it reads:
- ISO 8601 text, as datetime.fromisoformat reads it: "2024-11-08", "2024-11-08T09:00",
  "2024-11-08T09:00:00+01:00", "2024-11-08T08:00:00Z" (a lower-case "z" too), "2024-11-08 09:00";
- RFC 822/2822 text, as feeds and e-mail write it: "Fri, 08 Nov 2024 09:00:00 +0100";
- datetime and date objects (what a YAML reader with timestamps would give);
- time.struct_time, taken as UTC (what feedparser's *_parsed fields hold).

A bare date is midnight in `tz`; a time without an offset is in `tz`; a time with an offset is
converted to `tz`. Microseconds are kept. The result always lies between 0001-01-02 and 9999-12-30
UTC, so it can be converted to any time zone (UTC included) without an OverflowError.

DateError messages never start with a field name, so a caller writes "date: " + message:

    'next Tuesday' is not an ISO 8601 date such as 2024-11-08T09:00:00+01:00
    '2024-02-30' is not a real date: day is out of range for month
    '2024-11-08T09:00+25:00' is not a real date: the UTC offset must be between -23:59 and +23:59
    '0001-01-01T00:00:00+14:00' is out of range: a date must fall between 0001-01-02 and 9999-12-30 UTC
    true is not a date such as 2024-11-08 or 2024-11-08T09:00:00+01:00
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, tzinfo

__all__ = ["EXAMPLE", "DateError", "parse_date"]

EXAMPLE = "2024-11-08T09:00:00+01:00"
_EXAMPLES = f"2024-11-08 or {EXAMPLE}"
# One day inside datetime's own range: converting to any offset (all are under 24 h) stays inside it.
LOWEST = datetime(1, 1, 2, tzinfo=UTC)
HIGHEST = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)
_MAX_SHOWN = 60  # characters of the offending text quoted in a message

# RFC 822/2822 date-times: [Day,] DD Mon YYYY HH:MM[:SS] [zone]. Anything looser is not a date.
_RFC822 = re.compile(
    r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+(?P<year>\d{2}|\d{4})\s+"
    r"\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:[+-]\d{4}|[A-Za-z]{1,5}))?"
)
_OFFSET_MESSAGE = "offset must be a timedelta"


class DateError(ValueError):
    """A value that is not a date, not a real one, or out of range. The message is one line."""


def parse_date(value: object, tz: tzinfo) -> datetime:
    """`value` as an aware datetime in `tz` (a zoneinfo.ZoneInfo; any tzinfo works).

    Raises DateError, and nothing else, for any value that is not a date this module reads.
    """
    if isinstance(value, str):
        parsed = _parse_text(value)
        shown = _shown(value)
    elif isinstance(value, datetime):
        parsed, shown = value, value.isoformat()
    elif isinstance(value, date):
        parsed, shown = datetime(value.year, value.month, value.day), value.isoformat()
    elif isinstance(value, time.struct_time):
        parsed = _from_struct_time(value)
        shown = parsed.isoformat()
    else:
        raise DateError(_not_a_date(value))
    return _in_zone(parsed, tz, shown)


def is_day(value: object) -> bool:
    """Whether `value` names a day and no time of day, which parse_date reads as its midnight."""
    if isinstance(value, str):
        try:
            date.fromisoformat(value.strip())
        except ValueError:
            return False
        return True
    return isinstance(value, date) and not isinstance(value, datetime)


def _shown(text: str) -> str:
    text = text.strip()
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 1] + "…"
    return repr(text)


def _not_a_date(value: object) -> str:
    if value is None:
        return f"is empty: write a date such as {_EXAMPLES}"
    if isinstance(value, bool):
        return f"{str(value).lower()} is not a date such as {_EXAMPLES}"
    if isinstance(value, int | float):
        return f"{value!r} is a number, not a date such as {_EXAMPLES} (write the date as text)"
    kind = "a list" if isinstance(value, list | tuple) else type(value).__name__
    kind = "a mapping" if isinstance(value, dict) else kind
    return f"must be a date such as {_EXAMPLES}, not {kind}"


def _parse_text(value: str) -> datetime:
    text = value.strip()
    if not text:
        raise DateError(f"is empty: write a date such as {_EXAMPLES}")
    iso = text[:-1] + "Z" if text.endswith("z") else text
    try:
        return datetime.fromisoformat(iso)
    except ValueError as exc:
        reason = str(exc)
    except (TypeError, OverflowError):  # not seen, but never let one through
        reason = "Invalid isoformat string"
    if not reason.startswith("Invalid isoformat string"):  # of the right shape, but no such date
        raise DateError(_impossible(value, reason)) from None
    match = _RFC822.fullmatch(text)
    if match is None:
        raise DateError(f"{_shown(value)} is not an ISO 8601 date such as {EXAMPLE}") from None
    from email.utils import parsedate_to_datetime  # only feeds and mail write these

    try:
        parsed = parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError, OverflowError) as exc:
        raise DateError(_impossible(value, str(exc))) from None
    year = match.group("year")
    if len(year) == 4 and int(year) != parsed.year:  # "0001" read as 2001: no, out of range
        raise DateError(_out_of_range(_shown(value)))
    return parsed


def _impossible(value: str, reason: str) -> str:
    if reason.startswith(_OFFSET_MESSAGE):
        reason = "the UTC offset must be between -23:59 and +23:59"
    elif "out of range" in reason and "year" in reason:
        return _out_of_range(_shown(value))
    return f"{_shown(value)} is not a real date: {reason}"


def _out_of_range(shown: str) -> str:
    return f"{shown} is out of range: a date must fall between 0001-01-02 and 9999-12-30 UTC"


def _from_struct_time(value: time.struct_time) -> datetime:
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (ValueError, TypeError, OverflowError) as exc:
        shown = "(" + ", ".join(str(n) for n in value[:6]) + ")"
        raise DateError(f"{shown} is not a real date: {exc}") from None


def _in_zone(value: datetime, tz: tzinfo, shown: str) -> datetime:
    """value in tz (a naive value is taken as tz's time), within LOWEST..HIGHEST."""
    try:
        aware = value.replace(tzinfo=tz) if value.utcoffset() is None else value
        if not LOWEST <= aware.astimezone(UTC) <= HIGHEST:
            raise OverflowError
        result = aware.astimezone(tz)
        result.astimezone(UTC)  # a tz whose own offsets are odd must not overflow later either
    except (OverflowError, ValueError):
        raise DateError(_out_of_range(shown)) from None
    if result.utcoffset() is None:  # a tzinfo that gives no offset: not a usable zone
        raise DateError(f"{shown}: the time zone {tz!r} gives no UTC offset")
    return result
