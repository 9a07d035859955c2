"""One Kafka hop's latency: produce one message, time until a consumer has it.

python -m bench.kafka_hop

Against the embedded broker (Tansu), which holds a fetch for the consumer's
whole ``fetch_max_wait_ms`` even when a message arrives meanwhile; and by the
producer's ``linger_ms``. Why the services set ``consumer_fetch_max_wait_ms``
to 20 and ``kafka_linger_ms`` to 0 (scenario 3 crosses three such hops).
"""

import asyncio
import statistics
import time
import uuid

from aiokafka import AIOKafkaConsumer

from shared.embedded import EmbeddedBroker
from shared.kafka.producer import build_producer
from shared.kafka.topics import ensure_topics


async def run(bootstrap: str, wait: int | None, linger: int) -> None:
    topic = f"lat{uuid.uuid4().hex[:6]}"
    await ensure_topics(bootstrap, [topic])
    p = build_producer(bootstrap, linger_ms=linger)
    await p.start()
    kw = {} if wait is None else {"fetch_max_wait_ms": wait}
    c = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=topic, auto_offset_reset="earliest", **kw
    )
    await c.start()
    await (await p.send(topic, b"warm", key=b"k"))
    while not await c.getmany(timeout_ms=1000):
        pass
    lats = []
    for i in range(30):
        await asyncio.sleep(0.13)
        t0 = time.perf_counter()
        await (await p.send(topic, b"x", key=str(i).encode()))
        t1 = time.perf_counter()
        while not (await c.getmany(timeout_ms=200)):
            pass
        lats.append(((t1 - t0) * 1000, (time.perf_counter() - t0) * 1000))
    ack = statistics.median(a for a, _ in lats)
    hop = statistics.median(b for _, b in lats)
    worst = max(b for _, b in lats)
    shown = wait or "500 (aiokafka default)"
    print(
        f"fetch_max_wait_ms={shown} linger_ms={linger}: produce->ack p50 {ack:.1f} ms, "
        f"produce->consumed p50 {hop:.1f} ms, max {worst:.1f} ms"
    )
    await c.stop()
    await p.stop()


def main() -> None:
    broker = EmbeddedBroker()
    bs = broker.start()
    try:
        for wait, linger in ((None, 5), (100, 5), (20, 5), (20, 0)):
            asyncio.run(run(bs, wait, linger))
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
