"""The consume loop against the real broker and PostgreSQL (issue 2, must-show 1, 2, 3, 5)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson

from shared.kafka.consumer import BatchConsumer
from shared.kafka.producer import build_producer
from shared.outbox import OutboxRelay
from tests.integration.foundation import ledger
from tests.integration.foundation.conftest import LedgerDb
from tests.support.isolation import Isolation
from tests.support.kafka import committed_offsets, produce, read_all, wait_until


@asynccontextmanager
async def running_consumer(
    isolated: Isolation, db: LedgerDb, **handler_kw: object
) -> AsyncIterator[BatchConsumer]:
    producer = build_producer(isolated.bootstrap)
    await producer.start()
    consumer = BatchConsumer(
        name=f"{isolated.topic_prefix}ledger",
        topics=[isolated.topic(ledger.IN_TOPIC)],
        bootstrap=isolated.bootstrap,
        sessions=db.sessions,
        handler=ledger.make_handler(isolated.topic(ledger.OUT_TOPIC), **handler_kw),  # type: ignore[arg-type]
        registry=ledger.registry(),
        producer=producer,
        max_attempts=2,
        backoff_base_s=0.05,
    )
    relay = OutboxRelay(db.engine, producer, db.schema)
    tasks = [asyncio.create_task(consumer.run()), asyncio.create_task(relay.run())]
    try:
        yield consumer
    finally:
        consumer.request_stop()
        relay.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
        await producer.stop()


async def test_same_message_twice_has_one_effect(isolated: Isolation, ledger_db: LedgerDb) -> None:
    topic = isolated.topic(ledger.IN_TOPIC)
    first = ledger.credit("evt-1")
    # Twice in one batch, and again later in another batch.
    await produce(isolated.bootstrap, topic, [(first.key, first.encode())] * 2)
    async with running_consumer(isolated, ledger_db):
        await wait_until(lambda: _rows_at_least(ledger_db, 2))
        await produce(isolated.bootstrap, topic, [(first.key, first.encode())])
        await produce(isolated.bootstrap, topic, [(b"001A", ledger.credit("evt-2").encode())])
        await wait_until(lambda: _rows_at_least(ledger_db, 4))
    assert await ledger_db.counts() == (4, 2)
    posted = await read_all(isolated.bootstrap, isolated.topic(ledger.OUT_TOPIC), expect=2)
    assert sorted(orjson.loads(r.value)["id"] for r in posted) == ["posted-evt-1", "posted-evt-2"]


async def test_poison_message_goes_to_dlq_and_the_rest_is_processed(
    isolated: Isolation, ledger_db: LedgerDb
) -> None:
    topic = isolated.topic(ledger.IN_TOPIC)
    bad_payload = ledger.credit("evt-bad").model_copy(update={"payload": {"amount": "lots"}})
    await produce(
        isolated.bootstrap,
        topic,
        [
            (b"001A", ledger.credit("evt-1").encode()),
            (b"001A", b"{not json"),
            (b"001A", bad_payload.encode()),
            (b"001A", ledger.credit("evt-2", amount=13).encode()),  # the handler refuses 13
            (b"001A", ledger.credit("evt-3").encode()),
        ],
    )
    async with running_consumer(isolated, ledger_db, fail_on_amount=13):
        await wait_until(lambda: _rows_at_least(ledger_db, 4))
        dead = await read_all(isolated.bootstrap, f"{topic}.dlq", expect=3)
    assert await ledger_db.counts() == (4, 2)
    assert len(dead) == 3
    by_offset = {r.offset: dict(r.headers) for r in dead}
    headers = [by_offset[k] for k in sorted(by_offset)]
    assert [h["original_offset"] for h in headers] == [b"1", b"2", b"3"]
    assert len({h["original_partition"] for h in headers}) == 1  # one key, one partition
    for h in headers:
        assert h["original_topic"] == topic.encode()
    assert b"not an envelope" in headers[0]["error"] and headers[0]["attempts"] == b"1"
    assert b"payload" in headers[1]["error"] and headers[1]["attempts"] == b"1"
    assert b"cannot post amount 13" in headers[2]["error"] and headers[2]["attempts"] == b"2"
    assert {r.value for r in dead} >= {b"{not json"}


def _worker(isolated: Isolation, **extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, **isolated.env("ledger"), **extra}
    env["DB_SCHEMA"] = isolated.schema("ledger")
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.foundation.worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


async def test_crash_after_db_commit_is_redelivered_and_applied_once(
    isolated: Isolation, ledger_db: LedgerDb
) -> None:
    topic = isolated.topic(ledger.IN_TOPIC)
    n = 300
    await produce(
        isolated.bootstrap, topic, [(b"001A", ledger.credit(f"evt-{i}").encode()) for i in range(n)]
    )
    crashing = _worker(isolated, LEDGER_CRASH_AFTER_DB_COMMIT="1", LEDGER_MAX_RECORDS="1000")
    out, _ = await asyncio.to_thread(crashing.communicate, timeout=60)
    assert crashing.returncode == 137, out
    rows, messages = await ledger_db.counts()
    assert rows > 0 and rows == 2 * messages  # the database commit happened ...
    group = f"{isolated.topic_prefix}ledger"
    offsets = await committed_offsets(isolated.bootstrap, group, topic)
    assert all(o is None for o in offsets.values()), offsets  # ... the offset commit did not

    survivor = _worker(isolated)
    assert survivor.stdout is not None
    await _until_ready(survivor)

    async def all_committed() -> bool:
        offsets = await committed_offsets(isolated.bootstrap, group, topic)
        return sum(o or 0 for o in offsets.values()) == n

    try:
        await wait_until(all_committed, timeout_s=60, interval_s=0.2)
    finally:
        survivor.send_signal(signal.SIGTERM)
        out, _ = await asyncio.to_thread(survivor.communicate, timeout=60)
    assert survivor.returncode == 0, out
    assert await ledger_db.counts() == (2 * n, n)
    posted = await read_all(isolated.bootstrap, isolated.topic(ledger.OUT_TOPIC), expect=n)
    assert len({orjson.loads(r.value)["id"] for r in posted}) == n


async def test_sigterm_during_a_batch_finishes_it_and_nothing_is_half_applied(
    isolated: Isolation, ledger_db: LedgerDb
) -> None:
    topic = isolated.topic(ledger.IN_TOPIC)
    n = 400
    await produce(
        isolated.bootstrap, topic, [(b"001A", ledger.credit(f"evt-{i}").encode()) for i in range(n)]
    )
    slow = _worker(isolated, LEDGER_SLOW_S="2", LEDGER_MAX_RECORDS="100")
    await _until_ready(slow)
    await asyncio.sleep(1.5)  # inside a batch that holds half its rows
    slow.send_signal(signal.SIGTERM)
    out, _ = await asyncio.to_thread(slow.communicate, timeout=60)
    assert slow.returncode == 0, out
    assert "drained" in out
    rows, messages = await ledger_db.counts()
    assert rows == 2 * messages and 0 < messages < n  # whole messages only, and it stopped early

    rest = _worker(isolated)
    try:
        await wait_until(lambda: _rows_at_least(ledger_db, 2 * n), timeout_s=60)
    finally:
        rest.send_signal(signal.SIGTERM)
        await asyncio.to_thread(rest.communicate, timeout=60)
    assert await ledger_db.counts() == (2 * n, n)


async def _until_ready(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    for _ in range(200):
        line = await asyncio.to_thread(proc.stdout.readline)
        if line.strip() == "ready" or not line:
            break
    assert proc.poll() is None, "worker died during start-up"


async def _rows_at_least(db: LedgerDb, n: int) -> bool:
    rows, _ = await db.counts()
    return rows >= n
