"""signal_ingest throughput: the consumer hot path and the HTTP ingest edge.

python -m bench.signal_ingest [--events N] [--accounts N] [--quick] [--no-http] [--profile]

Consumer: N mixed, realistic canonical events over the accounts are produced
to the event topics BEFORE the service starts; then the real runtime
(``build_runtime`` + ``start``) consumes them, and the clock runs until every
event is committed (inbox) and every decided signal is published from the
outbox. The same messages are also read with a bare aiokafka consumer
(decode only) for the ratio. HTTP: a separate ``crosssell serve
signal_ingest`` process (consumers off) takes signed 500-event batches on
``POST /v1/events`` from concurrent senders. Uses DATABASE_URL /
KAFKA_BOOTSTRAP_SERVERS when set, else embedded ones. Writes
``bench-results/signal_ingest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import os
import pstats
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil
from aiokafka import AIOKafkaConsumer
from sqlalchemy import text

from services.signal_ingest.bootstrap import MIGRATIONS, build_runtime
from services.signal_ingest.consumer import EVENTS_APPLIED, EVENTS_CONSUMER
from services.signal_ingest.ingest.publisher import envelope_bytes
from services.signal_ingest.settings import SignalIngestSettings
from shared.db.engine import create_engine
from shared.db.migrate import upgrade
from shared.embedded import EmbeddedBroker, EmbeddedPostgres, free_port, wait_for_port
from shared.kafka.producer import build_producer
from shared.kafka.topics import ACCOUNT, PLAYS, SIGNALS, TICKET, USAGE, ensure_topics
from shared.messages.inbound import parse_event
from shared.settings import asyncpg_url
from shared.signature import sign

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results" / "signal_ingest.json"
SECRET = "bench-ingest-secret"

# -- a realistic synthetic stream ---------------------------------------------
MIX = (
    ("usage.metric", 70),
    ("ticket.opened", 9),
    ("ticket.closed", 4),
    ("usage.workaround", 5),
    ("account.profile", 4),
    ("account.stakeholder", 2),
    ("account.note", 2),
    ("account.escalation", 2),
    ("account.renewal", 2),
)
SOURCES = {
    "usage.metric": ("product", "gainsight", "churnzero"),
    "usage.workaround": ("product", "gainsight"),
    "ticket.opened": ("support",),
    "ticket.closed": ("support",),
    "account.profile": ("salesforce",),
    "account.renewal": ("salesforce",),
    "account.escalation": ("support", "csm"),
    "account.stakeholder": ("salesforce", "csm"),
    "account.note": ("csm", "partner"),
}
SERIES = (  # product, metric, module, tier limit
    ("workflow_platform", "active_seats", "workflow", 80),
    ("workflow_platform", "api_calls", None, 100_000),
    ("workflow_platform", "storage_gb", None, 500),
    ("workflow_platform", "automations_run", None, 20_000),
    ("service_desk", "agent_seats", None, 150),
    ("service_desk", "api_calls", None, 50_000),
)
GROWING = 0.08  # share of accounts whose usage climbs towards the tier limits
PAIN = (
    ("Need a custom report for the board", "We export to Excel. The numbers don't match."),
    ("Audit trail for permission changes", "We cannot tell who changed access. SOC 2 is soon."),
    ("Keep Jira and Flowboard in sync", "We use Zapier and hit the rate limit every afternoon."),
    ("Login loop on mobile", "The app logs me out after a minute."),
    ("Invoice address wrong", "Please update the billing address on our account."),
)
TOPICS = (["reporting"], ["audit_log", "sso"], ["integrations"], ["mobile"], ["billing"])
WORKAROUNDS = ("export_to_spreadsheet", "third_party_tool", "manual_access_review", "custom_script")
PERSONAS = ("head_of_data", "finance_manager", "team_lead", "ciso", "office_manager")
NOTES = (
    ("qbr", "Renewal call went fine; they asked about the roadmap."),
    ("qbr", "Adoption review: two teams still plan in spreadsheets."),
    ("strategic_shift", "They are building a central analytics team; Flowboard Insights came up."),
    ("partner_flag", "Partner says they struggle with automation limits and Zapier costs."),
    ("competitor_evaluation", "Their security lead is evaluating Vanta for SOC 2 evidence."),
    ("qbr", "QBR went well, adoption is up and the exec sponsor is happy."),
)


def _kind(rng: random.Random) -> str:
    roll = rng.randrange(100)
    for kind, weight in MIX:
        if roll < weight:
            return kind
        roll -= weight
    return "usage.metric"


def _data(kind: str, rng: random.Random, acct: int, i: int, progress: float) -> dict[str, Any]:
    if kind == "usage.metric":
        product, metric, module, limit = SERIES[rng.randrange(len(SERIES))]
        spread = ((acct * 7919) % 1000) / 1000
        level = 0.55 + spread + 0.35 * progress if spread < GROWING else 0.2 + 0.35 * spread
        value = round(limit * min(1.05, level + rng.uniform(-0.03, 0.03)))
        data: dict[str, Any] = {"product": product, "metric": metric, "value": value}
        data["limit"] = limit
        if module:
            data["module"] = module
        return data
    if kind in ("ticket.opened", "ticket.closed"):
        which = rng.randrange(len(PAIN))
        person = rng.randrange(6)
        return {
            "ticket_id": f"T-{acct}-{rng.randrange(8)}" if kind == "ticket.closed" else f"T-{i}",
            "requester": {
                "contact_id": f"003-{acct}-{person}",
                "name": f"Operator {person}",
                "role": ("Ops Manager", "Analyst", "Team Lead")[person % 3],
            },
            "subject": PAIN[which][0],
            "description": PAIN[which][1],
            "topics": TOPICS[which],
            "escalation": rng.random() < 0.03,
        }
    if kind == "usage.workaround":
        kinds = WORKAROUNDS[rng.randrange(len(WORKAROUNDS))]
        return {"product": "workflow_platform", "kind": kinds, "detail": "weekly board export"}
    if kind == "account.profile":
        return {
            "name": f"Account {acct}",
            "csm_owner": f"csm{acct % 40}",
            "ae_owner": f"ae{acct % 25}",
            "health": ("green", "green", "green", "yellow", "red")[rng.randrange(5)],
            "products": [
                {
                    "product": "workflow_platform",
                    "tier": "business",
                    "acv": 40_000 + (acct % 50) * 2_000,
                    "renewal_date": f"{2027 + acct % 2}-0{1 + acct % 9}-15",
                    "adoption_pct": 50 + acct % 50,
                }
            ],
        }
    if kind == "account.renewal":
        status = ("negotiating", "renewed")[rng.randrange(2)]
        return {"product": "workflow_platform", "status": status, "renewal_date": "2027-03-15"}
    if kind == "account.escalation":
        status = ("opened", "resolved", "resolved")[rng.randrange(3)]
        return {"escalation_id": f"E-{acct}-{rng.randrange(2)}", "status": status}
    if kind == "account.stakeholder":
        contact = rng.randrange(5)
        return {
            "contact_id": f"003-{acct}-s{contact}",
            "name": f"Stakeholder {contact}",
            "title": "Director",
            "persona": PERSONAS[contact],
            "change": "added" if rng.random() < 0.7 else "removed",
        }
    note_kind, note_text = NOTES[rng.randrange(len(NOTES))]
    return {"kind": note_kind, "text": note_text, "author_role": "csm"}


def generate(
    n: int, accounts: int, now: datetime, *, days: float = 20.0, seed: int = 7
) -> list[dict[str, Any]]:
    """``n`` canonical events over ``accounts`` accounts and the last ``days`` days:
    every account's profile first, then the mix, about 5% delivered late."""
    rng = random.Random(seed)
    span = timedelta(days=days)
    out: list[dict[str, Any]] = []
    for i in range(n):
        progress = i / max(n - 1, 1)
        first = i < accounts
        acct = i if first else rng.randrange(accounts)
        kind = "account.profile" if first else _kind(rng)
        jitter = rng.uniform(-0.02, 0.002) if rng.random() < 0.05 else 0.0
        at = now - span + span * min(max(progress + jitter, 0.0), 1.0)
        out.append(
            {
                "id": f"bench-{seed}-{i}",
                "type": kind,
                "source": rng.choice(SOURCES[kind]),
                "account_id": f"001B{acct:08d}",
                "occurred_at": at.isoformat(),
                "data": _data(kind, rng, acct, i, progress),
            }
        )
    return out


