"""The deadline sweeper on the real PostgreSQL: exactly once under concurrency and
cancellation, and the timers table against the domain."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter

from services.play_orchestrator import handlers
from services.play_orchestrator.domain import PlayState
from services.play_orchestrator.sweeper import DeadlineSweeper
from shared.clock import TestClock
from tests.integration.play_orchestrator.conftest import PLAYS_TOPIC, PlaysDb
from tests.unit.play_orchestrator_service.builders import DAY, HOUR, T0, signal

_ids = itertools.count(1)


async def open_plays(db: PlaysDb, count: int, prefix: str = "acc") -> list[str]:
    policy = handlers.OpeningPolicy(new_id=lambda: f"play-{prefix}-{next(_ids):05d}")
    received = [handlers.SignalReceived(signal(f"{prefix}-{i:04d}"), T0) for i in range(count)]

    async def work(uow):  # type: ignore[no-untyped-def]
        return await handlers.on_signals(uow, received, T0 + HOUR, policy)

    return [p.id for p in await db.tx(work)]


async def fired_events(db: PlaysDb) -> Counter[tuple[str, str]]:
    """(play id, event type) of every timer event in the outbox."""
    timer_events = {"ReviewDue", "PlayAtRisk", "PlayExpired", "SponsorOverdue"}
    return Counter(
        (e["payload"]["play"]["play_id"], e["type"])
        for e in await db.outbox()
        if e["type"] in timer_events
    )


async def test_two_sweepers_fire_200_due_timers_each_exactly_once(plays_db: PlaysDb) -> None:
    play_ids = await open_plays(plays_db, 100)
    # day 7 + 2h: review_day7 and meeting_due are due for each play -> 200 timers
    clock = TestClock(T0 + 7 * DAY + 2 * HOUR)
    sweepers = [
        DeadlineSweeper(plays_db.sessions, clock, PLAYS_TOPIC, interval_s=0.02, batch=15)
        for _ in range(2)
    ]
    tasks = [asyncio.create_task(s.run()) for s in sweepers]

    async def unfired_due() -> int:
        return await plays_db.scalar(
            "SELECT count(*) FROM timers WHERE fired_at IS NULL AND due_at <= :now",
            now=clock.now(),
        )

    for _ in range(200):
        if await unfired_due() == 0:
            break
        await asyncio.sleep(0.05)
    for sweeper in sweepers:
        sweeper.stop()
    await asyncio.gather(*tasks)

    assert await unfired_due() == 0
    assert sum(s.fired for s in sweepers) == 200
    assert all(s.fired > 0 for s in sweepers), [s.fired for s in sweepers]
    events = await fired_events(plays_db)
    assert set(events.values()) == {1}
    assert set(events) == {(p, t) for p in play_ids for t in ("ReviewDue", "PlayAtRisk")}
    assert await plays_db.scalar("SELECT count(*) FROM reviews") == 100
    assert await plays_db.scalar("SELECT count(*) FROM timers WHERE fired_at IS NOT NULL") == 200
    envelope_ids = [e["id"] for e in await plays_db.outbox()]
    assert len(envelope_ids) == len(set(envelope_ids))


async def test_a_sweep_cancelled_mid_transaction_fires_nothing_twice(plays_db: PlaysDb) -> None:
    play_ids = await open_plays(plays_db, 30, prefix="cx")
    clock = TestClock(T0 + 7 * DAY + 2 * HOUR)
    inside = asyncio.Event()

    async def hang() -> None:  # the sweep has fired and saved, but not committed
        inside.set()
        await asyncio.sleep(3600)

    doomed = DeadlineSweeper(plays_db.sessions, clock, PLAYS_TOPIC, batch=25, before_commit=hang)
    task = asyncio.create_task(doomed.run())
    await asyncio.wait_for(inside.wait(), 10)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    assert await fired_events(plays_db) == Counter()  # rolled back

    restarted = DeadlineSweeper(plays_db.sessions, clock, PLAYS_TOPIC, batch=25)
    while await restarted.sweep_once():
        pass
    assert restarted.fired == 60
    events = await fired_events(plays_db)
    assert set(events.values()) == {1} and len(events) == 60
    assert {p for p, _ in events} == set(play_ids)
    await restarted.sweep_once()
    assert restarted.fired == 60


async def test_the_deadline_expires_a_play_and_timers_follow_the_domain(plays_db: PlaysDb) -> None:
    [play_id] = await open_plays(plays_db, 1, prefix="dl")
    clock = TestClock(T0 + 14 * DAY - HOUR)
    sweeper = DeadlineSweeper(plays_db.sessions, clock, PLAYS_TOPIC)
    await sweeper.sweep_once()
    kinds = await plays_db.scalar(
        "SELECT string_agg(kind, ',' ORDER BY kind) FROM timers WHERE fired_at IS NULL"
    )
    assert kinds == "review_day14,window_deadline"
    clock.set(T0 + 14 * DAY)
    await sweeper.sweep_once()
    plays = await plays_db.tx(lambda uow: uow.plays.get_many([play_id]))
    assert plays[play_id].state is PlayState.EXPIRED
    assert await plays_db.scalar("SELECT count(*) FROM timers WHERE fired_at IS NULL") == 0
    assert await plays_db.scalar("SELECT state::text FROM plays") == "expired"
