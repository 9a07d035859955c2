"""The SQL repository's guarantees on the real PostgreSQL: one active play per
pair under concurrency (the partial unique index), and the version check."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from services.play_orchestrator import handlers
from services.play_orchestrator.adapters.repository import SqlPlayRepository
from services.play_orchestrator.domain import Play, open_play
from services.play_orchestrator.ports import ConcurrentUpdate, Origin
from services.play_orchestrator.translate import account_info, signal_info
from tests.integration.play_orchestrator.conftest import PlaysDb
from tests.unit.play_orchestrator_service.builders import HOUR, T0, signal

NOW = T0 + HOUR


def _play(play_id: str) -> Play:
    message = signal("001-race")
    return open_play(
        signal_info(message, {}), account_info(message.account), "joint-14", NOW, play_id
    )


async def test_two_transactions_opening_the_same_pair_insert_one_play(plays_db: PlaysDb) -> None:
    first_inserted, release = asyncio.Event(), asyncio.Event()

    async def first(uow):  # type: ignore[no-untyped-def]
        inserted = await uow.plays.add_many([(_play("play-1"), Origin("gainsight"))])
        first_inserted.set()
        await release.wait()
        return inserted

    async def second(uow):  # type: ignore[no-untyped-def]
        await first_inserted.wait()
        return await uow.plays.add_many([(_play("play-2"), Origin("gainsight"))])

    one = asyncio.create_task(plays_db.tx(first))
    two = asyncio.create_task(plays_db.tx(second))
    await first_inserted.wait()
    await asyncio.sleep(0.3)
    assert not two.done()  # waiting on the unique index for the first to decide
    release.set()
    assert await asyncio.gather(one, two) == [{"play-1"}, set()]
    assert await plays_db.scalar("SELECT count(*) FROM plays") == 1


async def test_concurrent_signal_batches_for_one_pair_open_one_play(plays_db: PlaysDb) -> None:
    batches = [
        [handlers.SignalReceived(signal("001-race", signal_id=f"sig-{i}"), T0)] for i in range(4)
    ]

    async def run(batch):  # type: ignore[no-untyped-def]
        return await plays_db.tx(
            lambda uow: handlers.on_signals(uow, batch, NOW, handlers.OpeningPolicy())
        )

    opened = await asyncio.gather(*(run(b) for b in batches))
    assert sorted(len(o) for o in opened) == [0, 0, 0, 1]
    assert await plays_db.scalar("SELECT count(*) FROM plays") == 1
    outbox = await plays_db.outbox()
    assert [e["type"] for e in outbox] == ["PlayOpened", "DeadlineSet"]


async def test_a_save_over_a_newer_version_is_refused(plays_db: PlaysDb) -> None:
    await plays_db.tx(lambda uow: uow.plays.add_many([(_play("play-v"), Origin())]))
    async with plays_db.sessions() as session, session.begin():
        repo = SqlPlayRepository(session)
        play = (await repo.get_many(["play-v"]))["play-v"]
        # a writer that did not take the row lock got there first
        await session.execute(text("UPDATE plays SET version = version + 1"))
        with pytest.raises(ConcurrentUpdate):
            await repo.save_many([play])
