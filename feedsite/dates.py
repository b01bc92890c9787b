"""The one date parser (temporary stand-in; the consolidate branch brings the full one)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo


class DateError(ValueError):
    pass


def parse_date(value: object, tz: ZoneInfo) -> datetime:
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                value = date.fromisoformat(text)
            except ValueError:
                raise DateError(f"{text!r} is not an ISO 8601 date such as 2024-11-08T09:00:00+01:00") from None
    try:
        if isinstance(value, datetime):
            return (value.replace(tzinfo=tz) if value.tzinfo is None else value).astimezone(tz)
        if isinstance(value, date):
            return datetime.combine(value, time(0, 0), tzinfo=tz)
    except (OverflowError, ValueError):
        raise DateError("is out of range") from None
    raise DateError("must be a date such as 2024-11-08 or 2024-11-08T09:00:00+01:00")
