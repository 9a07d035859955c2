"""Scenarios 1, 2 and 7: signal_ingest's HTTP edge and its consumer pipeline.

python -m bench.signal_ingest [--quick] [--events N] [--accounts N] [--only 1,2,7]
    [--workers N] [--senders N] [--profile]

1. HTTP ingest: a separate ``crosssell serve signal_ingest`` process (consumers
   off) takes signed 500-event batches on ``POST /v1/events`` from concurrent
   senders; events/s accepted (202 means the broker acknowledged every event,
   acks=all). Target >= 20,000 events/s.
2. Consumer pipeline: N mixed, realistic canonical events over the accounts are
   produced to the event topics BEFORE the service starts; then a real
   ``crosssell serve signal_ingest`` process consumes them, and the clock runs
   until every event is committed (inbox + state, the service's own counter)
   and every decided signal is published from the outbox. The rate is counted
   from the consumer-group join (the service logs it) to the last signal
   published; the rate from process start is reported beside it. The same
   messages are also read by a bare aiokafka consumer (decode only) as the bus
   limit. Targets: >= 15,000 events/s and >= 25% of the raw rate.
7. Peak RSS of that consumer process (psutil, every 100 ms). Target <= 300 MB.

``--profile`` records the service processes with py-spy (if installed) into
``bench-results/profiles/``. Uses DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when
set, else embedded ones. Alone, prints the table and writes
``bench-results/signal_ingest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaConsumer
from sqlalchemy import text

from bench.common import (
    RESULTS_DIR,
    BenchEnv,
    Row,
    RssSampler,
    bench_env,
    cpu_seconds,
    free_port,
    metric_value,
    postgres_cpu_seconds,
    print_table,
    py_spy,
    say,
    spawn_service,
    stop_process,
    wait_ready,
    write_json,
)
from bench.inbound_reader import inbound_reader_bench
from services.signal_ingest.consumer import EVENTS_CONSUMER
from services.signal_ingest.ingest.journal import envelope_bytes
from shared.db.engine import create_engine
from shared.kafka.producer import build_producer
from shared.kafka.topics import EVENTS, PLAYS, SIGNALS, TYPE_HEADER, ensure_topics
from shared.messages.inbound import parse_event
from shared.settings import asyncpg_url
from shared.signature import sign

SECRET = "bench-ingest-secret"
APPLIED = "crosssell_signal_ingest_events_applied_total"
GC_SECONDS = "crosssell_python_gc_seconds_total"
FULL = {"events": 1_000_000, "accounts": 10_000, "http_events": 300_000}
QUICK = {"events": 20_000, "accounts": 1_000, "http_events": 20_000}

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


def iter_events(
    n: int, accounts: int, now: datetime, *, days: float = 20.0, seed: int = 7
) -> Iterator[dict[str, Any]]:
    """``n`` canonical events over ``accounts`` accounts and the last ``days`` days:
    every account's profile first, then the mix, about 5% delivered late."""
    rng = random.Random(seed)
    span = timedelta(days=days)
    for i in range(n):
        progress = i / max(n - 1, 1)
        first = i < accounts
        acct = i if first else rng.randrange(accounts)
        kind = "account.profile" if first else _kind(rng)
        jitter = rng.uniform(-0.02, 0.002) if rng.random() < 0.05 else 0.0
        at = now - span + span * min(max(progress + jitter, 0.0), 1.0)
        yield {
            "id": f"bench-{seed}-{i}",
            "type": kind,
            "source": rng.choice(SOURCES[kind]),
            "account_id": f"001B{acct:08d}",
            "occurred_at": at.isoformat(),
            "data": _data(kind, rng, acct, i, progress),
        }


def generate(
    n: int, accounts: int, now: datetime, *, days: float = 20.0, seed: int = 7
) -> list[dict[str, Any]]:
    return list(iter_events(n, accounts, now, days=days, seed=seed))


# -- scenario 2: the consumer pipeline ------------------------------------------
async def _produce(bootstrap: str, prefix: str, events: Iterable[dict[str, Any]]) -> int:
    producer = build_producer(bootstrap, linger_ms=20)
    await producer.start()
    count = 0
    try:
        futures = []
        for raw in events:
            event = parse_event(raw)
            futures.append(
                await producer.send(
                    prefix + EVENTS,
                    value=envelope_bytes(event),
                    key=event.account_id.encode(),
                    headers=[(TYPE_HEADER, event.type.encode())],
                )
            )
            count += 1
            if len(futures) >= 20_000:
                await asyncio.gather(*futures)
                futures.clear()
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return count


