"""play_orchestrator on the one inbound topic: its cost per inbound event.

Scenario 2's topic holds every inbound type. play_orchestrator reads only
escalations and renewals from it and must skip the rest by their ``type``
header without decoding them. Here one ``crosssell serve play_orchestrator``
reads the topic until its ``play_orchestrator.account`` group has no lag; we
report its CPU per inbound event and how many records it decoded and applied.
Its other consumers read the scenario's ``crosssell.signals`` too (signals
are fewer than 1% of the events), so the figure is an upper bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from bench.common import (
    BenchEnv,
    cpu_seconds,
    free_port,
    say,
    spawn_service,
    stop_process,
    wait_ready,
)

CONSUMED = "crosssell_messages_consumed_total"
GROUP = "play_orchestrator.account"


async def group_lag(bootstrap: str, group: str, topic: str) -> int:
    """How far ``group`` is behind the end of ``topic`` (committed offsets, as the
    fault suite reads them: a group member that never joins asks for them)."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await reader.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(reader.partitions_for_topic(topic) or ())]
        if not tps:
            await reader._client.force_metadata_update()
            tps = [
                TopicPartition(topic, p) for p in sorted(reader.partitions_for_topic(topic) or ())
            ]
        ends = await reader.end_offsets(tps)
        behind = 0
        for tp in tps:
            behind += max(0, ends[tp] - (await reader.committed(tp) or 0))
        return behind
    finally:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await reader.stop()


async def inbound_reader_bench(
    env: BenchEnv, prefix: str, schema: str, total: int
) -> dict[str, Any]:
    port = free_port()
    service_env = {
        "DATABASE_URL": env.pg_url,
        "KAFKA_BOOTSTRAP_SERVERS": env.bootstrap,
        "DB_SCHEMA": schema,
        "CROSSSELL_TOPIC_PREFIX": prefix,
        "SWEEP_INTERVAL_S": "60",
        "CROSSSELL_LOG_LEVEL": "WARNING",
    }
    say("scenario 2: play_orchestrator reads the same inbound topic (account facts only)")
    proc = spawn_service("play_orchestrator", port, service_env, env.scratch / f"{schema}.log")
    base = f"http://127.0.0.1:{port}"
    try:
        await asyncio.to_thread(wait_ready, base, proc)
        cpu_ready = cpu_seconds(proc.pid)
        started = time.perf_counter()
        deadline = started + max(300.0, total / 2000)
        while await group_lag(env.bootstrap, prefix + GROUP, prefix + "crosssell.events"):
            if time.perf_counter() > deadline or proc.poll() is not None:
                raise TimeoutError("play_orchestrator did not catch up with crosssell.events")
            await asyncio.sleep(0.5)
        elapsed = time.perf_counter() - started
        cpu_used = cpu_seconds(proc.pid) - cpu_ready
        async with httpx.AsyncClient(timeout=10, trust_env=False) as http:
            page = (await http.get(f"{base}/metrics")).text
        applied = sum(
            float(line.rsplit(" ", 1)[1])
            for line in page.splitlines()
            if line.startswith(CONSUMED) and f'consumer="{GROUP}"' in line
        )
    finally:
        stop_process(proc)
    return {
        "events": total,
        "elapsed_s": round(elapsed, 2),
        "cpu_s": round(cpu_used, 2),
        "cpu_us_per_event": round(cpu_used / max(total, 1) * 1e6, 2),
        "account_facts_applied": int(applied),
    }
