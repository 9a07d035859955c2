"""Backtest throughput: journaled events replayed per second, and peak RSS.

    python -m bench.backtest load --events 1000000 [--schema bench_backtest]
    python -m bench.backtest run [--schema bench_backtest] [--single]

``load`` writes a journal of demo-book events (the seeded synthetic book,
enough accounts for the count asked; each event accepted a few seconds after
it occurred, events of the same second in one batch) with COPY into its own
schema of DATABASE_URL (default: the local test database). ``run`` replays it in
a fresh process exactly as ``crosssell backtest`` does (live and candidate
catalog, one pass) and prints events/s and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import time
from datetime import UTC, datetime, timedelta

import asyncpg
import yaml

from services.signal_ingest.backtest.run import BacktestInput, run_backtest
from services.signal_ingest.domain import load_catalog, parse_catalog
from services.signal_ingest.ingest.journal import envelope_bytes
from services.signal_ingest.settings import HERE
from shared.messages.inbound import parse_event

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
EVENTS_PER_ACCOUNT = 415  # the demo book's average over 90 days
SAMPLE = HERE / "catalog" / "sample.yaml"


def _url() -> str:
    return os.environ.get("DATABASE_URL", DEFAULT_URL)


async def load(schema: str, events: int, seed: int) -> None:
    from crosssell.demo.book import build_book

    accounts = max(1, events // EVENTS_PER_ACCOUNT + 1)
    started = time.perf_counter()
    book = build_book(seed, accounts, now=datetime.now(UTC))
    rows = []
    for i, raw in enumerate(book.events[:events]):
        event = parse_event(raw)
        accepted = (event.occurred_at + timedelta(seconds=5 + i % 7)).replace(microsecond=0)
        rows.append(
            (event.source, event.id, event.account_id, event.type, envelope_bytes(event), accepted)
        )
    rows.sort(key=lambda r: r[5])
    print(
        f"generated {len(rows):,} events of {accounts:,} accounts "
        f"in {time.perf_counter() - started:.0f}s"
    )
    conn = await asyncpg.connect(_url())
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        await conn.execute(
            f"""CREATE TABLE "{schema}".ingest_journal (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                source text NOT NULL, event_id text NOT NULL, account_id text NOT NULL,
                type text NOT NULL, value bytea, accepted_at timestamptz NOT NULL,
                sent_at timestamptz)"""
        )
        await conn.execute(
            f"""CREATE TABLE "{schema}".signals (id text PRIMARY KEY, account_id text,
                status text, suppression_reasons text[])"""
        )
        await conn.copy_records_to_table(
            "ingest_journal",
            schema_name=schema,
            records=rows,
            columns=["source", "event_id", "account_id", "type", "value", "accepted_at"],
        )
    finally:
        await conn.close()
    print(f"journaled {len(rows):,} events in schema {schema}")


async def run(schema: str, single: bool) -> None:
    live = load_catalog(SAMPLE)
    raw = yaml.safe_load(SAMPLE.read_text())
    raw["settings"]["usage_ceiling_fire_pct"] = 75
    candidate = live if single else parse_catalog(raw)
    spec = BacktestInput(
        _url(), live, candidate, signal_schema=schema, play_schema="absent", single=single
    )
    started = time.perf_counter()
    cpu = time.process_time()
    result = await run_backtest(spec)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    events = result["events_replayed"]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    replayer = result["_replayer"]
    signals = {r.name: len(r.world.signals.rows) for r in replayer.runs}
    print(
        f"replayed {events:,} events in {replayer.stats.batches:,} batches, "
        f"{'one catalog' if single else 'live + candidate catalog'}: "
        f"{wall:.1f}s wall, {cpu:.1f}s CPU -> {events / wall:,.0f} events/s "
        f"({events / cpu:,.0f} per CPU second); peak RSS {rss_mb:,.0f} MB; signals {signals}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=("load", "run"))
    parser.add_argument("--schema", default="bench_backtest")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--single", action="store_true", help="replay with one catalog only")
    args = parser.parse_args()
    if args.what == "load":
        asyncio.run(load(args.schema, args.events, args.seed))
    else:
        asyncio.run(run(args.schema, args.single))


if __name__ == "__main__":
    main()
