"""The batch consume loop every service runs (aiokafka ``getmany``).

Per batch: decode (undecodable or schema-invalid -> DLQ at once), then one
database transaction that claims the message ids in the inbox and applies the
handler to the new ones, then dead letters, then the offset commit. Offsets are
committed only after the database commit, so a crash anywhere redelivers and
the inbox makes the redelivery a no-op. On rebalance the revoke callback waits
for the in-flight batch and commits its offsets; on stop the loop finishes the
batch it holds and leaves the group.

A consumer that needs only some message types (``types``) skips the others by
their ``type`` header, without decoding them; their offsets still advance.
After a broker that may have lost messages (``shared/epoch.py``), ``restart``
leaves the group, forgets positions and offsets of the old broker, and reads
the new logs from the beginning.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.structs import ConsumerRecord, TopicPartition
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import inbox
from shared.kafka.errors import is_infrastructure
from shared.kafka.topics import TYPE_HEADER, dlq
from shared.logs import get_logger
from shared.messages.envelope import DecodeError, Header, SchemaRegistry
from shared.metrics import (
    BATCH_SECONDS,
    CONSUMER_RETRIES,
    MESSAGES_CONSUMED,
    MESSAGES_DLQ,
    MESSAGES_DUPLICATE,
)

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Consumed:
    envelope: Header
    payload: BaseModel | None
    record: ConsumerRecord[Any, Any]

    @property
    def topic(self) -> str:
        return self.record.topic

    @property
    def offset(self) -> int:
        return self.record.offset


@dataclass(frozen=True, slots=True)
class DeadLetter:
    record: ConsumerRecord[Any, Any]
    error: str
    attempts: int


BatchHandler = Callable[[AsyncSession, list[Consumed]], Awaitable[None]]
BatchHook = Callable[[list[Consumed]], Awaitable[None]]


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, owner: BatchConsumer) -> None:
        self._owner = owner

    async def on_partitions_revoked(self, revoked: Any) -> None:
        async with self._owner.batch_lock:
            await self._owner.commit_pending()

    async def on_partitions_assigned(self, assigned: Any) -> None:
        log.info("partitions_assigned", consumer=self._owner.name, count=len(assigned))
        await self._owner.on_assigned(assigned)


class BatchConsumer:
    def __init__(
        self,
        *,
        name: str,
        topics: Sequence[str],
        bootstrap: str,
        sessions: async_sessionmaker[AsyncSession],
        handler: BatchHandler,
        registry: SchemaRegistry,
        producer: AIOKafkaProducer,
        group_id: str | None = None,
        max_records: int = 2000,
        max_attempts: int = 5,
        poll_timeout_ms: int = 200,
        fetch_max_wait_ms: int = 20,
        backoff_base_s: float = 0.2,
        backoff_cap_s: float = 5.0,
        after_db_commit: BatchHook | None = None,
        types: frozenset[str] | None = None,
    ) -> None:
        self.name = name
        self.topics = list(topics)
        self._bootstrap = bootstrap
        self._sessions = sessions
        self._handler = handler
        self._registry = registry
        self._producer = producer
        self._group_id = group_id or name
        self._max_records = max_records
        self._max_attempts = max_attempts
        self._poll_timeout_ms = poll_timeout_ms
        self._fetch_max_wait_ms = fetch_max_wait_ms
        self._backoff_base = backoff_base_s
        self._backoff_cap = backoff_cap_s
        self._after_db_commit = after_db_commit
        self._types = {t.encode() for t in types} if types is not None else None
        self._restart = False
        self._from_beginning = False
        self._commit_timeout_s = 10.0
        self._consumer: AIOKafkaConsumer | None = None
        self._pending: dict[TopicPartition, int] = {}
        self._stopping = asyncio.Event()
        self.batch_lock = asyncio.Lock()

    # -- lifecycle -----------------------------------------------------------
    def request_stop(self) -> None:
        self._stopping.set()

    def restart(self, *, from_beginning: bool) -> None:
        """Start over with a new broker: positions and pending offsets are stale."""
        self._restart = True
        self._from_beginning = self._from_beginning or from_beginning

    async def on_assigned(self, assigned: Any) -> None:
        if self._from_beginning and self._consumer is not None and assigned:
            await self._consumer.seek_to_beginning(*assigned)
            self._from_beginning = False

    async def run(self) -> None:
        try:
            await self._start()
            if self._consumer is None:
                return  # asked to stop before the broker ever answered
            while not self._stopping.is_set():
                try:
                    if self._restart:
                        await self._start_over()
                    batch = await self._consumer.getmany(
                        timeout_ms=self._poll_timeout_ms, max_records=self._max_records
                    )
                    if batch:
                        async with self.batch_lock:
                            await self._process(batch)
                        await self.commit_pending()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # never let one bad moment kill the loop
                    log.error("consume_loop_error", consumer=self.name, error=repr(exc)[:300])
                    await self._sleep(self._backoff_cap)
        finally:
            if self._consumer is not None:
                with contextlib.suppress(Exception):
                    await self._consumer.stop()

    async def _start_over(self) -> None:
        async with self.batch_lock:
            self._pending = {}  # offsets of the old broker's logs: never commit them
            if self._consumer is not None:
                with contextlib.suppress(Exception):
                    await self._consumer.stop()
                self._consumer = None
            await self._start()
        log.warning("consumer_restarted", consumer=self.name, from_beginning=True)

    async def _start(self) -> None:
        self._restart = False
        delay = self._backoff_base
        while not self._stopping.is_set():
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap,
                group_id=self._group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=self._max_records,
                fetch_max_wait_ms=self._fetch_max_wait_ms,
                # What aiokafka prefetches while a batch is applied stays in
                # memory: 1 MiB per partition is ~2,500 typical events, plenty.
                fetch_max_bytes=8 * 1024 * 1024,
                max_partition_fetch_bytes=1024 * 1024,
            )
            try:
                await consumer.start()
                consumer.subscribe(self.topics, listener=_Rebalance(self))
                self._consumer = consumer
                return
            except Exception as exc:
                with contextlib.suppress(Exception):
                    await consumer.stop()
                log.warning("consumer_start_retry", consumer=self.name, error=str(exc)[:200])
                await self._sleep(delay)
                delay = min(delay * 2, self._backoff_cap)

    async def commit_pending(self) -> None:
        if not self._pending or self._consumer is None:
            return
        offsets, self._pending = self._pending, {}
        try:
            await asyncio.wait_for(self._consumer.commit(offsets), timeout=self._commit_timeout_s)
        except Exception as exc:  # rebalance or broker hiccup: redelivery is harmless
            log.warning("offset_commit_failed", consumer=self.name, error=str(exc)[:200])

    # -- one batch -----------------------------------------------------------
    async def _process(self, batch: dict[TopicPartition, list[ConsumerRecord[Any, Any]]]) -> None:
        started = asyncio.get_running_loop().time()
        good: list[Consumed] = []
        dead: list[DeadLetter] = []
        seen: set[str] = set()
        types = self._types
        for records in batch.values():
            for record in records:
                if types is not None and not _wanted(record, types):
                    continue
                try:
                    envelope, payload = self._registry.decode(record.value)
                except DecodeError as exc:
                    dead.append(DeadLetter(record, str(exc), 1))
                    continue
                if envelope.id in seen:
                    continue
                seen.add(envelope.id)
                good.append(Consumed(envelope, payload, record))
        applied, failed = await self._apply_with_retries(good, batch)
        if applied is None:
            return  # stopping while the infrastructure is away: leave offsets uncommitted
        dead.extend(failed)
        if self._after_db_commit is not None:
            await self._after_db_commit(applied)
        if dead and not await self._dead_letter(dead):
            return
        for tp, records in batch.items():
            self._pending[tp] = records[-1].offset + 1
        MESSAGES_CONSUMED.labels(self.name).inc(len(applied))
        BATCH_SECONDS.labels(self.name).observe(asyncio.get_running_loop().time() - started)

    async def _apply(self, messages: list[Consumed]) -> list[Consumed]:
        async with self._sessions() as session, session.begin():
            new_ids = await inbox.claim(session, self.name, [m.envelope.id for m in messages])
            fresh = [m for m in messages if m.envelope.id in new_ids]
            if fresh:
                await self._handler(session, fresh)
        skipped = len(messages) - len(fresh)
        if skipped:
            MESSAGES_DUPLICATE.labels(self.name).inc(skipped)
        return fresh

    async def _apply_with_retries(
        self, messages: list[Consumed], batch: Any
    ) -> tuple[list[Consumed] | None, list[DeadLetter]]:
        attempts = 0
        delay = self._backoff_base
        while True:
            try:
                return (await self._apply(messages) if messages else []), []
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_infrastructure(exc):
                    CONSUMER_RETRIES.labels(self.name, "infrastructure").inc()
                    log.warning("batch_retry_infra", consumer=self.name, error=str(exc)[:200])
                    if self._stopping.is_set():
                        return None, []
                else:
                    attempts += 1
                    CONSUMER_RETRIES.labels(self.name, "error").inc()
                    log.warning(
                        "batch_retry", consumer=self.name, attempt=attempts, error=repr(exc)[:300]
                    )
                    if attempts >= self._max_attempts:
                        try:
                            return await self._isolate(messages, attempts)
                        except Exception as isolate_exc:
                            if not is_infrastructure(isolate_exc):
                                raise
                await self._sleep(delay)
                delay = min(delay * 2, self._backoff_cap)

    async def _isolate(
        self, messages: list[Consumed], attempts: int
    ) -> tuple[list[Consumed] | None, list[DeadLetter]]:
        """Apply one message per transaction to find the poison; dead-letter only it."""
        applied: list[Consumed] = []
        dead: list[DeadLetter] = []
        for message in messages:
            try:
                applied.extend(await self._apply([message]))
            except Exception as exc:
                if is_infrastructure(exc):
                    raise
                dead.append(DeadLetter(message.record, repr(exc)[:500], attempts))
        return applied, dead

    async def _dead_letter(self, dead: list[DeadLetter]) -> bool:
        delay = self._backoff_base
        while True:
            try:
                futures = [
                    await self._producer.send(
                        dlq(d.record.topic),
                        value=d.record.value,
                        key=d.record.key,
                        headers=[
                            *_carried(d.record),
                            ("original_topic", d.record.topic.encode()),
                            ("original_partition", str(d.record.partition).encode()),
                            ("original_offset", str(d.record.offset).encode()),
                            ("error", d.error[:1000].encode()),
                            ("attempts", str(d.attempts).encode()),
                            ("consumer", self.name.encode()),
                        ],
                    )
                    for d in dead
                ]
                await asyncio.gather(*futures)
            except Exception as exc:
                log.warning("dlq_publish_retry", consumer=self.name, error=str(exc)[:200])
                if self._stopping.is_set():
                    return False
                await self._sleep(delay)
                delay = min(delay * 2, self._backoff_cap)
                continue
            for d in dead:
                reason = "undecodable" if d.attempts == 1 else "failed"
                MESSAGES_DLQ.labels(self.name, reason).inc()
                log.error(
                    "message_dead_lettered",
                    consumer=self.name,
                    topic=d.record.topic,
                    partition=d.record.partition,
                    offset=d.record.offset,
                    error=d.error[:300],
                )
            return True

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)


def _wanted(record: ConsumerRecord[Any, Any], types: set[bytes]) -> bool:
    """Whether a record's ``type`` header is one we read (no header: decode and see)."""
    for key, value in record.headers or ():
        if key == TYPE_HEADER:
            return bytes(value) in types
    return True


_DLQ_HEADERS = {
    "original_topic",
    "original_partition",
    "original_offset",
    "error",
    "attempts",
    "consumer",
}


def _carried(record: ConsumerRecord[Any, Any]) -> list[tuple[str, bytes]]:
    """The record's own headers (its type, its journal id) travel into the DLQ."""
    return [(k, bytes(v)) for k, v in (record.headers or ()) if k not in _DLQ_HEADERS]
