"""``crosssell dlq replay`` republishes dead letters to their topic, once."""

from __future__ import annotations

from crosssell.dlq import list_dead_letters, replay
from shared.kafka.producer import build_producer
from shared.kafka.topics import ensure_topics
from tests.support.isolation import Isolation
from tests.support.kafka import read_all


async def test_replay_republishes_each_dead_letter_once(isolated: Isolation) -> None:
    topic = isolated.topic("crosssell.events")
    await ensure_topics(isolated.bootstrap, [topic])
    producer = build_producer(isolated.bootstrap)
    await producer.start()
    for i in range(3):
        await producer.send_and_wait(
            f"{topic}.dlq",
            value=f"message-{i}".encode(),
            key=b"001A",
            headers=[("original_topic", topic.encode()), ("error", b"boom"), ("attempts", b"5")],
        )
    await producer.stop()

    listed = await list_dead_letters(isolated.bootstrap, topic)
    assert [d.error for d in listed] == ["boom"] * 3

    group = f"{isolated.topic_prefix}replay"
    assert await replay(isolated.bootstrap, topic, group) == 3
    assert await replay(isolated.bootstrap, topic, group) == 0  # offsets were committed
    replayed = await read_all(isolated.bootstrap, topic, expect=3)
    assert sorted(r.value for r in replayed) == [b"message-0", b"message-1", b"message-2"]
