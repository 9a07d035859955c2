"""Transactional outbox: rows written with the state change, published by a relay.

``add`` inserts in the caller's transaction. ``OutboxRelay`` claims unsent rows
in id order, sends them with ``acks=all``, and marks them sent only after every
send in the batch was acknowledged. A crash in between republishes the batch;
the consumers' inbox absorbs the duplicates. The relay sleeps on ``LISTEN`` and
wakes on the trigger's ``NOTIFY`` (with a poll as a safety net).

The same relay publishes signal_ingest's ingest journal (``JournalTable``): a
relay is a table of rows to send, not a kind of message.

Sent rows are kept for a retention window (``retention_s``, 7 days by default)
and then pruned by age: PostgreSQL is the system of record and the broker only
transport, so when a broker comes back empty (the embedded one forgets on
restart) ``mark_unsent_after`` makes the relay publish again what it may have
lost. Only one relay of a table publishes at a time (a transaction-scoped
advisory lock), so two replicas never interleave one account's messages.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from shared.db.messaging_tables import outbox
from shared.kafka.producer import Record, send_records
from shared.logs import get_logger
from shared.messages.envelope import Envelope
from shared.metrics import OUTBOX_PUBLISHED

log = get_logger(__name__)

DEFAULT_RETENTION_S = 7 * 24 * 3600


async def add(
    session: AsyncSession,
    topic: str,
    envelopes: Iterable[Envelope],
    headers: dict[str, str] | None = None,
) -> int:
    rows = [
        {"topic": topic, "key": e.key, "value": e.encode(), "headers": headers}
        for e in envelopes
    ]
    if rows:
        await session.execute(insert(outbox), rows)
    return len(rows)


@dataclass(frozen=True)
class RelayTable:
    """A table the relay publishes from: its name and how a claimed row becomes a record."""

    name: str
    claim_columns: str = "id, topic, key, value, headers"
    params: tuple[tuple[str, Any], ...] = ()

    def record(self, row: Any) -> Record:
        headers = [(k, v.encode()) for k, v in (row.headers or {}).items()]
        return Record(row.topic, row.key, row.value, headers)


@dataclass(frozen=True)
class JournalTable(RelayTable):
    """signal_ingest's ingest journal: every accepted event, published to ``crosssell.events``
    keyed by account with its type (and its journal id) in the headers."""

    name: str = "ingest_journal"
    claim_columns: str = "id, account_id, type, value"
    topic: str = "crosssell.events"

    def record(self, row: Any) -> Record:
        headers = [("type", row.type.encode()), ("journal_id", str(row.id).encode())]
        return Record(self.topic, row.account_id.encode(), row.value, headers)


OUTBOX = RelayTable("outbox")


async def mark_unsent_after(
    conn: AsyncConnection, table: RelayTable, after: datetime | None
) -> int:
    """Make the relay send again every retained row sent after ``after`` (all if None)."""
    result = await conn.execute(
        text(
            f"UPDATE {table.name} SET sent_at = NULL "  # noqa: S608 - table names are ours
            "WHERE sent_at IS NOT NULL AND value IS NOT NULL "
            "AND (CAST(:after AS timestamptz) IS NULL OR sent_at > :after)"
        ),
        {"after": after},
    )
    return int(result.rowcount or 0)


async def unsent(conn: AsyncConnection, table: RelayTable) -> int:
    """How many rows wait for the relay (the partial index on unsent rows answers it)."""
    found = await conn.execute(
        text(f"SELECT count(*) FROM {table.name} WHERE sent_at IS NULL")  # noqa: S608
    )
    return int(found.scalar_one())


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        producer: AIOKafkaProducer,
        schema: str,
        *,
        table: RelayTable = OUTBOX,
        batch_size: int = 1000,
        poll_interval_s: float = 1.0,
        retention_s: int = DEFAULT_RETENTION_S,
        before_publish: Any = None,
    ) -> None:
        self._engine = engine
        self._producer = producer
        self._table = table
        self._channel = f"{table.name}_{schema}"
        self._lock_key = f"relay:{schema}.{table.name}"
        self._batch_size = batch_size
        self._poll = poll_interval_s
        self._retention_s = retention_s
        # Before each batch: is the broker the one we published to? (the
        # runtime's broker-epoch check; cheap unless the producer reconnected)
        self._before_publish = before_publish
        self._claim = text(
            f"SELECT {table.claim_columns} FROM {table.name} "  # noqa: S608
            "WHERE sent_at IS NULL ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"
        )
        self._mark = text(
            f"UPDATE {table.name} SET sent_at = now() "  # noqa: S608
            "WHERE id = ANY(CAST(:ids AS bigint[]))"
        )
        self._purge = text(
            f"DELETE FROM {table.name} WHERE sent_at IS NOT NULL "  # noqa: S608
            "AND sent_at < now() - make_interval(secs => :s)"
        )
        self._wake = asyncio.Event()
        self._stopping = False
        self._listener: Any = None
        self._driver: asyncpg.Connection | None = None

    @property
    def table(self) -> RelayTable:
        return self._table

    async def publish_batch(self) -> int:
        """Publish one batch of unsent rows; return how many were published."""
        async with self._engine.begin() as conn:
            locked = await conn.execute(
                text("SELECT pg_try_advisory_xact_lock(hashtext(:k))"), {"k": self._lock_key}
            )
            if not locked.scalar_one():
                return 0  # another relay of this table is publishing
            rows: Sequence[Any] = (
                await conn.execute(self._claim, {"limit": self._batch_size})
            ).all()
            if not rows:
                return 0
            await send_records(self._producer, [self._table.record(r) for r in rows])
            await conn.execute(self._mark, {"ids": [row.id for row in rows]})
        OUTBOX_PUBLISHED.labels(self._channel).inc(len(rows))
        return len(rows)

    async def purge_sent(self) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(self._purge, {"s": self._retention_s})

    async def run(self) -> None:
        backoff = 0.2
        last_purge = 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            try:
                await self._ensure_listening()
                if self._before_publish is not None:
                    await self._before_publish()
                published = await self.publish_batch()
                backoff = 0.2
                if loop.time() - last_purge > 60:
                    await self.purge_sent()
                    last_purge = loop.time()
                if published < self._batch_size:
                    await self._sleep(self._poll)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database away: keep trying
                log.warning(
                    "relay_retry", table=self._table.name, error=str(exc)[:300], backoff_s=backoff
                )
                await self._drop_listener()
                await self._sleep(backoff)
                backoff = min(backoff * 2, 5.0)
        await self._drop_listener()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()

    async def _ensure_listening(self) -> None:
        if self._listener is not None and not self._driver_closed():
            return
        await self._drop_listener()
        conn = await self._engine.connect()
        raw = await conn.get_raw_connection()
        driver: asyncpg.Connection = raw.driver_connection
        await driver.add_listener(self._channel, lambda *_: self._wake.set())
        self._listener = conn
        self._driver = driver

    def _driver_closed(self) -> bool:
        return self._driver is None or self._driver.is_closed()

    async def _drop_listener(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.invalidate()
                await self._listener.close()
            self._listener = None
            self._driver = None
