"""The dates and times the system accepts at its edges: aware, and within a UTC range.

Python's ``datetime`` spans years 1-9999 in its own offset, so
``9999-12-31T23:59:59-01:00`` parses but overflows when converted to UTC, and
PostgreSQL and date arithmetic (``until - 90 days``) fail near either end.
Every date or datetime a client sends (event times, vendor dates, query
parameters, the admin clock) goes through ``utc_in_range`` / ``date_in_range``
first, so an out-of-range value is the client's 4xx naming the field, never a
500. ``UtcDatetime`` and ``UtcDate`` are the pydantic / FastAPI types for it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)  # exclusive
RANGE_TEXT = f"{EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d} (UTC, end excluded)"


def out_of_range(value: object) -> str:
    return f"outside the supported range {RANGE_TEXT}: {str(value)[:40]}"


def utc_in_range(value: datetime) -> datetime:
    """``value`` in UTC; ``ValueError`` when it is naive or outside the range."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("needs a timezone offset")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # the offset pushes it past year 1 or 9999
        raise ValueError(out_of_range(value.isoformat())) from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError(out_of_range(value.isoformat()))
    return utc


def date_in_range(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError(out_of_range(value.isoformat()))
    return value


def _checked(value: datetime) -> datetime:
    utc_in_range(value)
    return value  # the sender's offset kept: the instant is what was checked


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_checked)]
"""An aware datetime within the range (kept in its own offset)."""
UtcDate = Annotated[date, AfterValidator(date_in_range)]
