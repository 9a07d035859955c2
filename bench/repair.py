"""Repair after a crash: a service meets a broker that forgot, with a full journal.

python -m bench.repair [--events 1000000] [--consume]

A migrated signal_ingest schema whose ingest journal holds N published events
(their envelopes as the edge writes them) and whose ``broker_epoch`` names a
broker that is gone (no completed drain): what a SIGKILL of ``crosssell up``
followed by a new start leaves. Then ``crosssell serve signal_ingest`` starts
on a fresh broker and the clock runs until every journal row is published
again (``--consume``: and applied by its consumers, the inbox absorbing none:
they never saw these events). Reports the time to notice and mark the rows
(from process start to the ``broker_epoch_changed`` log line) and the
re-publishing rate. Not a scenario of ``crosssell bench``: it needs a minute
or two at 1,000,000 events.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson
from sqlalchemy import text

from bench.common import (
    bench_env,
    free_port,
    say,
    spawn_service,
    stop_process,
    wait_ready,
)
from bench.signal_ingest import iter_events
from services.signal_ingest.bootstrap import MIGRATIONS
from services.signal_ingest.ingest.journal import envelope_bytes
from shared.db.engine import create_engine
from shared.db.migrate import upgrade
from shared.messages.inbound import parse_event
from shared.settings import asyncpg_url

CHUNK = 20_000


async def fill(pg_url: str, schema: str, events: int, accounts: int) -> float:
    """Journal ``events`` as published under an epoch that no broker has any more."""
    engine = create_engine(asyncpg_url(pg_url), schema, pool_size=2)
    await upgrade(engine, schema, MIGRATIONS)
    started = time.perf_counter()
    rows: list[tuple[str, str, str, str, bytes]] = []

    async def flush() -> None:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO ingest_journal"
                    " (source, event_id, account_id, type, value, sent_at)"
                    " SELECT s, e, a, t, v, now() FROM unnest(CAST(:s AS text[]),"
                    " CAST(:e AS text[]), CAST(:a AS text[]), CAST(:t AS text[]),"
                    " CAST(:v AS bytea[])) AS r(s, e, a, t, v)"
                ),
                {
                    "s": [r[0] for r in rows],
                    "e": [r[1] for r in rows],
                    "a": [r[2] for r in rows],
                    "t": [r[3] for r in rows],
                    "v": [r[4] for r in rows],
                },
            )
        rows.clear()

    for raw in iter_events(events, accounts, datetime.now(UTC), seed=5):
        event = parse_event(raw)
        rows.append((event.source, event.id, event.account_id, event.type, envelope_bytes(event)))
        if len(rows) >= CHUNK:
            await flush()
    if rows:
        await flush()
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE broker_epoch SET epoch = 'a-broker-that-is-gone', drained_at = NULL")
        )
    await engine.dispose()
    return time.perf_counter() - started


async def measure(pg_url: str, bootstrap: str, schema: str, events: int, consume: bool) -> dict:  # type: ignore[type-arg]
    engine = create_engine(asyncpg_url(pg_url), schema, pool_size=1)
    port = free_port()
    env = {
        "DATABASE_URL": pg_url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "DB_SCHEMA": schema,
        "CROSSSELL_TOPIC_PREFIX": f"{schema}.",
        "SIGNAL_INGEST_RUN_CONSUMERS": "1" if consume else "0",
        "SIGNAL_SWEEP_INTERVAL_S": "0",
        "CROSSSELL_LOG_LEVEL": "INFO",
    }
    log = f"/tmp/{schema}-repair.log"
    started_wall, started = time.time(), time.perf_counter()
    proc = spawn_service("signal_ingest", port, env, Path(log))
    try:
        await asyncio.to_thread(wait_ready, f"http://127.0.0.1:{port}", proc, 300)
        query = "SELECT count(*) FROM ingest_journal WHERE sent_at IS NULL"
        if consume:
            query = "SELECT :n - count(*) FROM processed_messages"
        while True:
            async with engine.connect() as conn:
                left = await conn.scalar(text(query), {"n": events})
            if left == 0:
                break
            await asyncio.sleep(0.2)
        done = time.perf_counter() - started
    finally:
        stop_process(proc)
        await engine.dispose()
    marked_at = None
    with open(log, "rb") as lines:
        for line in lines:
            if b"broker_epoch_changed" in line:
                at = orjson.loads(line)["timestamp"]
                marked_at = datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()
                break
    noticed = (marked_at - started_wall) if marked_at else None
    return {
        "events": events,
        "noticed_and_marked_s": None if noticed is None else round(noticed, 2),
        "repaired_s": round(done, 2),
        "events_per_s": round(events / done),
        "what": "applied by the consumers" if consume else "re-published to the broker",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--consume", action="store_true")
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:8]}_repair"
    with bench_env() as env:
        say(f"journaling {args.events:,} published events under a broker that is gone")
        filled = asyncio.run(fill(env.pg_url, schema, args.events, args.accounts))
        say(f"journal filled in {filled:.1f}s; starting signal_ingest on a fresh broker")
        result = asyncio.run(measure(env.pg_url, env.bootstrap, schema, args.events, args.consume))
    print(
        f"repair of {result['events']:,} journaled events: noticed and marked after "
        f"{result['noticed_and_marked_s']} s from process start; all {result['what']} after "
        f"{result['repaired_s']} s ({result['events_per_s']:,} events/s)"
    )


if __name__ == "__main__":
    main()
