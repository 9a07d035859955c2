"""Outbox relay throughput: rows/s published with acks=all, in batches.

python -m bench.outbox_relay [--rows N] [--batch N]
Uses DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set, else embedded ones. Not a
scenario of ``crosssell bench``: a component measurement behind scenario 2.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bench.common import bench_env
from shared.db.engine import create_engine
from shared.db.migrate import upgrade
from shared.kafka.producer import build_producer
from shared.kafka.topics import ensure_topics
from shared.messages.envelope import Envelope
from shared.outbox import OutboxRelay
from shared.settings import asyncpg_url

MIGRATIONS = Path(__file__).resolve().parent.parent / "tests/integration/foundation/migrations"


async def run(pg_url: str, bootstrap: str, rows: int, batch: int) -> float:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    topic = f"bench.{schema}"
    engine = create_engine(asyncpg_url(pg_url), schema)
    await upgrade(engine, schema, MIGRATIONS)
    await ensure_topics(bootstrap, [topic])
    value = Envelope(
        id="x", type="bench", account_id="001A", occurred_at=datetime.now(UTC), payload={"n": 1}
    ).encode()
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO outbox (topic, key, value, created_at) "
                "SELECT :topic, convert_to('acct-' || (g % 1000), 'UTF8'), :value, now() "
                "FROM generate_series(1, :n) g"
            ),
            {"topic": topic, "value": value, "n": rows},
        )
    producer = build_producer(bootstrap)
    await producer.start()
    relay = OutboxRelay(engine, producer, schema, batch_size=batch)
    started = time.perf_counter()
    published = 0
    while published < rows:
        published += await relay.publish_batch()
    elapsed = time.perf_counter() - started
    await producer.stop()
    await engine.dispose()
    return rows / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    with bench_env() as env:
        rate = asyncio.run(run(env.pg_url, env.bootstrap, args.rows, args.batch))
    print(f"outbox relay: {args.rows} rows, batch {args.batch}: {rate:,.0f} rows/s published")


if __name__ == "__main__":
    main()
