"""Transactional outbox: rows written with the state change, published by a relay.

``add`` inserts in the caller's transaction. ``OutboxRelay`` claims unsent rows
with ``FOR UPDATE SKIP LOCKED`` (several relays never publish the same row at
once), sends them with ``acks=all``, and marks them sent only after every send
in the batch was acknowledged. A crash in between republishes the batch; the
consumers' inbox absorbs the duplicates. The relay sleeps on ``LISTEN`` and
wakes on the trigger's ``NOTIFY`` (with a poll as a safety net).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shared.db.messaging_tables import outbox
from shared.logs import get_logger
from shared.messages.envelope import Envelope
from shared.metrics import OUTBOX_PUBLISHED

log = get_logger(__name__)

_CLAIM = text(
    """
    SELECT id, topic, key, value, headers FROM outbox
    WHERE sent_at IS NULL ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED
    """
)
_MARK = text("UPDATE outbox SET sent_at = now() WHERE id = ANY(CAST(:ids AS bigint[]))")
_PURGE = text(
    "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < now() - make_interval(secs => :s)"
)


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


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        producer: AIOKafkaProducer,
        schema: str,
        *,
        batch_size: int = 1000,
        poll_interval_s: float = 1.0,
        retention_s: int = 3600,
    ) -> None:
        self._engine = engine
        self._producer = producer
        self._channel = f"outbox_{schema}"
        self._batch_size = batch_size
        self._poll = poll_interval_s
        self._retention_s = retention_s
        self._wake = asyncio.Event()
        self._stopping = False
        self._listener: Any = None
        self._driver: asyncpg.Connection | None = None

    async def publish_batch(self) -> int:
        """Publish one batch of unsent rows; return how many were published."""
        async with self._engine.begin() as conn:
            rows: Sequence[Any] = (await conn.execute(_CLAIM, {"limit": self._batch_size})).all()
            if not rows:
                return 0
            futures = []
            for row in rows:
                headers = [(k, v.encode()) for k, v in (row.headers or {}).items()]
                futures.append(
                    await self._producer.send(
                        row.topic, value=row.value, key=row.key, headers=headers or None
                    )
                )
            await asyncio.gather(*futures)  # every send acknowledged (acks=all)
            await conn.execute(_MARK, {"ids": [row.id for row in rows]})
        OUTBOX_PUBLISHED.labels(self._channel).inc(len(rows))
        return len(rows)

    async def purge_sent(self) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(_PURGE, {"s": self._retention_s})

    async def run(self) -> None:
        backoff = 0.2
        last_purge = 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            try:
                await self._ensure_listening()
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
                log.warning("outbox_relay_retry", error=str(exc)[:300], backoff_s=backoff)
                await self._drop_listener()
                await self._sleep(backoff)
                backoff = min(backoff * 2, 5.0)
        await self._drop_listener()

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
