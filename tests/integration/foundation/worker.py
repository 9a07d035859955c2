"""A real consumer process for the crash and SIGTERM tests.

python -m tests.integration.foundation.worker  (configured by environment)
LEDGER_SLOW_S: seconds each batch holds its transaction half-written.
LEDGER_CRASH_AFTER_DB_COMMIT=1: die with os._exit right after the first
database commit, before the offset commit (what kill -9 at that moment does).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from shared.db.engine import create_engine, session_factory
from shared.db.migrate import upgrade
from shared.kafka.consumer import BatchConsumer, Consumed
from shared.kafka.producer import build_producer
from shared.kafka.topics import ensure_topics
from shared.logs import configure_logging
from shared.outbox import OutboxRelay
from shared.settings import asyncpg_url
from tests.integration.foundation import ledger


async def main() -> None:
    configure_logging("INFO", "json")
    env = os.environ
    schema, prefix = env["DB_SCHEMA"], env["CROSSSELL_TOPIC_PREFIX"]
    engine = create_engine(asyncpg_url(env["DATABASE_URL"]), schema)
    await upgrade(engine, schema, ledger.MIGRATIONS)
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    await ensure_topics(bootstrap, [prefix + ledger.IN_TOPIC, prefix + ledger.OUT_TOPIC])
    producer = build_producer(bootstrap)
    await producer.start()

    async def crash(applied: list[Consumed]) -> None:
        print(f"committed {len(applied)}; crashing before the offset commit", flush=True)
        os._exit(137)

    consumer = BatchConsumer(
        name=f"{prefix}ledger",
        topics=[prefix + ledger.IN_TOPIC],
        bootstrap=bootstrap,
        sessions=session_factory(engine),
        handler=ledger.make_handler(prefix + ledger.OUT_TOPIC, float(env.get("LEDGER_SLOW_S", 0))),
        registry=ledger.registry(),
        producer=producer,
        max_records=int(env.get("LEDGER_MAX_RECORDS", 500)),
        after_db_commit=crash if env.get("LEDGER_CRASH_AFTER_DB_COMMIT") == "1" else None,
    )
    relay = OutboxRelay(engine, producer, schema)

    def stop() -> None:
        consumer.request_stop()
        relay.stop()

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop)
    print("ready", flush=True)
    await asyncio.gather(consumer.run(), relay.run())
    await producer.stop()
    await engine.dispose()
    print("drained", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
