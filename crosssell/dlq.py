"""``crosssell dlq``: inspect dead letters and replay them to their original topic.

Replay reads ``<topic>.dlq`` with its own consumer group, republishes each
message (original bytes and key) to the topic named in its
``original_topic`` header with ``acks=all``, and commits the DLQ offset only
after the broker acknowledged, so an interrupted replay resumes where it
stopped. Consumers' inboxes make a replayed message that had in fact been
applied a no-op.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from shared.kafka.producer import build_producer
from shared.kafka.topics import dlq


@dataclass
class DeadLetterView:
    partition: int
    offset: int
    original_topic: str
    original_offset: str
    error: str
    attempts: str
    key: str


def _headers(record: Any) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in (record.headers or ())}


async def _consumer(bootstrap: str, topic: str, group: str | None) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    if group is None:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or {0}
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        await consumer.seek_to_beginning()
    else:
        consumer.subscribe([topic])
    return consumer


async def list_dead_letters(bootstrap: str, topic: str, limit: int = 100) -> list[DeadLetterView]:
    consumer = await _consumer(bootstrap, dlq(topic), None)
    found: list[DeadLetterView] = []
    try:
        while len(found) < limit:
            batch = await consumer.getmany(timeout_ms=1000)
            if not batch:
                break
            for record in (r for rs in batch.values() for r in rs):
                h = _headers(record)
                found.append(
                    DeadLetterView(
                        record.partition,
                        record.offset,
                        h.get("original_topic", "?"),
                        h.get("original_offset", "?"),
                        h.get("error", ""),
                        h.get("attempts", ""),
                        (record.key or b"").decode(errors="replace"),
                    )
                )
    finally:
        await consumer.stop()
    return found[:limit]


async def _caught_up(consumer: AIOKafkaConsumer) -> bool:
    assigned = consumer.assignment()
    if not assigned:
        return False
    ends = await consumer.end_offsets(list(assigned))
    for tp in assigned:
        if await consumer.position(tp) < ends[tp]:
            return False
    return True


async def replay(bootstrap: str, topic: str, group: str = "crosssell-dlq-replay") -> int:
    """Republish everything in ``<topic>.dlq`` not yet replayed by ``group``."""
    consumer = await _consumer(bootstrap, dlq(topic), group)
    producer = build_producer(bootstrap)
    await producer.start()
    replayed = 0
    try:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + 30
        while loop.time() < give_up:
            batch = await consumer.getmany(timeout_ms=500, max_records=500)
            if not batch:
                if await _caught_up(consumer):
                    break
                continue
            futures = []
            for record in (r for rs in batch.values() for r in rs):
                target = _headers(record).get("original_topic", topic)
                futures.append(await producer.send(target, value=record.value, key=record.key))
            await asyncio.gather(*futures)
            await consumer.commit({tp: rs[-1].offset + 1 for tp, rs in batch.items()})
            replayed += len(futures)
    finally:
        await producer.stop()
        await consumer.stop()
    return replayed
