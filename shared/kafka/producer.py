"""The producer every service uses: ``acks=all``, batched, never idempotent.

The embedded broker has no InitProducerId, so no idempotent or transactional
producer; exactly-once effects come from the outbox + inbox instead.
"""

from __future__ import annotations

from aiokafka import AIOKafkaProducer


def build_producer(bootstrap: str, *, linger_ms: int = 5) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=False,
        linger_ms=linger_ms,
        max_batch_size=1_048_576,
        max_request_size=4_194_304,
        request_timeout_ms=15_000,
        compression_type=None,
    )
