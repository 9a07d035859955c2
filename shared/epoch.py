"""Broker epochs: noticing a broker that may have lost messages, and repairing it.

The embedded broker keeps nothing across a restart, and a Kafka cluster can be
replaced. Either way the broker that comes back has lost what was on it, and
consumer positions point into logs that no longer exist. An epoch names one
life of a broker: the first record of the one-partition topic
``crosssell.epoch`` (a fresh UUID written by whoever finds the topic empty).
A durable Kafka keeps that record, so its epoch never changes and none of this
ever triggers.

Each service keeps the epoch it last published to in its ``broker_epoch`` row,
with the time of its last completed drain. Meeting another epoch it
re-publishes every retained row of its relays (outbox, ingest journal) sent
after that drain (what may not have been consumed), and its consumers start
again from the beginning of the new logs. Inboxes absorb the duplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.structs import TopicPartition
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.logs import get_logger
from shared.outbox import RelayTable, mark_unsent_after

log = get_logger(__name__)

EPOCH_TOPIC = "crosssell.epoch"


async def read_epoch(bootstrap: str, producer: AIOKafkaProducer, topic: str) -> str:
    """The broker's epoch: the first record of ``topic``, written here if there is none."""
    await _ensure_topic(bootstrap, topic)
    found = await _first_record(bootstrap, topic)
    if found is None:
        mine = uuid.uuid4().hex.encode()
        await (await producer.send(topic, value=mine, key=mine, partition=0))
        found = await _first_record(bootstrap, topic)
    if found is None:
        raise RuntimeError(f"{topic}: no epoch record after writing one")
    return found


async def _ensure_topic(bootstrap: str, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        if topic not in set(await admin.list_topics()):
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics([NewTopic(topic, 1, 1)])
    finally:
        await admin.close()


async def _first_record(bootstrap: str, topic: str, timeout_s: float = 5.0) -> str | None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        start = (await consumer.beginning_offsets([tp]))[tp]
        end = (await consumer.end_offsets([tp]))[tp]
        if end <= start:
            return None
        consumer.seek(tp, start)
        record = await asyncio.wait_for(consumer.getone(tp), timeout=timeout_s)
        return bytes(record.value).decode()
    finally:
        await consumer.stop()


@dataclass(frozen=True, slots=True)
class EpochChange:
    previous: str | None
    current: str
    republished: int


class EpochGuard:
    """Checks the broker's epoch against the service's ``broker_epoch`` row and repairs."""

    def __init__(
        self,
        engine: AsyncEngine,
        producer: AIOKafkaProducer,
        bootstrap: str,
        topic: str,
        tables: Callable[[], Sequence[RelayTable]],
        create_topics: Callable[[], Awaitable[None]],
        on_change: Callable[[EpochChange], Awaitable[None]],
    ) -> None:
        self._engine = engine
        self._producer = producer
        self._bootstrap = bootstrap
        self._topic = topic
        self._tables = tables
        self._create_topics = create_topics
        self._on_change = on_change
        self._seen: str | None = None
        self._lock = asyncio.Lock()
        self._connections: frozenset[int] = frozenset()

    @property
    def epoch(self) -> str | None:
        return self._seen

    async def verify_if_reconnected(self) -> None:
        """Before a relay publishes: if the producer connected anew since the last
        check, the broker may be a new one. Verify first: the embedded broker
        acknowledges records sent to topics it does not have (the producer's
        metadata is the old broker's) and drops them."""
        if self._lock.locked() or self._connection_ids() != self._connections:
            await self.verify()

    def _connection_ids(self) -> frozenset[int]:
        conns = getattr(self._producer.client, "_conns", None) or {}
        return frozenset(id(c) for c in conns.values())

    async def verify(self) -> EpochChange | None:
        """Read the broker's epoch; on a new one, re-publish and tell ``on_change``."""
        async with self._lock:
            connections = self._connection_ids()
            current = await read_epoch(self._bootstrap, self._producer, self._topic)
            if current == self._seen:
                self._connections = connections
                return None
            # A new broker has none of our topics, and would swallow what is sent
            # to them: create them before anything is marked to be sent again.
            await self._create_topics()
            # The producer's metadata is the old broker's: records it sends by it
            # are acknowledged and dropped (seen with the embedded broker).
            await self._producer.client.force_metadata_update()
            change = await self._record(current)
            self._connections = connections
            first_look = self._seen is None
            self._seen = current
        if change is not None or not first_look:
            change = change or EpochChange(None, current, 0)
            log.warning(
                "broker_epoch_changed",
                previous=change.previous,
                current=current,
                republished=change.republished,
            )
            await self._on_change(change)
        return change

    async def _record(self, current: str) -> EpochChange | None:
        """Store ``current``; re-publish what was sent after the last drain if it is new."""
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    text("SELECT epoch, drained_at FROM broker_epoch WHERE id = 1 FOR UPDATE")
                )
            ).one()
            if row.epoch == current:
                return None  # another replica repaired already
            republished = 0
            if row.epoch is not None:
                for table in self._tables():
                    republished += await mark_unsent_after(conn, table, row.drained_at)
            await conn.execute(
                text("UPDATE broker_epoch SET epoch = :e, updated_at = now() WHERE id = 1"),
                {"e": current},
            )
        if row.epoch is None:
            return None  # the first broker this service ever met: nothing to repair
        return EpochChange(row.epoch, current, republished)

    async def watch(self, interval_s: float, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=interval_s)
                return
            try:
                await self.verify()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker away: the next round looks again
                log.info("broker_epoch_check_failed", error=str(exc)[:200])