# -- consumer ------------------------------------------------------------------
async def _produce(bootstrap: str, prefix: str, events: list[dict[str, Any]]) -> None:
    producer = build_producer(bootstrap, linger_ms=20)
    await producer.start()
    try:
        futures = []
        for raw in events:
            event = parse_event(raw)
            topic = prefix + event.topic
            futures.append(
                await producer.send(
                    topic, value=envelope_bytes(event), key=event.account_id.encode()
                )
            )
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def _raw_consume(bootstrap: str, topics: list[str], total: int) -> float:
    """events/s of a bare aiokafka consumer that only decodes (orjson) each value."""
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=f"bench-raw-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=20_000,
        fetch_max_bytes=16 * 1024 * 1024,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    await consumer.start()
    seen = 0
    started: float | None = None
    try:
        while seen < total:
            batch = await consumer.getmany(timeout_ms=500, max_records=20_000)
            if started is None and batch:
                started = time.perf_counter()
            for records in batch.values():
                for record in records:
                    orjson.loads(record.value)
                seen += len(records)
    finally:
        await consumer.stop()
    return total / (time.perf_counter() - (started or time.perf_counter()))


def _assigned(runtime: Any) -> bool:
    """The events consumer holds its partitions (the group join is over)."""
    for consumer in runtime.consumers:
        client = getattr(consumer, "_consumer", None)
        if consumer.name == EVENTS_CONSUMER and client is not None and client.assignment():
            return True
    return False


