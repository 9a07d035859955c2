"""A backtest with the live catalog reproduces the live signals: a seeded demo
book goes through the real edge, journal, broker and consumer (with its sweep);
the replay of the journal then yields the same signal ids, statuses and reasons."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from crosssell.demo.book import build_book
from crosssell.demo.client import batches
from crosssell.demo.run import CONTEXT_TYPES
from services.signal_ingest.backtest.run import LIVE, BacktestInput, run_backtest
from services.signal_ingest.domain import load_catalog
from tests.support.isolation import new_isolation
from tests.support.kafka import wait_until

from .harness import SAMPLE_CATALOG, running

pytestmark = pytest.mark.slow


async def _processed(url: str, schema: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        value = await conn.fetchval(
            f"SELECT count(*) FROM {schema}.processed_messages "
            "WHERE consumer = 'signal_ingest.events'"
        )
        return int(value)
    finally:
        await conn.close()


async def test_live_catalog_backtest_reproduces_live_signals(
    pg_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    isolated = new_isolation(pg_url, kafka_bootstrap, tmp_path)
    schema = isolated.schema("signal_ingest")
    book = build_book(11, 30, now=datetime.now(UTC))
    async with running(isolated, tmp_path, sweep_interval_s=1.0) as pipeline:
        context = [e for e in book.events if e["type"] in CONTEXT_TYPES]
        rest = [e for e in book.events if e["type"] not in CONTEXT_TYPES]
        for phase in (context, rest):
            for source, batch in batches(phase, 250):
                await pipeline.post(source, batch)

        async def consumed() -> bool:
            return await _processed(pg_url, schema) >= len(book.events)

        await wait_until(consumed, timeout_s=150, interval_s=0.5)
        await asyncio.sleep(2.5)  # at least one sweep after the last batch

        catalog = load_catalog(SAMPLE_CATALOG)
        spec = BacktestInput(pg_url, catalog, catalog, signal_schema=schema, play_schema="absent")
        result = await run_backtest(spec)

    fidelity = result["fidelity"]
    assert result["events_replayed"] == len(book.events)
    replayed = result["_replayer"].world(LIVE).signals.rows
    statuses = Counter(s.status.value for s in replayed.values())
    reasons = Counter(r for s in replayed.values() for r in s.suppression_reasons)
    # the book exercises every status and several gates, or the test proves little
    assert set(statuses) == {"qualified", "suppressed", "stale"}, statuses
    assert len(reasons) >= 4, reasons
    assert fidelity["stored"] > 20
    assert fidelity["examples"] == []
    assert (fidelity["different"], fidelity["only_stored"], fidelity["only_replayed"]) == (0, 0, 0)
    assert fidelity["same"] == fidelity["stored"] == fidelity["replayed"]
