"""play_orchestrator: deadline sweep cost vs book size, and pipeline metrics latency.

python -m bench.play_orchestrator [--quick] [--only 5,6]

1. Sweep: 1,000 due timers among 10k / 100k / 1M open plays (each open play
   has four future timers). Filler plays and timers are bulk-inserted with
   ``INSERT ... SELECT generate_series``; the 1,000 due plays are real domain
   plays stored through the adapters. Only the sweep (claim, load, fire, save,
   mark, outbox) is timed: median of 5 runs, the due plays restored between
   runs. Target: the time stays within 2x across sizes.
2. ``GET /v1/metrics/pipeline`` over HTTP (uvicorn, real app) with 100,000
   plays: p95 over 200 requests, period = the whole year. Target <= 100 ms.

Scenarios 5 and 6 of ``crosssell bench``. Uses DATABASE_URL /
KAFKA_BOOTSTRAP_SERVERS when set, else the embedded ones. Alone, prints the
table and writes bench-results/play_orchestrator.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import (
    RESULTS_DIR,
    BenchEnv,
    Row,
    bench_env,
    free_port,
    print_table,
    say,
    write_json,
)
from services.play_orchestrator import handlers
from services.play_orchestrator.adapters.uow import SqlUnitOfWork
from services.play_orchestrator.app import create_app
from services.play_orchestrator.bootstrap import MIGRATIONS
from services.play_orchestrator.settings import PlayOrchestratorSettings
from services.play_orchestrator.sweeper import DeadlineSweeper
from shared.auth import create_key
from shared.clock import TestClock
from shared.db.engine import create_engine, session_factory
from shared.db.migrate import upgrade
from shared.logs import configure_logging
from shared.messages.evidence import Evidence
from shared.messages.signals import AccountSnapshot, SignalMessage
from shared.settings import asyncpg_url

DUE = 1_000
SIGNAL_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SWEEP_NOW = SIGNAL_AT + timedelta(days=7, minutes=30)  # review_day7 due, meeting_due not yet

FILLER_PLAYS = """
INSERT INTO plays (id, account_id, account_name, adjacent_product, state, template, owner, csm,
  surfaced_by, signal_type, signal_source, opened_at, signal_occurred_at, deadline, core_acv,
  expected_amount, doc, version)
SELECT 'f-' || g, 'fa-' || g, 'Filler ' || g, 'Billing Automation', 'open', 'joint-14',
  'owner-' || (g % 50), 'csm-' || (g % 80), 'system', 'usage_ceiling', 'gainsight',
  t.at, t.at - interval '1 hour', t.at + interval '335 hours', 100000, 42000, '{}'::jsonb, 1
FROM generate_series(CAST(:lo AS int), CAST(:hi AS int)) AS g,
  LATERAL (SELECT CAST(:now AS timestamptz) + make_interval(hours => g % 240) AS at) AS t
"""
FILLER_TIMERS = """
INSERT INTO timers (play_id, kind, due_at)
SELECT 'f-' || g, k.kind, CAST(:now AS timestamptz) + make_interval(hours => g % 240 + k.hours)
FROM generate_series(CAST(:lo AS int), CAST(:hi AS int)) AS g,
  (VALUES ('meeting_due', 169), ('review_day7', 168), ('review_day14', 336),
          ('window_deadline', 336)) AS k(kind, hours)
"""
METRIC_PLAYS = """
INSERT INTO plays (id, account_id, account_name, adjacent_product, state, template, owner,
  surfaced_by, signal_type, signal_source, opened_at, signal_occurred_at, deadline, closed_at,
  core_acv, expected_amount, won_amount, doc, version)
SELECT 'm-' || g, 'acc-' || (g % 30000), '', 'product-' || (g / 30000), s.state::play_state,
  'joint-14', 'owner-' || (g % 50),
  (ARRAY['csm', 'ae', 'partner', 'system'])[1 + g % 4],
  (ARRAY['usage_ceiling', 'seat_milestone', 'adjacent_pain', 'workaround',
         'stakeholder_expansion', 'strategic_shift', 'partner_flag',
         'competitive_adjacent'])[1 + g % 8], 'gainsight',
  o.at, o.at - interval '1 hour', o.at + interval '14 days',
  CASE WHEN s.state IN ('won', 'lost', 'expired', 'withdrawn', 'disqualified')
       THEN o.at + make_interval(hours => 24 + g % 300) END,
  50000 + (g % 100) * 1000, (50000 + (g % 100) * 1000) * 0.42,
  CASE WHEN s.state = 'won' THEN 10000 + (g % 70) * 500 END, '{}'::jsonb, 1
FROM generate_series(1, :n) AS g,
  LATERAL (SELECT (ARRAY['won', 'lost', 'expired', 'open', 'briefed', 'disqualified',
                         'withdrawn', 'meeting_booked', 'won', 'lost'])[1 + g % 10] AS state) s,
  LATERAL (SELECT CAST(:start AS timestamptz)
                  + make_interval(mins => (g * 7919) % 525600) AS at) AS o
