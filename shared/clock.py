"""One injectable clock for every service.

Domain code never calls ``datetime.now()``: handlers read ``clock.now()`` and
pass the instant in. ``TestClock`` is what ``CROSSSELL_TEST_CLOCK=1`` wires up,
so ``POST /v1/admin/clock`` can move time and deadlines can be driven in tests.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class TestClock:
    """Real time until ``set`` is called; then frozen at the instant given."""

    __test__ = False  # not a pytest test class

    def __init__(self, start: datetime | None = None) -> None:
        self._frozen: datetime | None = None
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        return self._frozen if self._frozen is not None else datetime.now(UTC)

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware instant")
        self._frozen = instant.astimezone(UTC)

    def reset(self) -> None:
        self._frozen = None


def build_clock(test_clock: bool) -> SystemClock | TestClock:
    return TestClock() if test_clock else SystemClock()
