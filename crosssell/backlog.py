"""Work a running system has not finished: unsent rows in PostgreSQL, lag on the broker.

Read from outside the services, the way the drain of ``crosssell up`` and the
fault suite (``crosssell chaos``) need it:

* ``unsent(url)``: per table, the rows the relays have not published yet
  (every service's ``outbox`` and signal_ingest's ``ingest_journal``,
  ``sent_at IS NULL``); a table that does not exist (a schema not migrated
  yet) has nothing unsent;
* ``consumer_lag(bootstrap)``: per consumer group, the messages on its topics
  past its committed offsets, and the topics' end offsets (their sum moves
  whenever anything is published).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

T = TypeVar("T")
EVENTS = "crosssell.events"
# Every consumer group of the services and what it reads (see each service's
# bootstrap.py). A group is caught up when its committed offsets reach the
# topics' end offsets; the database shows nothing of a message still on the broker.
CONSUMER_GROUPS: dict[str, tuple[str, ...]] = {
    "signal_ingest.events": (EVENTS,),
    "signal_ingest.plays": ("crosssell.plays",),
    "play_orchestrator.signals": ("crosssell.signals",),
    "play_orchestrator.account": (EVENTS,),
    "play_orchestrator.crm": ("crosssell.crm",),
    "crm_sync.plays": ("crosssell.plays",),
}
# (schema, table): rows held until a relay has published them.
UNSENT_TABLES = (
    ("signal_ingest", "ingest_journal"),
    ("signal_ingest", "outbox"),
    ("play_orchestrator", "outbox"),
    ("crm_sync", "outbox"),
)
SCHEMAS = ("signal_ingest", "play_orchestrator", "crm_sync")


@dataclass(frozen=True)
class Lag:
    by_group: dict[str, int] = field(default_factory=dict)
    end_offsets: int = 0  # sum over every partition of the groups' topics

    @property
    def total(self) -> int:
        return sum(self.by_group.values())


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a thread of its own: callers may be inside
    an event loop (a test session) that must not be replaced."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def unsent(url: str, *, timeout_s: float = 5.0) -> dict[str, int]:
    """``"<schema>.<table>" -> rows with sent_at IS NULL``, for the tables that exist."""
    _, counts = await unsent_at(url, timeout_s=timeout_s)
    return counts


async def unsent_at(url: str, *, timeout_s: float = 5.0) -> tuple[datetime, dict[str, int]]:
    """``unsent`` and the database's clock just before it counted."""
    conn = await asyncpg.connect(url, timeout=timeout_s)
    try:
        at: datetime = await conn.fetchval("SELECT clock_timestamp()")
        out: dict[str, int] = {}
        for schema, table in UNSENT_TABLES:
            name = f"{schema}.{table}"
            if await conn.fetchval("SELECT to_regclass($1)", f'"{schema}"."{table}"') is None:
                continue
            out[name] = int(
                await conn.fetchval(
                    f'SELECT count(*) FROM "{schema}"."{table}" WHERE sent_at IS NULL'  # noqa: S608
                )
            )
        return at, out
    finally:
        await conn.close()


async def consumer_lag(bootstrap: str, prefix: str = "", *, timeout_ms: int = 5000) -> Lag:
    """Each group's lag (group names and topics with the services' topic prefix)."""
    groups = {
        f"{prefix}{group}": tuple(f"{prefix}{t}" for t in topics)
        for group, topics in CONSUMER_GROUPS.items()
    }
    topics = sorted({t for ts in groups.values() for t in ts})
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, request_timeout_ms=timeout_ms)
    await probe.start()
    try:
        partitions = {
            t: [TopicPartition(t, p) for p in sorted(probe.partitions_for_topic(t) or ())]
            for t in topics
        }
        ends = await probe.end_offsets([tp for tps in partitions.values() for tp in tps])
    finally:
        await _stop(probe)
    lag: dict[str, int] = {}
    for group, group_topics in groups.items():
        reader = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group,
            enable_auto_commit=False,
            request_timeout_ms=timeout_ms,
        )
        await reader.start()
        try:
            behind = 0
            for topic in group_topics:
                for tp in partitions[topic]:
                    committed = await reader.committed(tp)
                    behind += max(0, ends[tp] - (committed or 0))
        finally:
            await _stop(reader)
        lag[group.removeprefix(prefix)] = behind
    return Lag(lag, sum(ends.values()))


async def _stop(consumer: AIOKafkaConsumer) -> None:
    try:
        await consumer.stop()
    except (Exception, asyncio.CancelledError):  # aiokafka cancels its own tasks on stop
        pass
