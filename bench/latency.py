"""Scenario 3 (and 7 for every service): end-to-end latency under load.

python -m bench.latency [--quick] [--probes N] [--rate N] [--profile]

Starts the whole system as a user does (``crosssell up --port-offset N`` in a
temporary directory: embedded PostgreSQL and broker, the Salesforce emulator,
the three services), then:

* a background generator posts ordinary usage events (service_desk
  ``tickets_handled``: folded into state, never a signal) for 5,000 other
  accounts at 1,000 events/s, signed, in 100-event batches every 100 ms;
* each probe posts ONE signed ``usage.metric`` that takes a NEW account (its
  profile passes every gate and was posted at the start) to 90% of its
  ``api_calls`` tier limit, then polls the emulator
  (``GET /admin/records/Opportunity``, over HTTPS with the session's CA) every
  10 ms until the Opportunity exists. Probes run one at a time, 0.2-0.4 s apart.

Latency = POST sent -> Opportunity seen by the poller (p50, p99). Where the
time goes, per probe, from the components' own timestamps: the ingest ack,
the signal row (``created_at``: the signal_ingest batch transaction), the play
(``opened_at``), the Opportunity (``CreatedDate``), and the poller.

Peak RSS (psutil) of every service process is sampled during the run.
Alone, prints the table and writes ``bench-results/latency.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil

from bench.common import (
    RESULTS_DIR,
    BenchEnv,
    Row,
    RssSampler,
    cpu_seconds,
    print_table,
    py_spy,
    say,
    write_json,
)
from crosssell import dev_secrets
from crosssell.services import SERVICES
from shared.signature import sign

OFFSETS = (500, 600, 700, 800, 900)
BACKGROUND_ACCOUNTS = 5_000
POLL_S = 0.01


# -- the system ---------------------------------------------------------------------
def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def pick_offset() -> int:
    for offset in OFFSETS:
        ports = [s.port + offset for s in SERVICES.values()] + [8443 + offset, 9092 + offset]
        if all(_port_free(p) for p in ports):
            return offset
    raise RuntimeError(f"no free port offset among {OFFSETS}")


class System:
    """``crosssell up`` in a temporary directory, stopped (SIGTERM) on exit."""

    def __init__(self, data_dir: Path, offset: int) -> None:
        self.data_dir = data_dir
        self.offset = offset
        self.proc: subprocess.Popen[bytes] | None = None
        self.session: dict[str, Any] = {}
        self.secrets: dict[str, str] = {}  # source -> ingest secret
        self.sf_headers: dict[str, str] = {}  # the emulator's admin token

    def __enter__(self) -> System:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
        }
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "up.log", "ab")  # noqa: SIM115 - closed right after spawn
        started = time.monotonic()
        try:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "crosssell.cli",
                    "up",
                    "--data-dir",
                    str(self.data_dir),
                    "--port-offset",
                    str(self.offset),
                ],
                env=env,
                cwd=self.data_dir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()
        session = self.data_dir / "session.json"
        deadline = time.monotonic() + 180
        while not session.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                tail = (self.data_dir / "up.log").read_text(errors="replace")[-3000:]
                self.__exit__()
                raise RuntimeError(f"crosssell up did not start:\n{tail}")
            time.sleep(0.1)
        time.sleep(0.2)  # written in one go, but let the writer finish
        self.session = json.loads(session.read_text())
        dev = dev_secrets.load(self.data_dir)
        self.secrets, self.sf_headers = dict(dev.ingest), dev.emulator_headers()
        self.ready_s = time.monotonic() - started
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(90)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def processes(self) -> dict[str, int]:
        """Service name -> pid, from the supervisor's children's command lines."""
        assert self.proc is not None
        out: dict[str, int] = {}
        for child in psutil.Process(self.proc.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                cmd = child.cmdline()
                if "serve" in cmd:
                    out[cmd[cmd.index("serve") + 1]] = child.pid
                elif "sf-emulator" in cmd:
                    out["sf_emulator"] = child.pid
        return out


# -- events -----------------------------------------------------------------------
def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


def profile_event(account_id: str, name: str, now: datetime) -> dict[str, Any]:
    return {
        "id": f"profile-{account_id}",
        "type": "account.profile",
        "source": "salesforce",
        "account_id": account_id,
        "occurred_at": _stamp(now - timedelta(minutes=5)),
        "data": {
            "name": name,
            "csm_owner": "sam.csm",
            "ae_owner": "alex.ae",
            "health": "green",
            "products": [
                {
                    "product": "workflow_platform",
                    "tier": "business",
                    "acv": 120_000,
                    "renewal_date": (now + timedelta(days=240)).date().isoformat(),
                    "adoption_pct": 85,
                }
            ],
        },
    }


def ceiling_event(account_id: str, now: datetime) -> dict[str, Any]:
    return {
        "id": f"ceiling-{account_id}",
        "type": "usage.metric",
        "source": "product",
        "account_id": account_id,
        "occurred_at": _stamp(now),
        "data": {
            "product": "workflow_platform",
            "metric": "api_calls",
            "value": 90_000,
            "limit": 100_000,
        },
    }


def background_event(run: str, i: int, now: datetime) -> dict[str, Any]:
    return {
        "id": f"bg-{run}-{i}",
        "type": "usage.metric",
        "source": "product",
        "account_id": f"bg-{run}-{i % BACKGROUND_ACCOUNTS:05d}",
        "occurred_at": _stamp(now),
        "data": {
            "product": "service_desk",
            "metric": "tickets_handled",
            "value": 100 + i % 200,
            "limit": 5_000,
        },
    }


class Poster:
    def __init__(self, http: httpx.AsyncClient, secrets: dict[str, str]) -> None:
        self.http = http
        self.secrets = {source: secret.encode() for source, secret in secrets.items()}

    async def post(self, source: str, events: list[dict[str, Any]]) -> httpx.Response:
        body = orjson.dumps({"events": events})
        headers = {
            "X-Crosssell-Source": source,
            "X-Crosssell-Signature": sign(self.secrets[source], body, int(time.time())),
            "Content-Type": "application/json",
        }
        response = await self.http.post("/v1/events", content=body, headers=headers)
        if response.status_code != 202:
            raise RuntimeError(f"POST /v1/events: {response.status_code} {response.text[:300]}")
        return response


async def background(poster: Poster, run: str, rate: int, stop: asyncio.Event) -> dict[str, Any]:
    """``rate`` events/s in 10 batches a second, on a fixed schedule."""
    per_batch = max(rate // 10, 1)
    sent = failed = 0
    started = time.perf_counter()
    tick = 0
    while not stop.is_set():
        now = datetime.now(UTC)
        batch = [background_event(run, sent + j, now) for j in range(per_batch)]
        try:
            await poster.post("product", batch)
            sent += per_batch
        except (httpx.HTTPError, RuntimeError):
            failed += per_batch
        tick += 1
        delay = started + tick * 0.1 - time.perf_counter()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
    elapsed = time.perf_counter() - started
    return {
        "sent": sent,
        "failed": failed,
        "elapsed_s": round(elapsed, 1),
        "events_per_s": round(sent / max(elapsed, 1e-9)),
    }


def _sf_time(value: str) -> float:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def _iso(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def _pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


# -- the scenario -------------------------------------------------------------------
async def latency_bench(probes: int, rate: int, profile: bool, scratch: Path) -> dict[str, Any]:
    offset = pick_offset()
    run = uuid.uuid4().hex[:6]
    data_dir = scratch / f"e2e-{run}" / ".crosssell"
    say(f"scenario 3: starting the whole system (crosssell up --port-offset {offset})")
    with System(data_dir, offset) as system, RssSampler(0.2) as rss:
        say(
            f"scenario 3: system ready in {system.ready_s:.1f}s; {probes} probes under "
            f"{rate:,} events/s of background load"
        )
        pids = system.processes()
        for name, pid in pids.items():
            rss.watch(name, pid)
        urls = system.session["urls"]
        auth = {"Authorization": f"Bearer {system.session['api_key']}"}
        ca = ssl.create_default_context(cafile=system.session["sf_ca_path"])
        limits = httpx.Limits(max_connections=4)
        async with (
            httpx.AsyncClient(
                base_url=urls["signal_ingest"], timeout=30, trust_env=False, limits=limits
            ) as ingest,
            httpx.AsyncClient(
                base_url=urls["signal_ingest"], timeout=30, trust_env=False, limits=limits
            ) as bg_http,
            httpx.AsyncClient(
                base_url=system.session["sf_emulator"],
                verify=ca,
                timeout=30,
                trust_env=False,
                headers=system.sf_headers,
            ) as sf,
            httpx.AsyncClient(timeout=30, trust_env=False, headers=auth) as api,
        ):
            poster = Poster(ingest, system.secrets)
            warmup = 3  # consumer groups joined, sessions and connections made: not timed
            accounts = [f"probe-{run}-{i:05d}" for i in range(probes + warmup)]
            now = datetime.now(UTC)
            for i in range(0, probes, 500):
                await poster.post(
                    "salesforce",
                    [profile_event(a, f"Probe {run} {a[-5:]}", now) for a in accounts[i : i + 500]],
                )
            stop = asyncio.Event()
            load = asyncio.create_task(background(Poster(bg_http, system.secrets), run, rate, stop))
            await asyncio.sleep(3.0)  # profiles folded in, the background load steady

            async def opportunities() -> int:
                answer = (await sf.get("/admin/records/Opportunity", params={"limit": 0})).json()
                return int(answer["totalSize"])

            seen = await opportunities()
            results: list[dict[str, Any]] = []
            cpu_start = {name: cpu_seconds(pid) for name, pid in pids.items()}
            probes_started = time.perf_counter()
            spy_pids = pids if profile else {}
            with contextlib.ExitStack() as spies:
                for name, pid in spy_pids.items():
                    if name != "sf_emulator":
                        spies.enter_context(py_spy(pid, f"scenario3_{name}", True))
                for index, account in enumerate(accounts):
                    if index == warmup:
                        results.clear()
                    sent = time.time()
                    t0 = time.perf_counter()
                    await poster.post("product", [ceiling_event(account, datetime.now(UTC))])
                    acked = time.perf_counter()
                    deadline = t0 + (60 if index < warmup else 30)
                    before = seen
                    while (count := await opportunities()) <= before:
                        if time.perf_counter() > deadline:
                            break
                        await asyncio.sleep(POLL_S)
                    found = time.perf_counter()
                    seen = max(seen, count)
                    results.append(
                        {
                            "account_id": account,
                            "sent": sent,
                            "ack_ms": (acked - t0) * 1000,
                            "latency_ms": (found - t0) * 1000,
                            "timed_out": count <= before,
                        }
                    )
                    await asyncio.sleep(random.uniform(0.2, 0.4))
            stop.set()
            span = time.perf_counter() - probes_started
            cpu_share = {
                name: round((cpu_seconds(pid) - cpu_start[name]) / span, 3)
                for name, pid in pids.items()
            }
            bg = await load
            bg["service_cpu_cores"] = cpu_share
            await _hops(results, urls, api, sf)
            await _db_hops(results, pids)
        peaks = {name: rss.peak_mb(name) for name in pids}
    return _summary(results, bg, peaks, system.ready_s, offset)


async def _hops(
    results: list[dict[str, Any]],
    urls: dict[str, str],
    api: httpx.AsyncClient,
    sf: httpx.AsyncClient,
) -> None:
    """Per probe: when the signal, the play and the Opportunity came to be."""
    for r in results:
        try:
            signals = (
                await api.get(
                    f"{urls['signal_ingest']}/v1/signals", params={"account_id": r["account_id"]}
                )
            ).json()["items"]
            plays = (
                await api.get(
                    f"{urls['play_orchestrator']}/v1/plays", params={"account_id": r["account_id"]}
                )
            ).json()["items"]
            signal_at = min(_iso(s["created_at"]) for s in signals)
            play = min(plays, key=lambda p: p["opened_at"])
            opened_at = _iso(play["opened_at"])
            records = (
                await sf.get(
                    "/admin/records/Opportunity",
                    params={"field": "Cross_Sell_Play_Id__c", "value": play["id"]},
                )
            ).json()["records"]
            created = _sf_time(records[0]["CreatedDate"])
            r["signal_at"], r["opened_at"], r["created_at"] = signal_at, opened_at, created
            r["play_id"] = play["id"]
            r["signal_ms"] = (signal_at - r["sent"]) * 1000
            r["play_ms"] = (opened_at - signal_at) * 1000
            r["opportunity_ms"] = (created - opened_at) * 1000
            r["created_ms"] = (created - r["sent"]) * 1000
            r["seen_after_created_ms"] = r["latency_ms"] - r["created_ms"]
        except Exception as exc:  # a probe without its hops still has its latency
            r["hop_error"] = repr(exc)[:300]


async def _db_hops(results: list[dict[str, Any]], pids: dict[str, int]) -> None:
    """Finer hops from the services' own rows (PostgreSQL ``now()`` is the
    transaction's start): when each outbox row was relayed (``sent_at``: the
    relay's claim) and when crm_sync recorded the pending Salesforce write."""
    import asyncpg

    try:
        dsn = psutil.Process(pids["signal_ingest"]).environ()["DATABASE_URL"]
        conn = await asyncpg.connect(dsn.replace("postgresql+asyncpg://", "postgresql://"))
    except Exception as exc:  # the API hops are still there
        say(f"scenario 3: no database hops ({exc!r})")
        return
    try:
        for r in results:
            key = r["account_id"].encode()
            si = await conn.fetchrow(
                "SELECT min(sent_at) AS sent FROM signal_ingest.outbox WHERE key = $1", key
            )
            po = await conn.fetchrow(
                "SELECT min(sent_at) AS sent FROM play_orchestrator.outbox WHERE key = $1", key
            )
            cs = await conn.fetchrow(
                "SELECT min(w.created_at) AS created FROM crm_sync.sf_writes w "
                "WHERE w.kind = 'opportunity' AND w.play_id = $1",
                r.get("play_id"),
            )
            found = si and si["sent"] and po and po["sent"] and cs and cs["created"]
            if found and "signal_at" in r:
                r["t_signal_relayed"] = si["sent"].timestamp()
                r["t_play_relayed"] = po["sent"].timestamp()
                r["t_write_recorded"] = cs["created"].timestamp()
                r["h_kafka1_ms"] = (r["signal_at"] - r["sent"]) * 1000
                r["h_si_ms"] = (r["t_signal_relayed"] - r["signal_at"]) * 1000
                r["h_kafka2_ms"] = (r["opened_at"] - r["t_signal_relayed"]) * 1000
                r["h_po_ms"] = (r["t_play_relayed"] - r["opened_at"]) * 1000
                r["h_kafka3_ms"] = (r["t_write_recorded"] - r["t_play_relayed"]) * 1000
                r["h_writer_ms"] = (r["created_at"] - r["t_write_recorded"]) * 1000
    finally:
        await conn.close()


