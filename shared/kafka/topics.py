"""Topic names (SPEC section 4) and their explicit creation.

Producing to an unknown topic on the embedded broker creates it with one
partition, so every service creates what it uses, with its partition count,
before it produces or consumes.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

# Every inbound type on one topic keyed by account_id, so one account's facts and
# usage are consumed in the order the edge accepted them (the first version had
# three inbound topics, with no order across them). The event type also travels
# in the ``type`` header, so a consumer can skip types without decoding them.
EVENTS = "crosssell.events"
SIGNALS = "crosssell.signals"
PLAYS = "crosssell.plays"
CRM = "crosssell.crm"
ALL = (EVENTS, SIGNALS, PLAYS, CRM)
TYPE_HEADER = "type"
DEFAULT_PARTITIONS = 8


def dlq(topic: str) -> str:
    return f"{topic}.dlq"


async def ensure_topics(
    bootstrap: str,
    topics: Iterable[str],
    partitions: int = DEFAULT_PARTITIONS,
    replication_factor: int = 1,
) -> None:
    """Create ``topics`` and their ``.dlq`` twins if they do not exist yet."""
    wanted = set()
    for topic in topics:
        wanted.update({topic, dlq(topic)})
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = sorted(wanted - existing)
        if not missing:
            return
        new = [
            NewTopic(t, 1 if t.endswith(".dlq") else partitions, replication_factor)
            for t in missing
        ]
        try:
            await admin.create_topics(new)
        except TopicAlreadyExistsError:
            pass  # another service created them first
    finally:
        await admin.close()