async def _count(engine: Any, sql: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def consumer_bench(
    pg_url: str,
    bootstrap: str,
    events: list[dict[str, Any]],
    max_records: int | None,
    profile: bool,
) -> dict[str, Any]:
    token = uuid.uuid4().hex[:8]
    prefix, schema = f"bench{token}.", f"bench_{token}_si"
    topics = [prefix + t for t in (USAGE, TICKET, ACCOUNT)]
    await ensure_topics(bootstrap, topics + [prefix + SIGNALS, prefix + PLAYS])
    t0 = time.perf_counter()
    await _produce(bootstrap, prefix, events)
    produced_s = time.perf_counter() - t0
    total = len(events)
    events.clear()
    raw_rate = await _raw_consume(bootstrap, topics, total)

    overrides: dict[str, Any] = {"consumer_max_records": max_records} if max_records else {}
    settings = SignalIngestSettings(
        database_url=pg_url,
        kafka_bootstrap_servers=bootstrap,
        db_schema=schema,
        topic_prefix=prefix,
        sweep_interval_s=0,
        log_level="WARNING",
        **overrides,
    )
    engine = create_engine(asyncpg_url(pg_url), schema, pool_size=2)
    await upgrade(engine, schema, MIGRATIONS)
    gc.collect()
    proc = psutil.Process()
    rss_before = proc.memory_info().rss
    peak = rss_before
    applied_before = EVENTS_APPLIED._value.get()
    runtime = build_runtime(settings)
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    await runtime.start()
    first_batch: tuple[float, int] | None = None
    joined: float | None = None
    while (done := int(EVENTS_APPLIED._value.get() - applied_before)) < total:
        await asyncio.sleep(0.02)
        peak = max(peak, proc.memory_info().rss)
        if joined is None and _assigned(runtime):
            joined = time.perf_counter()
        if first_batch is None and done:
            first_batch = (time.perf_counter(), done)
    committed = time.perf_counter()
    unsent = "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
    while await _count(engine, unsent):
        await asyncio.sleep(0.05)
    emitted_at = time.perf_counter()
    if profiler:
        profiler.disable()
    peak = max(peak, proc.memory_info().rss)
    await runtime.stop()
    inbox = await _count(
        engine, f"SELECT count(*) FROM processed_messages WHERE consumer = '{EVENTS_CONSUMER}'"
    )
    signals = await _count(engine, "SELECT count(*) FROM signals")
    messages = await _count(engine, "SELECT count(*) FROM outbox")
    await engine.dispose()
    elapsed = emitted_at - started
    fb_at, fb_n = first_batch or (started, 0)
    joined = joined or started
    result = {
        "events": total,
        "inbox_rows": inbox,
        "signals": signals,
        "signal_messages": messages,
        "max_records": settings.consumer_max_records,
        "produce_s": round(produced_s, 2),
        "elapsed_s": round(elapsed, 2),
        "committed_s": round(committed - started, 2),
        "group_join_s": round(joined - started, 2),
        "first_batch_s": round(fb_at - started, 2),
        "events_per_s": round(total / elapsed),
        "events_per_s_after_join": round(total / max(emitted_at - joined, 1e-9)),
        "steady_events_per_s": round((total - fb_n) / max(emitted_at - fb_at, 1e-9)),
        "raw_events_per_s": round(raw_rate),
        "ratio_to_raw": round(total / elapsed / raw_rate, 3),
        "rss_before_mb": round(rss_before / 2**20),
        "peak_rss_mb": round(peak / 2**20),
    }
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
        path = RESULTS.with_name("signal_ingest_consumer.prof.txt")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out.getvalue())
        result["profile"] = str(path.relative_to(ROOT))
    return result