def _summary(
    results: list[dict[str, Any]],
    bg: dict[str, Any],
    peaks: dict[str, float],
    ready_s: float,
    offset: int,
) -> dict[str, Any]:
    ok = [r for r in results if not r["timed_out"]]
    lat = [r["latency_ms"] for r in ok]
    hops: dict[str, dict[str, float]] = {}
    for key, what in (
        ("ack_ms", "POST -> 202 (events on the broker, acks=all)"),
        ("signal_ms", "POST -> signal decided (signal_ingest batch)"),
        ("play_ms", "signal -> play opened (play_orchestrator)"),
        ("opportunity_ms", "play opened -> Opportunity created (crm_sync -> Salesforce)"),
        ("seen_after_created_ms", "Opportunity created -> seen by the poller"),
        ("created_ms", "POST -> Opportunity CreatedDate"),
        ("h_kafka1_ms", "POST -> signal_ingest batch starts (ingest + Kafka hop: events)"),
        ("h_si_ms", "signal_ingest batch start -> signal relayed from the outbox"),
        ("h_kafka2_ms", "signal relayed -> play opened (Kafka hop: signals topic + handler)"),
        ("h_po_ms", "play opened -> PlayOpened relayed from the outbox"),
        ("h_kafka3_ms", "PlayOpened relayed -> crm_sync records the write (Kafka hop: plays)"),
        ("h_writer_ms", "write recorded -> Opportunity created (writer + HTTPS call)"),
    ):
        values = [r[key] for r in ok if key in r]
        if values:
            hops[key] = {
                "what": what,  # type: ignore[dict-item]
                "p50": round(statistics.median(values), 1),
                "p99": round(_pct(values, 99), 1),
                "max": round(max(values), 1),
            }
    return {
        "probes": len(results),
        "timed_out": len(results) - len(ok),
        "p50_ms": round(statistics.median(lat), 1) if lat else 0.0,
        "p99_ms": round(_pct(lat, 99), 1) if lat else 0.0,
        "max_ms": round(max(lat), 1) if lat else 0.0,
        "hops": hops,
        "background": bg,
        "peak_rss_mb": peaks,
        "system_ready_s": round(ready_s, 1),
        "port_offset": offset,
        "samples_ms": [round(x, 1) for x in lat],
        "probe_results": results,
    }


