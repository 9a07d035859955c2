"""crm_sync end to end: N PlayOpened -> N Opportunities in the Salesforce emulator.

python -m bench.crm_sync [--quick]
python -m bench.crm_sync --economy [--backfill N] [--steady N]   (see bench/crm_sync_economy.py)

Starts (unless DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS are set) the embedded
PostgreSQL and broker, a Salesforce emulator over HTTPS whose Outbound
Message rule points at crm_sync, and crm_sync's real runtime (the real
simple-salesforce gateway, no integration user configured: it is learnt).
Produces N ``PlayOpened`` to ``crosssell.plays``, waits until every
Opportunity exists in the emulator, then until the echoes settle, and
reports API calls per Opportunity (target <= 0.01), the time taken and the
Outbound Messages crm_sync received. Scenario 4 of ``crosssell bench``; alone,
prints the table and writes ``bench-results/crm_sync.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import ssl
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from pydantic import SecretStr

from bench.common import RESULTS_DIR, BenchEnv, Row, bench_env, print_table, say, write_json
from emulators.salesforce.server import EmulatorServer
from services.crm_sync.app import create_app
from services.crm_sync.settings import DEFAULT_OUTBOUND_FIELDS, CrmSyncSettings
from shared.embedded import free_port
from shared.kafka.producer import build_producer
from shared.kafka.topics import PLAYS, ensure_topics
from shared.messages.envelope import Envelope
from shared.messages.evidence import Evidence, Quote
from shared.messages.plays import PlaySnapshot

TARGET_CALLS_PER_OPPORTUNITY = 0.01


def play_opened(run: str, index: int, now: datetime) -> Envelope:
    play = PlaySnapshot(
        play_id=f"bench-{run}-{index:06d}",
        account_id=f"acct-{run}-{index % 2000:04d}",
        account_name=f"Customer {index % 2000:04d}",
        adjacent_product=("Analytics", "Automation", "Security")[index % 3],
        template="joint-14",
        state="open",
        opened_at=now,
        signal_occurred_at=now,
        deadline=now + timedelta(days=14),
        core_product="Core",
        core_acv=100_000.0 + index,
        expected_amount=round(42_000.0 + index * 0.42, 2),
        owner="ae@example.com",
        signal_type="seat_ceiling",
        signal_source=("gainsight", "churnzero", "product", "support")[index % 4],
        evidence=Evidence(
            summary="active_seats 96 of 100 (96%)",
            numbers={"value": 96, "limit": 100, "percent": 96},
            quotes=(Quote(text="We keep running out of seats", name="Kim", role="Ops lead"),),
        ),
        sponsor_name="Dana Reyes" if index % 2 else None,
        sponsor_title="VP Operations" if index % 2 else None,
    )
    return Envelope(
        id=f"{play.play_id}:v1:1",
        type="PlayOpened",
        account_id=play.account_id,
        occurred_at=now,
        source="bench",
        payload={"event": {}, "play": play.model_dump(mode="json")},
    )


@asynccontextmanager
async def serve(app: Any, port: int) -> AsyncIterator[str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=60)


async def wait_for(check: Any, timeout_s: float, interval_s: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(interval_s)
    raise TimeoutError(f"not done within {timeout_s:.0f}s")


async def bench_crm_sync(
    pg_url: str, bootstrap: str, plays: int, state_dir: Path, settle_s: float = 5.0
) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:8]
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}/v1/salesforce/outbound-message"
    emulator = EmulatorServer(
        state_dir=state_dir,
        daily_limit=1_000_000,
        outbound_rules=[
            {
                "object": "Opportunity",
                "fields": list(DEFAULT_OUTBOUND_FIELDS),
                "endpoint_url": endpoint,
            }
        ],
    )
    prefix = f"bench{run_id}."
    settings = CrmSyncSettings.load(
        database_url=pg_url,
        kafka_bootstrap_servers=bootstrap,
        db_schema=f"bench_{run_id}_crm_sync",
        topic_prefix=prefix,
        log_level="WARNING",
        sf_login_url="https://placeholder",
    )
    with emulator:
        settings = settings.model_copy(
            update={
                "sf_login_url": emulator.base_url,
                "sf_ca_path": emulator.ca_path,
                "sf_client_id": emulator.client_id,
                "sf_client_secret": SecretStr(emulator.client_secret),
                "sf_org_id": emulator.org_id,
            }
        )
        admin = httpx.AsyncClient(
            base_url=emulator.base_url + "/admin",
            verify=ssl.create_default_context(cafile=str(emulator.ca_path)),
            timeout=60,
        )
        async with serve(create_app(settings), port) as base_url:
            async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
                await wait_for(lambda: _ok(http.get("/readyz")), timeout_s=120, interval_s=0.2)
            topic = prefix + PLAYS
            await ensure_topics(bootstrap, [topic])
            now = datetime.now(UTC)
            messages = [play_opened(run_id, i, now) for i in range(plays)]
            producer = build_producer(bootstrap)
            await producer.start()
            started = time.perf_counter()
            try:
                futures = [await producer.send(topic, e.encode(), key=e.key) for e in messages]
                await asyncio.gather(*futures)
            finally:
                await producer.stop()
            produced_s = time.perf_counter() - started

            async def all_created() -> bool:
                answer = (await admin.get("/records/Opportunity", params={"limit": 0})).json()
                return int(answer["totalSize"]) >= plays

            await wait_for(all_created, timeout_s=max(120.0, plays / 20))
            created_s = time.perf_counter() - started

            async def counters() -> tuple[int, int]:
                usage = (await admin.get("/usage")).json()
                log = (await admin.get("/outbound/log")).json()
                return int(usage["used"]), sum(len(e["notification_ids"]) for e in log)

            last = await counters()
            quiet_since = time.perf_counter()
            while time.perf_counter() - quiet_since < settle_s:  # settled: no change for a while
                await asyncio.sleep(1.0)
                now_counts = await counters()
                if now_counts != last:
                    last, quiet_since = now_counts, time.perf_counter()
            settled_s = time.perf_counter() - started - settle_s
            usage = (await admin.get("/usage")).json()
            log = (await admin.get("/outbound/log")).json()
            total = int(
                (await admin.get("/records/Opportunity", params={"limit": 0})).json()["totalSize"]
            )
        await admin.aclose()
    notifications = sum(len(e["notification_ids"]) for e in log)
    acked = sum(len(e["notification_ids"]) for e in log if e["acked"])
    calls = int(usage["used"])
    return {
        "plays": plays,
        "opportunities": total,
        "api_calls": calls,
        "api_calls_by_kind": usage["by_kind"],
        "api_calls_per_opportunity": round(calls / max(total, 1), 5),
        "target_api_calls_per_opportunity": TARGET_CALLS_PER_OPPORTUNITY,
        "meets_target": calls / max(total, 1) <= TARGET_CALLS_PER_OPPORTUNITY,
        "produce_s": round(produced_s, 2),
        "all_opportunities_s": round(created_s, 2),
        "opportunities_per_s": round(total / created_s, 1),
        "settled_s": round(settled_s, 2),
        "outbound_messages": len(log),
        "outbound_notifications": notifications,
        "outbound_notifications_acked": acked,
        "at": datetime.now(UTC).isoformat(),
    }


async def _ok(request: Any) -> bool:
    try:
        return bool((await request).status_code == 200)
    except httpx.HTTPError:
        return False


async def run_async(env: BenchEnv, quick: bool = False, only: set[int] | None = None) -> list[Row]:
    plays = 1_000 if quick else 10_000
    say(f"scenario 4: a burst of {plays:,} PlayOpened through crm_sync")
    r = await bench_crm_sync(
        env.pg_url, env.bootstrap, plays, env.scratch / "sf", settle_s=2.0 if quick else 5.0
    )
    return [
        Row(
            4,
            f"Salesforce API calls per Opportunity write, burst of {plays:,} plays "
            "(1 call per record = 1.0)",
            r["api_calls_per_opportunity"],
            "calls",
            TARGET_CALLS_PER_OPPORTUNITY,
            "<=",
            r,
        ),
        Row(4, "Opportunities written per second during the burst", r["opportunities_per_s"], "/s"),
    ]


def run(env: BenchEnv, quick: bool = False, only: set[int] | None = None) -> list[Row]:
    return asyncio.run(run_async(env, quick, only))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 plays")
    parser.add_argument(
        "--economy", action="store_true", help="API calls of a backfill and of steady writes"
    )
    parser.add_argument("--backfill", type=int, default=100_000, help="with --economy")
    parser.add_argument("--steady", type=int, default=10_000, help="with --economy")
    args = parser.parse_args()
    started = datetime.now(UTC)
    if args.economy:
        from bench.crm_sync_economy import economy
        from bench.crm_sync_economy import rows as economy_rows

        # Only PostgreSQL is needed: no embedded broker when DATABASE_URL is set.
        if os.environ.get("DATABASE_URL"):
            scratch = Path(tempfile.mkdtemp(prefix="crosssell-bench-"))
            pg_url = os.environ["DATABASE_URL"]
            result = asyncio.run(economy(pg_url, scratch / "sf", args.backfill, args.steady))
        else:
            with bench_env() as env:
                result = asyncio.run(
                    economy(env.pg_url, env.scratch / "sf", args.backfill, args.steady)
                )
        rows = economy_rows(result)
        print_table(rows, "crm_sync API economy")
        out = RESULTS_DIR / "crm_sync_economy.json"
        sizes = {"backfill": args.backfill, "steady": args.steady}
        write_json(out, rows, started_at=started, quick=False, extra=sizes)
        print(f"wrote {out}")
        return
    with bench_env() as env:
        rows = run(env, args.quick)
    print_table(rows, "crm_sync")
    out = RESULTS_DIR / "crm_sync.json"
    write_json(out, rows, started_at=started, quick=args.quick)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
