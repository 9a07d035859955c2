"""The outbox relay against the real broker and PostgreSQL (issue 2, must-show 4)."""

from __future__ import annotations

import asyncio

import orjson

from shared import outbox
from shared.kafka.producer import build_producer
from shared.outbox import OutboxRelay
from tests.integration.foundation import ledger
from tests.integration.foundation.conftest import LedgerDb
from tests.support.isolation import Isolation
from tests.support.kafka import read_all, wait_until


async def _unsent(db: LedgerDb) -> int:
    from sqlalchemy import text

    async with db.sessions() as s:
        return int(
            (
                await s.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
            ).scalar_one()
        )


async def test_rolled_back_rows_never_published_committed_rows_once_after_restart(
    isolated: Isolation, ledger_db: LedgerDb
) -> None:
    topic = isolated.topic(ledger.OUT_TOPIC)

    class Boom(Exception):
        pass

    try:
        async with ledger_db.sessions() as s, s.begin():
            await outbox.add(s, topic, [ledger.credit(f"rolled-back-{i}") for i in range(5)])
            raise Boom
    except Boom:
        pass
    async with ledger_db.sessions() as s, s.begin():
        await outbox.add(s, topic, [ledger.credit(f"kept-{i}") for i in range(50)])

    producer = build_producer(isolated.bootstrap)
    await producer.start()
    try:
        # First relay publishes, then "crashes" (is cancelled); a second one starts.
        first = OutboxRelay(ledger_db.engine, producer, ledger_db.schema, batch_size=20)
        task = asyncio.create_task(first.run())
        await wait_until(lambda: _none_unsent(ledger_db))
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

        async with ledger_db.sessions() as s, s.begin():
            await outbox.add(s, topic, [ledger.credit(f"later-{i}") for i in range(10)])
        second = OutboxRelay(ledger_db.engine, producer, ledger_db.schema, batch_size=20)
        task = asyncio.create_task(second.run())
        await wait_until(lambda: _none_unsent(ledger_db))
        second.stop()
        await task
    finally:
        await producer.stop()

    records = await read_all(isolated.bootstrap, topic, expect=60)
    ids = [orjson.loads(r.value)["id"] for r in records]
    assert len(ids) == 60 and len(set(ids)) == 60
    assert not [i for i in ids if i.startswith("rolled-back")]
    assert {i for i in ids if i.startswith("later-")} == {f"later-{i}" for i in range(10)}


async def test_relay_wakes_on_notify_without_polling(
    isolated: Isolation, ledger_db: LedgerDb
) -> None:
    topic = isolated.topic(ledger.OUT_TOPIC)
    producer = build_producer(isolated.bootstrap)
    await producer.start()
    relay = OutboxRelay(ledger_db.engine, producer, ledger_db.schema, poll_interval_s=60)
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.5)  # relay is now asleep on LISTEN with a 60 s poll
        async with ledger_db.sessions() as s, s.begin():
            await outbox.add(s, topic, [ledger.credit("woken")])
        await wait_until(lambda: _none_unsent(ledger_db), timeout_s=5)
    finally:
        relay.stop()
        await task
        await producer.stop()
    assert [
        orjson.loads(r.value)["id"] for r in await read_all(isolated.bootstrap, topic, expect=1)
    ] == ["woken"]


async def _none_unsent(db: LedgerDb) -> bool:
    return await _unsent(db) == 0