async def run_async(
    env: BenchEnv,
    quick: bool = False,
    only: set[int] | None = None,
    *,
    probes: int | None = None,
    rate: int = 1_000,
) -> list[Row]:
    n = probes or (10 if quick else 200)
    r = await latency_bench(n, rate, env.profile, env.scratch)
    bg = r["background"]
    load = f"background {bg['events_per_s']:,} events/s"
    rows = [
        Row(
            3,
            f"POST /v1/events -> Opportunity in Salesforce, p50 ({r['probes']} probes, {load})",
            r["p50_ms"],
            "ms",
            100,
            "<=",
            {k: v for k, v in r.items() if k != "hops"},
        ),
        Row(3, "the same, p99", r["p99_ms"], "ms", 500, "<="),
    ]
    if "created_ms" in r["hops"]:
        hop = r["hops"]["created_ms"]
        rows.append(Row(3, f"  {hop['what']}, p50 (no poller)", hop["p50"], "ms", detail=hop))
    for key in (
        "ack_ms",
        "h_kafka1_ms",
        "h_si_ms",
        "h_kafka2_ms",
        "h_po_ms",
        "h_kafka3_ms",
        "h_writer_ms",
        "seen_after_created_ms",
    ):
        if key in r["hops"]:
            hop = r["hops"][key]
            rows.append(Row(3, f"  hop p50: {hop['what']}", hop["p50"], "ms", detail=hop))
    if r["timed_out"]:
        rows.append(Row(3, "probes with no Opportunity after 30 s (left out)", r["timed_out"], ""))
    for name, mb in sorted(r["peak_rss_mb"].items()):
        if name in SERVICES:
            rows.append(Row(7, f"{name} process, peak RSS during scenario 3", mb, "MB", 300, "<="))
    return rows


def run(env: BenchEnv, quick: bool = False, only: set[int] | None = None) -> list[Row]:
    return asyncio.run(run_async(env, quick, only))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 probes")
    parser.add_argument("--probes", type=int, default=None)
    parser.add_argument("--rate", type=int, default=1_000, help="background events/s")
    parser.add_argument("--profile", action="store_true", help="py-spy the services")
    args = parser.parse_args()
    started = datetime.now(UTC)
    scratch = Path(tempfile.mkdtemp(prefix="crosssell-bench-e2e-"))
    env = BenchEnv("", "", scratch, profile=args.profile)  # the system brings its own
    try:
        rows = asyncio.run(run_async(env, args.quick, probes=args.probes, rate=args.rate))
    finally:
        env.close()
    print_table(rows, "end-to-end latency")
    out = RESULTS_DIR / "latency.json"
    write_json(out, rows, started_at=started, quick=args.quick)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
