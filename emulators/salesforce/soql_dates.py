"""SOQL date literals as half-open [start, end) ranges in UTC.

Weeks start on Sunday (the en_US locale of the emulated users); quarters are
calendar quarters (a new org's fiscal year starts in January).
``LAST_N_DAYS:n`` includes today, as in Salesforce; ``LAST_N_MONTHS:n`` does
not include the current month.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from emulators.salesforce.errors import SfError

Range = tuple[date, date]


def _month_start(day: date, shift: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


def _week_start(day: date) -> date:
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _quarter_start(day: date, shift: int = 0) -> date:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return _month_start(first, 3 * shift)


def _year(day: date, shift: int = 0) -> Range:
    return date(day.year + shift, 1, 1), date(day.year + shift + 1, 1, 1)


def _days(lo: int, hi: int) -> Callable[[date, int], Range]:
    return lambda today, _: (today + timedelta(days=lo), today + timedelta(days=hi))


_FIXED: dict[str, Callable[[date, int], Range]] = {
    "TODAY": _days(0, 1),
    "YESTERDAY": _days(-1, 0),
    "TOMORROW": _days(1, 2),
    "LAST_90_DAYS": _days(-90, 1),
    "NEXT_90_DAYS": _days(1, 91),
    "THIS_WEEK": lambda t, _: (_week_start(t), _week_start(t) + timedelta(days=7)),
    "LAST_WEEK": lambda t, _: (_week_start(t) - timedelta(days=7), _week_start(t)),
    "NEXT_WEEK": lambda t, _: (
        _week_start(t) + timedelta(days=7),
        _week_start(t) + timedelta(days=14),
    ),
    "THIS_MONTH": lambda t, _: (_month_start(t), _month_start(t, 1)),
    "LAST_MONTH": lambda t, _: (_month_start(t, -1), _month_start(t)),
    "NEXT_MONTH": lambda t, _: (_month_start(t, 1), _month_start(t, 2)),
    "THIS_QUARTER": lambda t, _: (_quarter_start(t), _quarter_start(t, 1)),
    "LAST_QUARTER": lambda t, _: (_quarter_start(t, -1), _quarter_start(t)),
    "NEXT_QUARTER": lambda t, _: (_quarter_start(t, 1), _quarter_start(t, 2)),
    "THIS_YEAR": lambda t, _: _year(t),
    "LAST_YEAR": lambda t, _: _year(t, -1),
    "NEXT_YEAR": lambda t, _: _year(t, 1),
}
_WITH_N: dict[str, Callable[[date, int], Range]] = {
    "LAST_N_DAYS": lambda t, n: (t - timedelta(days=n), t + timedelta(days=1)),
    "NEXT_N_DAYS": lambda t, n: (t + timedelta(days=1), t + timedelta(days=n + 1)),
    "N_DAYS_AGO": lambda t, n: (t - timedelta(days=n), t - timedelta(days=n - 1)),
    "LAST_N_WEEKS": lambda t, n: (_week_start(t) - timedelta(days=7 * n), _week_start(t)),
    "NEXT_N_WEEKS": lambda t, n: (
        _week_start(t) + timedelta(days=7),
        _week_start(t) + timedelta(days=7 * (n + 1)),
    ),
    "LAST_N_MONTHS": lambda t, n: (_month_start(t, -n), _month_start(t)),
    "NEXT_N_MONTHS": lambda t, n: (_month_start(t, 1), _month_start(t, n + 1)),
    "LAST_N_QUARTERS": lambda t, n: (_quarter_start(t, -n), _quarter_start(t)),
    "NEXT_N_QUARTERS": lambda t, n: (_quarter_start(t, 1), _quarter_start(t, n + 1)),
    "LAST_N_YEARS": lambda t, n: (date(t.year - n, 1, 1), date(t.year, 1, 1)),
    "NEXT_N_YEARS": lambda t, n: (date(t.year + 1, 1, 1), date(t.year + n + 1, 1, 1)),
}
DATE_KEYWORDS = frozenset(_FIXED)


def date_range(literal: str, kind: str, today: date | None = None) -> tuple[str, str]:
    """The literal's range, rendered for a ``date`` or a ``datetime`` field."""
    name, _, count = literal.partition(":")
    today = today or datetime.now(UTC).date()
    span = _WITH_N.get(name) if count else _FIXED.get(name)
    if span is None or (count and not count.isdigit()):
        raise SfError("MALFORMED_QUERY", f"unexpected token: '{literal}'")
    lo, hi = span(today, int(count or 0))

    def render(day: date) -> str:
        return day.isoformat() if kind == "date" else f"{day.isoformat()}T00:00:00.000+0000"

    return render(lo), render(hi)