# -- HTTP ingest ---------------------------------------------------------------
def _bodies(events: list[dict[str, Any]], size: int) -> list[tuple[str, bytes]]:
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        by_source[event["source"]].append(event)
    out = []
    for source, items in by_source.items():
        for i in range(0, len(items), size):
            out.append((source, orjson.dumps({"events": items[i : i + size]})))
    random.Random(3).shuffle(out)
    return out


async def http_bench(
    pg_url: str, bootstrap: str, events: list[dict[str, Any]], senders: int, profile: bool
) -> dict[str, Any]:
    token = uuid.uuid4().hex[:8]
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": pg_url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "DB_SCHEMA": f"bench_{token}_http",
        "CROSSSELL_TOPIC_PREFIX": f"bench{token}.",
        "INGEST_HMAC_SECRET": SECRET,
        "SIGNAL_INGEST_RUN_CONSUMERS": "0",
        "SIGNAL_SWEEP_INTERVAL_S": "0",
        "CROSSSELL_LOG_LEVEL": "WARNING",
    }
    cmd = [sys.executable, "-m", "crosssell.cli", "serve", "signal_ingest", "--port", str(port)]
    prof_path = RESULTS.with_name("signal_ingest_http.prof")
    if profile:  # written when the server exits on SIGTERM
        cmd[1:1] = ["-m", "cProfile", "-o", str(prof_path)]
    server = subprocess.Popen(cmd, env=env, cwd=ROOT)
    bodies = _bodies(events, 500)
    total = sum(1 for _ in events)
    try:
        wait_for_port("127.0.0.1", port, timeout_s=60)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            while (await http.get("/readyz")).status_code != 200:
                await asyncio.sleep(0.2)
            queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
            for item in bodies:
                queue.put_nowait(item)
            accepted = 0
            statuses: dict[int, int] = defaultdict(int)

            async def sender() -> None:
                nonlocal accepted
                while not queue.empty():
                    source, body = queue.get_nowait()
                    headers = {
                        "X-Crosssell-Source": source,
                        "X-Crosssell-Signature": sign(SECRET.encode(), body, int(time.time())),
                        "Content-Type": "application/json",
                    }
                    response = await http.post("/v1/events", content=body, headers=headers)
                    statuses[response.status_code] += 1
                    if response.status_code == 202:
                        accepted += response.json()["accepted"]

            started = time.perf_counter()
            await asyncio.gather(*(sender() for _ in range(senders)))
            elapsed = time.perf_counter() - started
            server_proc = psutil.Process(server.pid)
            rss = server_proc.memory_info().rss
    finally:
        # SIGINT: uvicorn shuts down, then re-raises it; KeyboardInterrupt still
        # lets cProfile write its file (a re-raised SIGTERM would not).
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
    extra: dict[str, Any] = {}
    if profile and prof_path.exists():
        out = io.StringIO()
        pstats.Stats(str(prof_path), stream=out).sort_stats("tottime").print_stats(40)
        text_path = prof_path.with_suffix(".prof.txt")
        text_path.write_text(out.getvalue())
        prof_path.unlink()
        extra["profile"] = str(text_path.relative_to(ROOT))
    return extra | {
        "events": total,
        "requests": len(bodies),
        "batch": 500,
        "senders": senders,
        "accepted": accepted,
        "statuses": {str(k): v for k, v in statuses.items()},
        "elapsed_s": round(elapsed, 2),
        "events_per_s": round(accepted / elapsed),
        "server_rss_mb": round(rss / 2**20),
    }


