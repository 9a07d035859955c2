"""The drain's decisions (``crosssell.drain``), with the looks given in order.

The database and broker sides are exercised by tests/integration/test_up_stop.py
and the fault suite; here: when a drain counts as done, what it records, and
what it says when it is not done.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from crosssell.backlog import Lag
from crosssell.drain import (
    Drain,
    DrainOutcome,
    Observation,
    drained,
    left_over,
    progress_line,
    summary,
)

T0 = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
EMPTY = {"signal_ingest.ingest_journal": 0, "signal_ingest.outbox": 0, "crm_sync.outbox": 0}


def look(second: int, *, unsent: int = 0, lag: int = 0, ends: int = 100) -> Observation:
    counts = {**EMPTY, "signal_ingest.ingest_journal": unsent}
    return Observation(
        at=T0 + timedelta(seconds=second),
        unsent=counts,
        lag=Lag({"play_orchestrator.signals": lag, "crm_sync.plays": 0}, ends),
    )


def drain_over(looks: list[Observation], **kw: object) -> tuple[Drain, list[str], list[datetime]]:
    lines: list[str] = []
    recorded: list[datetime] = []
    feed: Iterator[Observation] = iter(looks)

    def record(at: datetime) -> list[str]:
        recorded.append(at)
        return ["signal_ingest", "play_orchestrator", "crm_sync"]

    drain = Drain(
        "postgresql://unused",
        "unused:9092",
        interval_s=0.0,
        say=lines.append,
        look=lambda: next(feed),
        record=record,
        **kw,  # type: ignore[arg-type]
    )
    return drain, lines, recorded


def test_done_only_after_two_empty_looks_with_nothing_published_between() -> None:
    assert not drained(None, look(0))
    assert drained(look(0), look(1))
    assert not drained(look(0, unsent=1), look(1))
    assert not drained(look(0), look(1, lag=3))
    assert not drained(look(0, ends=100), look(1, ends=101))  # published in between
    assert not drained(look(0), Observation(error="ConnectionRefusedError"))


def test_a_completed_drain_records_the_time_of_its_first_confirming_look() -> None:
    looks = [look(0, unsent=40, lag=900), look(1, lag=12), look(2, ends=130), look(3, ends=130)]
    drain, lines, recorded = drain_over(looks)
    outcome = drain.run()
    assert outcome.completed and not outcome.skipped
    assert recorded == [T0 + timedelta(seconds=2)]
    assert outcome.recorded == ["signal_ingest", "play_orchestrator", "crm_sync"]
    assert len(lines) == 4
    assert "signal_ingest 40" in lines[0] and "consumer lag 900" in lines[0]
    assert "Ctrl-C again" in lines[0]


def test_a_drain_that_times_out_records_nothing_and_says_what_is_left() -> None:
    looks = [look(i, unsent=5, lag=7) for i in range(100)]
    drain, lines, recorded = drain_over(looks, timeout_s=0.0)
    outcome = drain.run()
    assert not outcome.completed and recorded == []
    assert outcome.reason.startswith("timed out")
    left = left_over(outcome.last)
    assert "signal_ingest.ingest_journal 5 unsent" in left
    assert "play_orchestrator.signals 7 behind" in left


def test_a_second_ctrl_c_skips_the_wait_and_records_nothing() -> None:
    presses = iter([False, False, True])
    looks = [look(i, unsent=5) for i in range(10)]
    drain, _, recorded = drain_over(looks)
    outcome = drain.run(skip=lambda: next(presses, True))
    assert outcome.skipped and not outcome.completed and recorded == []


def test_a_service_that_exited_ends_the_wait() -> None:
    drain, lines, recorded = drain_over([look(0)] * 5)
    outcome = drain.run(trouble=lambda: "crm_sync is not running")
    assert outcome.reason == "crm_sync is not running" and lines == [] and recorded == []


def test_progress_line_per_schema() -> None:
    line = progress_line(look(0, unsent=1234, lag=5), 3.2, 120)
    assert line.startswith("draining 3s of 120s")
    assert "signal_ingest 1,234" in line and "play_orchestrator 0" in line


def test_the_summary_of_an_incomplete_drain_says_what_is_left_and_that_it_is_not_lost() -> None:
    outcome = DrainOutcome(reason="timed out after 120s", last=look(9, unsent=5, lag=7))
    text = summary(outcome)
    assert "timed out after 120s" in text and "ingest_journal 5 unsent" in text
    assert "Not lost" in text
    done = DrainOutcome(completed=True, seconds=2.24, recorded=["signal_ingest"])
    assert summary(done) == "drained in 2.2s (recorded in signal_ingest)"
