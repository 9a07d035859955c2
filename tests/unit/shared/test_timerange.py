"""The supported range of dates and datetimes at the edges (``shared.timerange``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.timerange import EARLIEST, LATEST, UtcDate, UtcDatetime, utc_in_range

AT = TypeAdapter(UtcDatetime)
ON = TypeAdapter(UtcDate)


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59:59-01:00",  # overflows when made UTC
        "0001-01-01T00:00:00+01:00",
        "2200-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "2026-11-02T14:00:00",  # no offset
    ],
)
def test_out_of_range_or_naive_is_a_validation_error(value: str) -> None:
    with pytest.raises(ValidationError):
        AT.validate_python(value)


def test_the_ends_and_the_offset() -> None:
    assert AT.validate_python(EARLIEST.isoformat()) == EARLIEST
    last = LATEST - timedelta(microseconds=1)
    assert AT.validate_python(last.isoformat()) == last
    plus_two = datetime(2026, 11, 2, 16, 0, tzinfo=timezone(timedelta(hours=2)))
    kept = AT.validate_python(plus_two.isoformat())
    assert kept.utcoffset() == timedelta(hours=2)  # the sender's offset is kept
    assert utc_in_range(plus_two) == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def test_dates() -> None:
    assert ON.validate_python("2026-11-02") == date(2026, 11, 2)
    for value in ("9999-12-31", "0001-01-01", "2200-01-01", "1969-12-31"):
        with pytest.raises(ValidationError):
            ON.validate_python(value)