"""
METRIC_ACCOUNTS = """
INSERT INTO accounts (account_id, name, core_acv, total_acv, first_seen_at, as_of)
SELECT 'acc-' || g, 'Account ' || g, 100000, 150000 + (g % 10) * 1000,
  CAST(:start AS timestamptz) + make_interval(hours => g % 2000), CAST(:start AS timestamptz)
FROM generate_series(0, :n - 1) AS g
"""


def due_signal(i: int) -> handlers.SignalReceived:
    account = AccountSnapshot(
        account_id=f"due-{i}",
        name=f"Due {i}",
        core_product="Workflow Suite",
        core_acv=120000,
        total_acv=150000,
        ae_owner="alex.ae",
        csm_owner="sam.csm",
    )
    message = SignalMessage(
        signal_id=f"sig-due-{i}",
        account_id=account.account_id,
        adjacent_product="Billing Automation",
        type="usage_ceiling",
        status="qualified",
        score=60,
        evidence=Evidence(summary="active_seats at 86 of 100"),
        source="gainsight",
        surfaced_by="csm",
        detected_at=SIGNAL_AT,
        play_score=60,
        play_threshold=50,
        opens_play=True,
        account=account,
    )
    return handlers.SignalReceived(message, SIGNAL_AT)


async def _autocommit(engine: AsyncEngine, sql: str) -> None:
    """Maintenance statements (VACUUM, DROP SCHEMA) on a 1M-play book can outlast
    the services' 60 s command timeout on a busy machine: an hour here."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        raw = await conn.get_raw_connection()
        await raw.driver_connection.execute(sql, timeout=3600)  # type: ignore[union-attr]


async def _schema(url: str, tag: str) -> tuple[AsyncEngine, str]:
    schema = f"bench_po_{tag}_{uuid.uuid4().hex[:6]}"
    engine = create_engine(url, schema, pool_size=4)
    await upgrade(engine, schema, MIGRATIONS)
    return engine, schema


async def bench_sweep(url: str, open_plays: int, runs: int = 5) -> dict[str, Any]:
    engine, schema = await _schema(url, f"sweep{open_plays}")
    sessions = session_factory(engine)
    try:
        started = time.perf_counter()
        # the fillers' timers all fall after SWEEP_NOW: only the 1,000 are due;
        # 100k plays per statement (each under the engine's 60 s command timeout)
        fillers = open_plays - DUE
        for lo in range(1, fillers + 1, 100_000):
            params = {
                "now": SIGNAL_AT + timedelta(days=1),
                "lo": lo,
                "hi": min(lo + 100_000 - 1, fillers),
            }
            async with engine.begin() as conn:
                await conn.execute(text(FILLER_PLAYS), params)
                await conn.execute(text(FILLER_TIMERS), params)
        ids = iter(range(DUE))
        policy = handlers.OpeningPolicy(new_id=lambda: f"due-{next(ids)}")
        async with sessions() as session, session.begin():
            uow = SqlUnitOfWork(session, "bench.crosssell.plays")
            opened = await handlers.on_signals(
                uow, [due_signal(i) for i in range(DUE)], SIGNAL_AT + timedelta(hours=1), policy
            )
        assert len(opened) == DUE
        await _autocommit(engine, "VACUUM ANALYZE")
        load_s = time.perf_counter() - started
        async with engine.connect() as conn:
            originals = (
                await conn.execute(text("SELECT id, doc::text FROM plays WHERE id LIKE 'due-%'"))
            ).all()
        clock = TestClock(SWEEP_NOW)
        times = []
        for _ in range(runs):
            sweeper = DeadlineSweeper(sessions, clock, "bench.crosssell.plays", batch=500)
            clock.set(SIGNAL_AT + timedelta(days=1))
            await sweeper.sweep_once()  # warm: nothing due yet
            clock.set(SWEEP_NOW)
            t0 = time.perf_counter()
            while await sweeper.sweep_once():
                pass
            times.append((time.perf_counter() - t0) * 1000)
            assert sweeper.fired == DUE, sweeper.fired
            await _restore(engine, originals)
        return {
            "open_plays": open_plays,
            "timers": await _count(engine, "timers"),
            "due": DUE,
            "sweep_ms_runs": [round(t, 1) for t in times],
            "sweep_ms": round(statistics.median(times), 1),
            "sweep_ms_min": round(min(times), 1),
            "load_s": round(load_s, 1),
        }
    finally:
        await _autocommit(engine, f'DROP SCHEMA "{schema}" CASCADE')
        await engine.dispose()


async def _restore(engine: AsyncEngine, originals: list[Any]) -> None:
    """Put the due plays back as they were before the sweep."""
    rows = json.dumps([{"id": r[0], "doc": json.loads(r[1])} for r in originals])
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE plays p SET doc = r.doc, version = 1, at_risk = false "
                "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(id text, doc jsonb) "
                "WHERE p.id = r.id"
            ),
            {"rows": rows},
        )
        await conn.execute(
            text(
                "UPDATE timers SET fired_at = NULL WHERE play_id LIKE 'due-%' "
                "AND kind = 'review_day7'"
            )
        )
        await conn.execute(text("DELETE FROM reviews"))
        await conn.execute(text("DELETE FROM outbox"))
    await _autocommit(engine, "VACUUM ANALYZE plays")


