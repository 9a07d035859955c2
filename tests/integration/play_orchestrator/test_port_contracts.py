"""One contract per port, run against the in-memory fake and the SQL adapter, so
the fakes the unit tests use cannot drift from what PostgreSQL does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from services.play_orchestrator.domain import (
    Close,
    GrantException,
    Play,
    PlayState,
    TimerKind,
    open_play,
)
from services.play_orchestrator.ports import ConcurrentUpdate, Origin
from services.play_orchestrator.translate import account_info, signal_info
from tests.integration.play_orchestrator.conftest import migrated
from tests.support.isolation import Isolation
from tests.unit.play_orchestrator_service.builders import DAY, HOUR, T0, signal
from tests.unit.play_orchestrator_service.fakes import FakeUnitOfWork

NOW = T0 + HOUR
Tx = Callable[[Callable[[Any], Awaitable[Any]]], Awaitable[Any]]


@pytest.fixture(params=["fake", "sql"])
async def tx(request: pytest.FixtureRequest, isolated: Isolation) -> AsyncIterator[Tx]:
    """Run work in one transaction of the implementation under test."""
    if request.param == "fake":
        fake = FakeUnitOfWork()

        async def in_memory(work: Callable[[Any], Awaitable[Any]]) -> Any:
            return await work(fake)

        yield in_memory
        return
    db = await migrated(isolated)
    yield db.tx
    await db.engine.dispose()


def new_play(play_id: str, account_id: str = "001-c") -> Play:
    message = signal(account_id)
    info, account = signal_info(message, {}), account_info(message.account)
    return open_play(info, account, "joint-14", NOW, play_id)


async def test_repository_one_active_play_per_pair_and_versions(tx: Tx) -> None:
    first, twin = new_play("p-1"), new_play("p-2")
    assert await tx(lambda u: u.plays.add_many([(first, Origin("gainsight", None))])) == {"p-1"}
    assert await tx(lambda u: u.plays.add_many([(twin, Origin())])) == set()

    async def close(u: Any) -> dict[str, int]:
        play = (await u.plays.get_many(["p-1", "p-missing"]))["p-1"]
        play.execute(Close(outcome="lost", reason="no budget"), NOW + DAY)
        return dict(await u.plays.save_many([play]))

    assert await tx(close) == {"p-1": 2}
    assert await tx(lambda u: u.plays.add_many([(twin, Origin())])) == {"p-2"}

    async def read(u: Any) -> tuple[Any, ...]:
        plays = await u.plays.get_many(["p-1", "p-2"])
        active = await u.plays.active_for_accounts(["001-c"])
        pairs = await u.plays.active_for_pairs([("001-c", "Billing Automation")])
        return (
            plays,
            [p.id for p in active],
            {k: v.id for k, v in pairs.items()},
            u.plays.origin("p-1"),
        )

    plays, active, pairs, origin = await tx(read)
    assert plays["p-1"].state is PlayState.LOST and plays["p-2"].state is PlayState.OPEN
    assert active == ["p-2"] and pairs == {("001-c", "Billing Automation"): "p-2"}
    assert origin == Origin("gainsight", None)


async def test_repository_refuses_a_stale_version(tx: Tx) -> None:
    await tx(lambda u: u.plays.add_many([(new_play("p-v"), Origin())]))

    async def twice(u: Any) -> None:
        play = (await u.plays.get_many(["p-v"]))["p-v"]
        await u.plays.save_many([play])
        u.plays._versions["p-v"] = 1  # as if loaded before the first save
        await u.plays.save_many([play])

    with pytest.raises(ConcurrentUpdate):
        await tx(twice)


async def test_timer_store_follows_the_play_and_never_revives_a_fired_row(tx: Tx) -> None:
    play = new_play("p-t")
    await tx(lambda u: u.plays.add_many([(play, Origin())]))
    await tx(lambda u: u.timers.sync([play]))
    due = await tx(lambda u: u.timers.claim_due(T0 + 30 * DAY, 2))
    assert [(d.kind, d.due_at) for d in due] == [
        (TimerKind.REVIEW_DAY7, T0 + 7 * DAY),
        (TimerKind.MEETING_DUE, NOW + 7 * DAY),
    ]
    await tx(lambda u: u.timers.mark_fired([("p-t", "review_day7")], T0 + 8 * DAY))
    # the deadline moves; the fired review is not wanted again and stays fired
    play.execute(
        GrantException(reason="board meets on the 20th; signs after", extension_days=4), NOW
    )
    await tx(lambda u: u.timers.sync([play]))
    due = await tx(lambda u: u.timers.claim_due(T0 + 30 * DAY, 10))
    assert {d.kind.value: d.due_at for d in due} == {
        "meeting_due": NOW + 7 * DAY,
        "review_day14": T0 + 14 * DAY,
        "window_deadline": T0 + 18 * DAY,
    }
    assert await tx(lambda u: u.timers.claim_due(T0 + 7 * DAY, 10)) == []
    play.execute(Close(outcome="lost", reason="no budget"), NOW + DAY)
    await tx(lambda u: u.timers.sync([play]))
    assert await tx(lambda u: u.timers.claim_due(T0 + 30 * DAY, 10)) == []
