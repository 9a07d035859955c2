"""The ordered drain of ``crosssell up`` on Ctrl-C / SIGTERM (SPEC section 3).

The embedded broker keeps nothing across a restart, so before it stops the
system finishes what it holds: the supervisor tells signal_ingest to stop
accepting (SIGUSR1: the edge answers 503 + ``Retry-After``), then waits, with a
progress line a second, until

* no journal or outbox row is unsent (``sent_at IS NULL``), and
* every consumer group has committed up to the end of its topics,

seen twice in a row with nothing published in between (the topics' end
offsets did not move), bounded by ``timeout_s``. Only a completed drain is
recorded (``broker_epoch.drained_at`` in each schema): after a crash the
services re-publish what was sent after it, so it must never claim more
than was consumed. It records the database time taken just before the first
of the two confirming looks, earlier than any message that was not yet
consumed could have been marked sent.

A drain that timed out (or was skipped by a second Ctrl-C) loses nothing:
the unsent rows stay in the journal and outboxes, and what was sent but not
consumed is re-published by the next start (it is after the last recorded
drain).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from crosssell.backlog import SCHEMAS, Lag, consumer_lag, run_async, unsent_at
from services.signal_ingest.ingest.draining import DRAIN_SIGNAL

DEFAULT_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Observation:
    at: datetime | None = None  # the database's clock, read before counting
    unsent: dict[str, int] = field(default_factory=dict)  # "<schema>.<table>" -> rows
    lag: Lag | None = None
    error: str | None = None

    @property
    def empty(self) -> bool:
        return (
            self.error is None
            and self.lag is not None
            and not any(self.unsent.values())
            and self.lag.total == 0
        )


def drained(previous: Observation | None, current: Observation) -> bool:
    """Two empty looks in a row and nothing published between them."""
    return (
        previous is not None
        and previous.empty
        and current.empty
        and previous.lag is not None
        and current.lag is not None
        and previous.lag.end_offsets == current.lag.end_offsets
    )


@dataclass
class DrainOutcome:
    completed: bool = False
    skipped: bool = False
    reason: str = ""  # why it did not complete
    seconds: float = 0.0
    last: Observation | None = None
    recorded: list[str] = field(default_factory=list)  # schemas whose drained_at was set


def unsent_by_schema(unsent: dict[str, int]) -> dict[str, int]:
    out = dict.fromkeys(SCHEMAS, 0)
    for name, rows in unsent.items():
        schema = name.split(".", 1)[0]
        out[schema] = out.get(schema, 0) + rows
    return out


def progress_line(look: Observation, elapsed_s: float, timeout_s: float) -> str:
    if look.error is not None:
        state = f"cannot look: {look.error}"
    else:
        per_schema = ", ".join(f"{s} {n:,}" for s, n in unsent_by_schema(look.unsent).items())
        lag = f"{look.lag.total:,}" if look.lag is not None else "?"
        state = f"unsent {per_schema}; consumer lag {lag}"
    return (
        f"draining {elapsed_s:.0f}s of {timeout_s:.0f}s: {state} "
        "(Ctrl-C again to stop without waiting)"
    )


def left_over(look: Observation | None) -> str:
    """What a drain that did not complete leaves behind, in words."""
    if look is None or look.error is not None:
        return "unknown (the last look failed)"
    parts = [f"{name} {rows:,} unsent" for name, rows in look.unsent.items() if rows]
    if look.lag is not None:
        parts += [f"{group} {lag:,} behind" for group, lag in look.lag.by_group.items() if lag]
    return ", ".join(parts) or "nothing (the last look was empty but not yet confirmed)"


async def observe(database_url: str, bootstrap: str, prefix: str = "") -> Observation:
    try:
        at, counts = await unsent_at(database_url)
        lag = await consumer_lag(bootstrap, prefix)
    except Exception as exc:  # the database or the broker away: say so, look again
        return Observation(error=f"{type(exc).__name__}: {str(exc)[:120]}")
    return Observation(at=at, unsent=counts, lag=lag)


async def record_drain(database_url: str, at: datetime) -> list[str]:
    """Set ``broker_epoch.drained_at`` in each schema that has the table."""
    conn = await asyncpg.connect(database_url, timeout=5)
    recorded: list[str] = []
    try:
        for schema in SCHEMAS:
            if await conn.fetchval("SELECT to_regclass($1)", f'"{schema}".broker_epoch') is None:
                continue
            await conn.execute(
                f'UPDATE "{schema}".broker_epoch SET drained_at = $1 WHERE id = 1',  # noqa: S608
                at,
            )
            recorded.append(schema)
    finally:
        await conn.close()
    return recorded


class Drain:
    def __init__(
        self,
        database_url: str,
        bootstrap: str,
        *,
        prefix: str = "",
        timeout_s: float = DEFAULT_TIMEOUT_S,
        interval_s: float = 1.0,
        say: Callable[[str], None] = lambda _line: None,
        look: Callable[[], Observation] | None = None,
        record: Callable[[datetime], list[str]] | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self.interval_s = interval_s
        self.say = say
        # how to look and how to record (the database and the broker by default)
        self.look = look or (lambda: run_async(observe(database_url, bootstrap, prefix)))
        self.record = record or (lambda at: run_async(record_drain(database_url, at)))

    def run(
        self,
        *,
        skip: Callable[[], bool] = lambda: False,
        trouble: Callable[[], str | None] = lambda: None,
    ) -> DrainOutcome:
        """Wait until drained, ``timeout_s`` passed, ``skip()`` or ``trouble()``
        (a reason it cannot complete, e.g. a service exited); record if drained."""
        started = time.monotonic()
        outcome = DrainOutcome()
        previous: Observation | None = None
        while True:
            elapsed = time.monotonic() - started
            if skip():
                outcome.skipped, outcome.reason = True, "a second Ctrl-C: not waiting"
                break
            problem = trouble()
            if problem:
                outcome.reason = problem
                break
            look = self.look()
            outcome.last = look
            self.say(progress_line(look, time.monotonic() - started, self.timeout_s))
            if drained(previous, look):
                assert previous is not None and previous.at is not None
                outcome.completed = True
                outcome.recorded = self.record(previous.at)
                break
            previous = look
            if elapsed >= self.timeout_s:
                outcome.reason = f"timed out after {self.timeout_s:.0f}s"
                break
            next_look = started + elapsed + self.interval_s
            while time.monotonic() < next_look and not skip():
                time.sleep(0.05)
        outcome.seconds = time.monotonic() - started
        return outcome


def summary(outcome: DrainOutcome) -> str:
    """The last word of a drain, for the person who pressed Ctrl-C."""
    if outcome.completed:
        where = ", ".join(outcome.recorded) or "nowhere: no broker_epoch table"
        return f"drained in {outcome.seconds:.1f}s (recorded in {where})"
    return (
        f"[yellow]drain not completed ({outcome.reason}); left: {left_over(outcome.last)}. "
        "Not lost: the ingest journal and the outboxes keep it, and the next "
        "`crosssell up` publishes again what was not known to be consumed.[/]"
    )


def stop_accepting_and_drain(
    ingest: subprocess.Popen[bytes],
    database_url: str,
    bootstrap: str,
    *,
    prefix: str,
    timeout_s: float,
    skip: Callable[[], bool],
    trouble: Callable[[], str | None],
    say: Callable[[str], None],
) -> DrainOutcome:
    """What ``crosssell up`` does on Ctrl-C before it stops anything: signal_ingest
    (``ingest``) stops accepting, then the drain, then its summary."""
    ingest.send_signal(DRAIN_SIGNAL)
    say(f"stopping: signal_ingest refuses new events (503); draining (up to {timeout_s:.0f}s) ...")
    drain = Drain(database_url, bootstrap, prefix=prefix, timeout_s=timeout_s, say=say)
    outcome = drain.run(skip=skip, trouble=trouble)
    say(summary(outcome))
    return outcome