async def raw_consume(bootstrap: str, topics: list[str], total: int) -> float:
    """events/s of a bare aiokafka consumer that only decodes (orjson) each value,
    from its first fetched batch to the last message."""
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


def _log_time(path: Any, event: str, **match: str) -> float | None:
    """Wall-clock time (epoch s) of the first JSON log line ``event`` matching."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        if f'"{event}"' not in line:
            continue
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if entry.get("event") == event and all(entry.get(k) == v for k, v in match.items()):
            return datetime.fromisoformat(entry["timestamp"]).timestamp()
    return None


async def consumer_bench(
    env: BenchEnv,
    events: int,
    accounts: int,
    max_records: int | None = None,
    consumers: int = 1,
) -> dict[str, Any]:
    """Scenario 2 with ``consumers`` signal_ingest processes in one consumer group
    (each takes its share of the topics' partitions, as replicas would)."""
    token = uuid.uuid4().hex[:8]
    prefix, schema = f"bench{token}.", f"bench_{token}_si"
    topics = [prefix + EVENTS]
    await ensure_topics(env.bootstrap, topics + [prefix + SIGNALS, prefix + PLAYS])
    say(f"scenario 2: producing {events:,} events over {accounts:,} accounts")
    t0 = time.perf_counter()
    total = await _produce(env.bootstrap, prefix, iter_events(events, accounts, datetime.now(UTC)))
    produced_s = time.perf_counter() - t0
    say(f"scenario 2: produced in {produced_s:.1f}s; raw aiokafka consumption")
    raw_rate = await raw_consume(env.bootstrap, topics, total)

    service_env = {
        "DATABASE_URL": env.pg_url,
        "KAFKA_BOOTSTRAP_SERVERS": env.bootstrap,
        "DB_SCHEMA": schema,
        "CROSSSELL_TOPIC_PREFIX": prefix,
        "SIGNAL_SWEEP_INTERVAL_S": "0",
        "CROSSSELL_LOG_LEVEL": "INFO",
        "CROSSSELL_LOG_FORMAT": "json",
    }
    if max_records:
        service_env["CONSUMER_MAX_RECORDS"] = str(max_records)
    engine = create_engine(asyncpg_url(env.pg_url), schema, pool_size=1)
    say(f"scenario 2: starting {consumers} signal_ingest process(es) (consumers on)")
    ports = [free_port() for _ in range(consumers)]
    logs = [env.scratch / f"signal_ingest-{token}-{i}.log" for i in range(consumers)]
    spawned_wall, spawned = time.time(), time.perf_counter()
    procs = []
    for i, (port, log_path) in enumerate(zip(ports, logs, strict=True)):
        if i:  # the first one migrates the schema; the others start on a ready schema
            await asyncio.to_thread(wait_ready, f"http://127.0.0.1:{ports[0]}", procs[0])
        procs.append(spawn_service("signal_ingest", port, service_env, log_path))
    names = [f"signal_ingest-{i}" for i in range(consumers)]
    first: tuple[float, int] | None = None
    progress: list[tuple[float, int, float]] = []
    try:
        with RssSampler(0.1) as rss, contextlib.ExitStack() as spies:
            for name, proc in zip(names, procs, strict=True):
                rss.watch(name, proc.pid)
            for port, proc in zip(ports, procs, strict=True):
                await asyncio.to_thread(wait_ready, f"http://127.0.0.1:{port}", proc)
            cpu_ready = sum(cpu_seconds(p.pid) for p in procs)
            pg_cpu_ready = postgres_cpu_seconds()
            for i, proc in enumerate(procs):
                suffix = f"_{i}" if consumers > 1 else ""
                spies.enter_context(
                    py_spy(proc.pid, f"scenario2_signal_ingest_consumer{suffix}", env.profile)
                )
            async with httpx.AsyncClient(timeout=30, trust_env=False) as http:
                done, gc_s = 0, 0.0
                deadline = time.perf_counter() + max(600.0, total / 1000)
                while done < total:
                    for proc, log_path in zip(procs, logs, strict=True):
                        if proc.poll() is not None:
                            raise RuntimeError(f"signal_ingest exited; see {log_path}")
                    if time.perf_counter() > deadline:
                        raise TimeoutError(f"{done:,} of {total:,} events after the deadline")
                    await asyncio.sleep(0.1)
                    done, gc_s = 0, 0.0
                    for port in ports:
                        page = await http.get(f"http://127.0.0.1:{port}/metrics")
                        done += int(metric_value(page.text, APPLIED))
                        gc_s += metric_value(page.text, GC_SECONDS)
                    if not progress or time.perf_counter() - progress[-1][2] >= 1.0:
                        progress.append(
                            (round(time.perf_counter() - spawned, 1), done, time.perf_counter())
                        )
                    if first is None and done:
                        first = (time.perf_counter(), done)
                committed = time.perf_counter()
                unsent = text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
                while True:
                    async with engine.connect() as conn:
                        if not (await conn.execute(unsent)).scalar_one():
                            break
                    await asyncio.sleep(0.05)
                emitted = time.perf_counter()
                emitted_wall = time.time()
                cpu_used = sum(cpu_seconds(p.pid) for p in procs) - cpu_ready
                pg_cpu_used = postgres_cpu_seconds() - pg_cpu_ready
        async with engine.connect() as conn:
            signals = (await conn.execute(text("SELECT count(*) FROM signals"))).scalar_one()
            messages = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
            inbox = (
                await conn.execute(
                    text("SELECT count(*) FROM processed_messages WHERE consumer = :c"),
                    {"c": EVENTS_CONSUMER},
                )
            ).scalar_one()
    finally:
        for proc in procs:
            stop_process(proc)
        await engine.dispose()
    reader = await inbound_reader_bench(env, prefix, f"bench_{token}_po", total)
    joins = [_log_time(p, "partitions_assigned", consumer=EVENTS_CONSUMER) for p in logs]
    joined_wall = min((j for j in joins if j), default=None)
    join_s = (joined_wall - spawned_wall) if joined_wall else None
    after_join_s = (emitted_wall - joined_wall) if joined_wall else None
    fb_at, fb_n = first or (spawned, 0)
    overall = total / (emitted - spawned)
    rate = total / after_join_s if after_join_s else overall
    peaks = {name: rss.peak_mb(name) for name in names}
    return {
        "events": total,
        "accounts": accounts,
        "consumer_processes": consumers,
        "inbox_rows": inbox,
        "signals": signals,
        "signal_messages": messages,
        "produce_s": round(produced_s, 2),
        "from_start_s": round(emitted - spawned, 2),
        "committed_s": round(committed - spawned, 2),
        "group_join_s": None if join_s is None else round(join_s, 2),
        "after_join_s": None if after_join_s is None else round(after_join_s, 2),
        "first_commit_s": round(fb_at - spawned, 2),
        "events_per_s": round(rate),
        "events_per_s_from_process_start": round(overall),
        "events_per_s_after_first_commit": round((total - fb_n) / max(emitted - fb_at, 1e-9)),
        "raw_events_per_s": round(raw_rate),
        "ratio_to_raw": round(rate / raw_rate, 4),
        "peak_rss_mb": max(peaks.values()),
        "peak_rss_mb_per_process": peaks,
        "rss_series_mb": {name: rss.series.get(name, [])[::5] for name in names},
        "progress": [(at, n) for at, n, _ in progress[::5]],
        "service_cpu_s": round(cpu_used, 2),
        "service_cpu_us_per_event": round(cpu_used / total * 1e6, 1),
        "events_per_service_cpu_s": round(total / max(cpu_used, 1e-9)),
        "gc_s": round(gc_s, 2),
        "gc_share_of_cpu": round(gc_s / max(cpu_used, 1e-9), 3),
        "postgres_cpu_s": round(pg_cpu_used, 2),
        "postgres_cpu_us_per_event": round(pg_cpu_used / total * 1e6, 1),
        "logs": [str(p) for p in logs],
        "play_orchestrator_inbound": reader,
    }


# -- scenario 1: HTTP ingest -------------------------------------------------------
def _bodies(events: Iterable[dict[str, Any]], size: int) -> tuple[list[tuple[str, bytes]], int]:
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    total = 0
    for event in events:
        by_source[event["source"]].append(event)
        total += 1
    out = []
    for source, items in by_source.items():
        for i in range(0, len(items), size):
            out.append((source, orjson.dumps({"events": items[i : i + size]})))
    random.Random(3).shuffle(out)
    return out, total


async def http_bench(
    env: BenchEnv, events: int, accounts: int, senders: int, workers: int
) -> dict[str, Any]:
    token = uuid.uuid4().hex[:8]
    port = free_port()
    service_env = {
        "DATABASE_URL": env.pg_url,
        "KAFKA_BOOTSTRAP_SERVERS": env.bootstrap,
        "DB_SCHEMA": f"bench_{token}_http",
        "CROSSSELL_TOPIC_PREFIX": f"bench{token}.",
        "INGEST_HMAC_SECRET": SECRET,
        "SIGNAL_INGEST_RUN_CONSUMERS": "0",
        "SIGNAL_SWEEP_INTERVAL_S": "0",
        "CROSSSELL_LOG_LEVEL": "WARNING",
    }
    bodies, total = _bodies(iter_events(events, accounts, datetime.now(UTC), seed=11), 500)
    await ensure_topics(env.bootstrap, [f"bench{token}.{t}" for t in (EVENTS, SIGNALS, PLAYS)])
    proc = spawn_service(
        "signal_ingest", port, service_env, env.scratch / f"ingest-{token}.log", workers=workers
    )
    base = f"http://127.0.0.1:{port}"
    accepted = 0
    statuses: dict[int, int] = defaultdict(int)
    try:
        await asyncio.to_thread(wait_ready, base, proc)
        limits = httpx.Limits(max_connections=senders, max_keepalive_connections=senders)
        async with httpx.AsyncClient(
            base_url=base, timeout=60, limits=limits, trust_env=False
        ) as http:
            warm, _ = _bodies(
                iter_events(1000 * max(workers, 2), accounts, datetime.now(UTC), seed=13), 500
            )
            for source, body in warm:  # connections, pools and first-request imports
                await http.post("/v1/events", content=body, headers=_headers(source, body))
            queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
            for item in bodies:
                queue.put_nowait(item)

            async def sender() -> None:
                nonlocal accepted
                while not queue.empty():
                    source, body = queue.get_nowait()
                    response = await http.post(
                        "/v1/events", content=body, headers=_headers(source, body)
                    )
                    statuses[response.status_code] += 1
                    if response.status_code == 202:
                        accepted += response.json()["accepted"]

            with RssSampler(0.2) as rss, py_spy(proc.pid, "scenario1_http_ingest", env.profile):
                rss.watch("signal_ingest_http", proc.pid)
                cpu_before = cpu_seconds(proc.pid)
                started = time.perf_counter()
                await asyncio.gather(*(sender() for _ in range(senders)))
                elapsed = time.perf_counter() - started
                cpu_used = cpu_seconds(proc.pid) - cpu_before
                # 202 means journaled; the relay publishes to the broker behind it
                await _journal_published(env.pg_url, service_env["DB_SCHEMA"])
                published_s = time.perf_counter() - started
    finally:
        stop_process(proc)
    return {
        "events": total,
        "requests": len(bodies),
        "batch": 500,
        "senders": senders,
        "workers": workers,
        "accepted": accepted,
        "statuses": {str(k): v for k, v in statuses.items()},
        "elapsed_s": round(elapsed, 2),
        "events_per_s": round(accepted / elapsed),
        "published_s": round(published_s, 2),
        "published_events_per_s": round(accepted / published_s),
        "server_peak_rss_mb": rss.peak_mb("signal_ingest_http"),
        "server_cpu_s": round(cpu_used, 2),
        "server_cpu_us_per_event": round(cpu_used / max(accepted, 1) * 1e6, 1),
        "events_per_server_cpu_s": round(accepted / max(cpu_used, 1e-9)),
    }


async def _journal_published(pg_url: str, schema: str, timeout_s: float = 600) -> None:
    """Wait until the journal relay has published every accepted event."""
    engine = create_engine(asyncpg_url(pg_url), schema, pool_size=1)
    deadline = time.perf_counter() + timeout_s
    try:
        while time.perf_counter() < deadline:
            async with engine.connect() as conn:
                unsent = await conn.scalar(
                    text("SELECT count(*) FROM ingest_journal WHERE sent_at IS NULL")
                )
            if not unsent:
                return
            await asyncio.sleep(0.1)
        raise TimeoutError(f"ingest journal still has unsent rows after {timeout_s}s")
    finally:
        await engine.dispose()


def _headers(source: str, body: bytes) -> dict[str, str]:
    return {
        "X-Crosssell-Source": source,
        "X-Crosssell-Signature": sign(SECRET.encode(), body, int(time.time())),
        "Content-Type": "application/json",
    }


# -- rows ------------------------------------------------------------------------------
async def run_async(
    env: BenchEnv,
    quick: bool = False,
    only: set[int] | None = None,
    *,
    events: int | None = None,
    accounts: int | None = None,
    senders: int = 8,
    workers: int = 1,
    consumers: int = 2,
) -> list[Row]:
    size = QUICK if quick else FULL
    only = only or {1, 2, 7}
    rows: list[Row] = []
    if 1 in only:
        n = events or size["http_events"]
        say(f"scenario 1: HTTP ingest of {n:,} events ({workers} worker(s), {senders} senders)")
        http = await http_bench(env, n, accounts or size["accounts"], senders, workers)
        rows.append(
            Row(
                1,
                f"POST /v1/events, 500-event batches, {senders} senders, acks=all, "
                f"{workers} server process(es)",
                http["events_per_s"],
                "events/s",
                20_000,
                ">=",
                http,
            )
        )
        rows.append(
            Row(
                1,
                "same, until the journal relay published every event to the broker",
                http["published_events_per_s"],
                "events/s",
            )
        )
        rows.append(
            Row(
                1,
                "server CPU per event (noise-robust; 1 core's worth = 1e6 / this)",
                http["server_cpu_us_per_event"],
                "us",
            ),
        )
    if only & {2, 7}:
        c = await consumer_bench(
            env, events or size["events"], accounts or size["accounts"], consumers=consumers
        )
        n, a = c["events"], c["accounts"]
        rows += [
            Row(
                2,
                f"{n:,} events / {a:,} accounts to committed state + emitted signals, "
                f"{c['consumer_processes']} consumer process(es) (from group join)",
                c["events_per_s"],
                "events/s",
                15_000,
                ">=",
                c,
            ),
            Row(
                2,
                "the same from process start (incl. start-up and group join)",
                c["events_per_s_from_process_start"],
                "events/s",
            ),
            Row(
                2,
                "raw aiokafka consumption, decode only (bus limit)",
                c["raw_events_per_s"],
                "events/s",
            ),
            Row(
                2,
                "consumer CPU per event, all processes (1e6 / this = events/s per free core)",
                c["service_cpu_us_per_event"],
                "us",
            ),
            Row(2, "share of that CPU in cyclic garbage collection", c["gc_share_of_cpu"], ""),
            Row(
                2,
                "PostgreSQL CPU per event (all postgres processes, same interval)",
                c["postgres_cpu_us_per_event"],
                "us",
            ),
            Row(2, "pipeline rate / raw rate", c["ratio_to_raw"], "", 0.25, ">="),
            Row(
                2,
                "play_orchestrator CPU per inbound event (skips all but escalations and "
                f"renewals by header; {c['play_orchestrator_inbound']['account_facts_applied']:,}"
                " decoded)",
                c["play_orchestrator_inbound"]["cpu_us_per_event"],
                "us",
            ),
            Row(
                7,
                "peak RSS of each signal_ingest consumer process during scenario 2 (the largest)",
                c["peak_rss_mb"],
                "MB",
                300,
                "<=",
            ),
        ]
    return rows


def run(env: BenchEnv, quick: bool = False, only: set[int] | None = None) -> list[Row]:
    return asyncio.run(run_async(env, quick, only))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 events, 1,000 accounts")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--accounts", type=int, default=None)
    parser.add_argument("--only", default="1,2,7", help="scenarios (1, 2, 7)")
    parser.add_argument("--senders", type=int, default=8, help="concurrent HTTP senders")
    parser.add_argument("--workers", type=int, default=1, help="HTTP server processes")
    parser.add_argument(
        "--consumers", type=int, default=2, help="signal_ingest processes in scenario 2"
    )
    parser.add_argument("--profile", action="store_true", help="py-spy the service processes")
    args = parser.parse_args()
    only = {int(x) for x in args.only.split(",") if x.strip()}
    started = datetime.now(UTC)
    with bench_env(profile=args.profile) as env:
        rows = asyncio.run(
            run_async(
                env,
                args.quick,
                only,
                events=args.events,
                accounts=args.accounts,
                senders=args.senders,
                workers=args.workers,
                consumers=args.consumers,
            )
        )
    print_table(rows, "signal_ingest")
    out = RESULTS_DIR / "signal_ingest.json"
    write_json(out, rows, started_at=started, quick=args.quick)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
