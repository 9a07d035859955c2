"""Usage series stored as compact arrays: the Sample-level API keeps its meaning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.signal_ingest.domain.state import Sample, Series, from_us, to_us

from .builders import T0, day


def _series(*samples: Sample) -> Series:
    series = Series()
    for s in samples:
        series.insert(s)
    return series


def _rows(series: Series) -> list[tuple[datetime, float, float | None, int]]:
    return [(s.at, s.value, s.limit, s.count) for s in series.samples]


def test_epoch_microseconds_are_exact() -> None:
    at = datetime(2026, 11, 2, 14, 0, 0, 250, tzinfo=UTC)
    assert to_us(at) == 1_793_628_000_000_250
    assert from_us(to_us(at)) == at and from_us(to_us(at)).tzinfo is UTC
    assert to_us(datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)) == -1


def test_insert_keeps_time_order_and_same_instant_replaces() -> None:
    series = Series()
    assert series.latest is None and series.samples == []
    assert series.insert(Sample(day(1), 10, 100)) is True
    assert series.insert(Sample(day(3), 30, None)) is True
    assert series.insert(Sample(day(2), 20, 100)) is False  # late: not the newest
    assert series.insert(Sample(day(2), 21, 50)) is False  # replaces, still not the newest
    assert series.insert(Sample(day(3), 31, 100)) is True  # replaces the newest
    assert _rows(series) == [
        (day(1), 10, 100, 1),
        (day(2), 21, 50, 1),
        (day(3), 31, 100, 1),
    ]
    assert series.latest == Sample(day(3), 31, 100)
    assert series.insert(Sample(day(0), 5, None)) is False
    assert series.samples[0] == Sample(day(0), 5, None)  # no limit comes back as None


def test_mean_between_is_count_weighted_and_half_open() -> None:
    series = _series(
        Sample(day(1), 10, None, 3),
        Sample(day(2), 40, None),
        Sample(day(3), 100, None),
    )
    assert series.mean_between(day(0), day(2)) == (10 * 3 + 40) / 4
    assert series.mean_between(day(1), day(3)) == (40 + 100) / 2  # start excluded, end included
    assert series.mean_between(day(3), day(9)) is None
    assert series.mean_between(day(2), day(2)) is None


def test_compact_merges_each_old_utc_day_and_keeps_the_newest() -> None:
    midnight = datetime(2026, 11, 3, tzinfo=UTC)
    series = _series(
        Sample(midnight - timedelta(hours=2), 10, 100),
        Sample(midnight - timedelta(hours=1), 20, 200),
        Sample(midnight + timedelta(hours=1), 30, None),
        Sample(midnight + timedelta(hours=2), 60, None, 2),
        Sample(midnight + timedelta(hours=3), 90, 100),  # not older than raw_from: kept
        Sample(midnight + timedelta(hours=4), 1, 100),
        Sample(midnight + timedelta(hours=5), 2, 100),  # newest: kept as is
    )
    series.compact(midnight + timedelta(hours=3))
    assert _rows(series) == [
        (midnight - timedelta(hours=1), 15, 200, 2),
        (midnight + timedelta(hours=2), 50, None, 3),
        (midnight + timedelta(hours=3), 90, 100, 1),
        (midnight + timedelta(hours=4), 1, 100, 1),
        (midnight + timedelta(hours=5), 2, 100, 1),
    ]
    series.compact(midnight + timedelta(days=9))  # everything old: the newest still stays
    assert _rows(series) == [
        (midnight - timedelta(hours=1), 15, 200, 2),
        (midnight + timedelta(hours=4), (50 * 3 + 90 + 1) / 5, 100, 5),
        (midnight + timedelta(hours=5), 2, 100, 1),
    ]


def test_drop_before_and_keep_last_never_drop_the_newest() -> None:
    series = _series(*(Sample(day(i), i, None) for i in range(5)))
    series.drop_before(day(2))
    assert [s.value for s in series.samples] == [2, 3, 4]
    series.drop_before(day(30))
    assert series.samples == [Sample(day(4), 4, None)]
    series = _series(*(Sample(day(i), i, 100) for i in range(5)))
    series.keep_last(2)
    assert [s.value for s in series.samples] == [3, 4]
    series.keep_last(9)
    assert [s.value for s in series.samples] == [3, 4]
    empty = Series()
    empty.drop_before(T0)
    empty.keep_last(1)
    empty.compact(T0)
    assert empty == Series()


def test_equality_compares_samples_including_missing_limits() -> None:
    a = _series(Sample(day(1), 1, None), Sample(day(2), 2, 100))
    b = _series(Sample(day(2), 2, 100), Sample(day(1), 1, None))
    assert a == b
    b.insert(Sample(day(1), 1, 100))
    assert a != b
    c = _series(Sample(day(1), 1, None), Sample(day(2), 2, 100))
    c.armed = False
    assert a != c
