"""Small real-broker helpers for tests (no mocks: these talk to the broker)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import TopicPartition

from shared.kafka.producer import build_producer


async def produce(bootstrap: str, topic: str, values: Sequence[tuple[bytes | None, bytes]]) -> None:
    producer = build_producer(bootstrap)
    await producer.start()
    try:
        futures = [await producer.send(topic, value=v, key=k) for k, v in values]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def read_all(
    bootstrap: str, topic: str, *, expect: int | None = None, timeout_s: float = 10.0
) -> list[Any]:
    """Read a topic from the start (no consumer group: fast) until ``expect`` or quiet."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        await consumer._client.force_metadata_update()
        partitions = consumer.partitions_for_topic(topic) or {0}
    consumer.assign([TopicPartition(topic, p) for p in partitions])
    await consumer.seek_to_beginning()
    records: list[Any] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    quiet_since = loop.time()
    try:
        while loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            got = [r for rs in batch.values() for r in rs]
            records.extend(got)
            if got:
                quiet_since = loop.time()
            if expect is not None and len(records) >= expect:
                await asyncio.sleep(0.3)  # let any unexpected extra arrive too
                batch = await consumer.getmany(timeout_ms=200)
                records.extend(r for rs in batch.values() for r in rs)
                break
            if expect is None and records and loop.time() - quiet_since > 1.0:
                break
    finally:
        await consumer.stop()
    return records


async def committed_offsets(bootstrap: str, group: str, topic: str) -> dict[int, int | None]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        return {p: await consumer.committed(TopicPartition(topic, p)) for p in sorted(partitions)}
    finally:
        await consumer.stop()


async def consumer_lag(bootstrap: str, groups: dict[str, list[str]]) -> int:
    """Messages on the broker that ``groups`` (group -> its topics) have not committed yet."""
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await probe.start()
    try:
        topics = sorted({t for ts in groups.values() for t in ts})
        if any(not probe.partitions_for_topic(t) for t in topics):
            await probe._client.force_metadata_update()
        partitions = {
            t: [TopicPartition(t, p) for p in sorted(probe.partitions_for_topic(t) or ())]
            for t in topics
        }
        ends = await probe.end_offsets([tp for tps in partitions.values() for tp in tps])
    finally:
        await probe.stop()
    behind = 0
    for group, group_topics in groups.items():
        reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
        await reader.start()
        try:
            for topic in group_topics:
                for tp in partitions[topic]:
                    behind += max(0, ends[tp] - (await reader.committed(tp) or 0))
        finally:
            await reader.stop()
    return behind


async def wait_until(predicate: Any, timeout_s: float = 15.0, interval_s: float = 0.1) -> Any:
    """Poll an async predicate until it returns a truthy value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        value = await predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout_s}s (last: {value!r})")
        await asyncio.sleep(interval_s)


__all__ = [
    "AIOKafkaProducer",
    "committed_offsets",
    "consumer_lag",
    "produce",
    "read_all",
    "wait_until",
]
