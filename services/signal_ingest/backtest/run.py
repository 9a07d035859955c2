"""One backtest: read the history, replay it with the live and the candidate
catalog, and put the comparison in one JSON-ready dict.

    result = await run_backtest(BacktestInput(url, live, candidate, since_days=90))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from services.signal_ingest.backtest import compare, source
from services.signal_ingest.backtest.replay import Replayer
from services.signal_ingest.domain import Catalog

LIVE, CANDIDATE = "live", "candidate"


@dataclass(frozen=True)
class BacktestInput:
    database_url: str
    live: Catalog
    candidate: Catalog
    since_days: float | None = None
    accounts: Sequence[str] = ()
    signal_schema: str = "signal_ingest"
    play_schema: str = "play_orchestrator"
    until: datetime = field(default_factory=lambda: datetime.now(UTC))
    chunk_rows: int = source.CHUNK_ROWS
    single: bool = False  # replay the live catalog only (measurements)


Progress = Callable[[int, int], None]  # (events done, events in total)


async def run_backtest(spec: BacktestInput, progress: Progress | None = None) -> dict[str, Any]:
    since = spec.until - timedelta(days=spec.since_days) if spec.since_days else None
    period = compare.Period(since, spec.until)
    accounts = list(spec.accounts)
    conn = await asyncpg.connect(source.plain_url(spec.database_url))
    try:
        total = await source.count_journal(conn, spec.signal_schema, accounts)
        plays = await source.real_plays(conn, spec.play_schema, accounts)
        catalogs = (
            {LIVE: spec.live} if spec.single else {LIVE: spec.live, CANDIDATE: spec.candidate}
        )
        replayer = Replayer(catalogs, source.play_updates(plays or []))
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(done, total)

        if progress is not None:
            progress(0, total)
        chunks = source.journal_chunks(conn, spec.signal_schema, accounts, spec.chunk_rows)
        await replayer.feed(chunks, advance)
        await replayer.finish(spec.until)
        stored = await source.live_signals(conn, spec.signal_schema, accounts)
    finally:
        await conn.close()

    runs = {}
    for run in replayer.runs:
        window = timedelta(days=run.catalog.settings.play_window_days)
        runs[run.name] = {
            "catalog_version": run.catalog.version,
            "play_threshold": run.catalog.settings.play_threshold,
            "breakdown": compare.breakdown(run.world, period),
            "outcomes": compare.outcomes(run.world, plays or [], period, window),
        }
    result: dict[str, Any] = {
        "period": {
            "since": since.isoformat() if since else None,
            "until": spec.until.isoformat(),
        },
        "accounts": accounts,
        "events_replayed": replayer.stats.events,
        "undecodable": replayer.stats.undecodable,
        "plays_known": plays is not None,
        "runs": runs,
        "signals": compare.signals_in(replayer.runs[-1].world, period),
    }
    result["fidelity"] = fidelity(replayer, stored)
    result["_replayer"] = replayer  # for callers in process; dropped before JSON
    return result


def public(result: dict[str, Any]) -> dict[str, Any]:
    """The result without in-process objects (what ``--json`` and the API give)."""
    return {k: v for k, v in result.items() if not k.startswith("_")}


def fidelity(replayer: Replayer, stored: dict[str, tuple[str, tuple[str, ...]]]) -> dict[str, Any]:
    """How the live-catalog replay compares with the signals the service stored
    (the whole history): same status and reasons, different, or only on one side."""
    replayed = replayer.world(LIVE).signals.rows
    same = differ = 0
    examples: list[dict[str, Any]] = []
    for signal_id, signal in replayed.items():
        live = stored.get(signal_id)
        if live is None:
            continue
        mine = (signal.status.value, tuple(signal.suppression_reasons))
        if mine == live:
            same += 1
            continue
        differ += 1
        if len(examples) < 10:
            examples.append(
                {
                    "id": signal_id,
                    "live": [live[0], list(live[1])],
                    "replay": [mine[0], list(mine[1])],
                }
            )
    return {
        "stored": len(stored),
        "replayed": len(replayed),
        "same": same,
        "different": differ,
        "only_stored": sum(1 for i in stored if i not in replayed),
        "only_replayed": sum(1 for i in replayed if i not in stored),
        "examples": examples,
    }