# -- main ----------------------------------------------------------------------
async def run(args: argparse.Namespace, pg_url: str, bootstrap: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "at": now.isoformat(),
    }
    events = generate(args.events, args.accounts, now)
    consumer = await consumer_bench(pg_url, bootstrap, events, args.max_records, args.profile)
    results["consumer"] = consumer
    print(
        f"consumer: {consumer['events']:,} events over {args.accounts:,} accounts, committed "
        f"and signals published {consumer['elapsed_s']}s after start -> "
        f"{consumer['events_per_s']:,} events/s overall; "
        f"{consumer['events_per_s_after_join']:,} events/s after the consumer-group join "
        f"({consumer['group_join_s']}s); raw aiokafka decode {consumer['raw_events_per_s']:,}/s "
        f"(ratio {consumer['ratio_to_raw']}); {consumer['signals']:,} signals, "
        f"{consumer['signal_messages']:,} messages; peak RSS {consumer['peak_rss_mb']} MB "
        f"(before start {consumer['rss_before_mb']} MB)"
    )
    if not args.no_http:
        http_events = generate(args.events, args.accounts, now, seed=11)
        http = await http_bench(pg_url, bootstrap, http_events, args.senders, args.profile)
        results["http_ingest"] = http
        print(
            f"http ingest: {http['accepted']:,} events in {http['requests']} signed requests "
            f"of 500 from {http['senders']} senders in {http['elapsed_s']}s -> "
            f"{http['events_per_s']:,} events/s accepted; statuses {http['statuses']}; "
            f"server RSS {http['server_rss_mb']} MB"
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="20,000 events, 1,000 accounts")
    parser.add_argument(
        "--max-records", type=int, default=None, help="consumer batch size (service default)"
    )
    parser.add_argument("--senders", type=int, default=8, help="concurrent HTTP senders")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP ingest bench")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the consumer and the HTTP server"
    )
    args = parser.parse_args()
    if args.quick:
        args.events, args.accounts = 20_000, 1_000
    pg = broker = None
    pg_url = os.environ.get("DATABASE_URL")
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not pg_url:
        pg = EmbeddedPostgres(Path(tempfile.mkdtemp()) / "pg", delete_on_stop=True)
        pg_url = pg.start()
    if not bootstrap:
        broker = EmbeddedBroker()
        bootstrap = broker.start()
    try:
        results = asyncio.run(run(args, pg_url, bootstrap))
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    finally:
        if broker:
            broker.stop()
        if pg:
            pg.stop()


if __name__ == "__main__":
    main()