async def _count(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar() or 0)


async def bench_metrics(pg_url: str, bootstrap: str, plays: int, requests: int) -> dict[str, Any]:
    url = asyncpg_url(pg_url)
    engine, schema = await _schema(url, "metrics")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(METRIC_PLAYS), {"n": plays, "start": start})
            await conn.execute(text(METRIC_ACCOUNTS), {"n": 30000, "start": start})
        await _autocommit(engine, "VACUUM ANALYZE")
        keys = Path(tempfile.mkdtemp()) / "api_keys.json"
        _, key = create_key(keys, ["read"])
        settings = PlayOrchestratorSettings.load(
            database_url=pg_url,
            kafka_bootstrap_servers=bootstrap,
            db_schema=schema,
            api_keys_file=keys,
            topic_prefix=f"bench{uuid.uuid4().hex[:6]}.",
            log_level="WARNING",
        )
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), port=port, log_level="warning", lifespan="on")
        )
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        periods = {
            "year": {
                "since": start.isoformat(),
                "until": (start + timedelta(days=366)).isoformat(),
            },
            "90 days": {
                "since": (start + timedelta(days=200)).isoformat(),
                "until": (start + timedelta(days=290)).isoformat(),
            },
        }
        out: dict[str, Any] = {"plays": plays, "requests": requests}
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers) as http:
            for name, params in periods.items():
                for _ in range(10):  # warm up
                    (await http.get("/v1/metrics/pipeline", params=params)).raise_for_status()
                samples = []
                for _ in range(requests):
                    t0 = time.perf_counter()
                    response = await http.get("/v1/metrics/pipeline", params=params)
                    samples.append((time.perf_counter() - t0) * 1000)
                    response.raise_for_status()
                samples.sort()
                out[name] = {
                    "p50_ms": round(statistics.median(samples), 1),
                    "p95_ms": round(samples[int(0.95 * len(samples)) - 1], 1),
                    "max_ms": round(samples[-1], 1),
                    "plays_opened": response.json()["plays_opened"],
                }
        server.should_exit = True
        await task
        return out
    finally:
        await _autocommit(engine, f'DROP SCHEMA "{schema}" CASCADE')
        await engine.dispose()


FULL = {"sizes": [10_000, 100_000, 1_000_000], "metric_plays": 100_000, "requests": 200, "runs": 5}
QUICK = {"sizes": [2_000, 5_000, 10_000], "metric_plays": 10_000, "requests": 50, "runs": 2}


async def run_async(env: BenchEnv, quick: bool = False, only: set[int] | None = None) -> list[Row]:
    configure_logging("WARNING", "console")  # one info line per fired timer otherwise
    size = QUICK if quick else FULL
    only = only or {5, 6}
    rows: list[Row] = []
    if 5 in only:
        sweeps = []
        for n in size["sizes"]:
            say(f"scenario 5: {DUE:,} due deadlines among {n:,} open plays")
            sweeps.append(await bench_sweep(asyncpg_url(env.pg_url), n, runs=size["runs"]))
        for s in sweeps:
            rows.append(
                Row(
                    5,
                    f"sweep of {DUE:,} due deadlines, {s['open_plays']:,} open plays "
                    f"(median of {len(s['sweep_ms_runs'])})",
                    s["sweep_ms"],
                    "ms",
                    detail=s,
                )
            )
        ratio = max(s["sweep_ms"] for s in sweeps) / min(s["sweep_ms"] for s in sweeps)
        rows.append(Row(5, "sweep time, slowest / fastest book", round(ratio, 3), "x", 2.0, "<="))
    if 6 in only:
        plays = size["metric_plays"]
        say(f"scenario 6: GET /v1/metrics/pipeline with {plays:,} plays")
        m = await bench_metrics(env.pg_url, env.bootstrap, plays, size["requests"])
        for name in ("year", "90 days"):
            rows.append(
                Row(
                    6,
                    f"GET /v1/metrics/pipeline p95, {plays:,} plays, period {name} "
                    f"({m['requests']} requests)",
                    m[name]["p95_ms"],
                    "ms",
                    100,
                    "<=",
                    m[name],
                )
            )
    return rows


def run(env: BenchEnv, quick: bool = False, only: set[int] | None = None) -> list[Row]:
    return asyncio.run(run_async(env, quick, only))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller books (a smoke run)")
    parser.add_argument("--only", default="5,6", help="scenarios (5, 6)")
    args = parser.parse_args()
    only = {int(x) for x in args.only.split(",") if x.strip()}
    started = datetime.now(UTC)
    with bench_env() as env:
        rows = run(env, args.quick, only)
    print_table(rows, "play_orchestrator")
    out = RESULTS_DIR / "play_orchestrator.json"
    write_json(out, rows, started_at=started, quick=args.quick)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
