"""The fault scenarios: each streams a book of events, injects one fault mid-stream,
lets the system settle, then counts every effect (``effects.py``).

Each fault is injected from outside, as an operator or the kernel would:

* ``kill:<service>``: ``kill -9`` the service half-way through the stream,
  start it again;
* ``broker-freeze``: SIGSTOP the broker for ``broker_outage_s`` (30 s), SIGCONT;
* ``postgres-restart``: ``pg_ctl stop`` (fast: every session cut),
  ``pg_outage_s`` down, start again on the same data directory;
* ``salesforce``: the emulator answers 503 (part of the time after committing
  the write), then lock errors, for ``sf_fault_s`` (60 s); then the daily API
  allocation is spent for ``sf_exhausted_s``; then a new day;
* ``deadlines``: play_orchestrator ``kill -9``'d with every play's deadlines
  ahead; while it is down they fall due (its test clock is moved past them
  when it is back), and it is killed again while it fires them;
* ``broker-restart``: a real stop + start of the memory broker (it comes back
  empty; informational; ``whole.py``'s ``broker-kill`` is the asserted row).

A scenario's extra checks (events accepted while only the broker is away, no
service restarted, every write acknowledged...) land in ``problems``; lost or
duplicated effects are in ``effects``.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from crosssell.backlog import run_async
from crosssell.chaos import effects as fx
from crosssell.chaos.stream import Sender, SendStats, book_events
from crosssell.chaos.system import SERVICE_NAMES, ChaosSystem
from services.play_orchestrator.domain.deadlines import TimerKind

KILLED_SERVICES = ("signal_ingest", "play_orchestrator", "crm_sync")
SCENARIOS = (
    *(f"kill:{s}" for s in KILLED_SERVICES),
    "broker-freeze",
    "postgres-restart",
    "salesforce",
    "deadlines",
    "broker-restart",
)
TIMER_ORDER = {kind.value: i for i, kind in enumerate(TimerKind)}
DEADLINE_EVENTS = {
    "PlayAtRisk": "meeting_due",
    "SponsorOverdue": "sponsor_due",
    "BusinessCaseOverdue": "business_case_due",
    "PlayExpired": "window_deadline",
    "PlayWithdrawn": "withdraw_due",
}


@dataclass
class Sizes:
    """What a run injects and how long; ``quick`` is the CI variant."""

    events: int = 100_000
    stream_s: float = 40.0  # the stream is paced over about this long
    broker_outage_s: float = 30.0
    pg_outage_s: float = 10.0
    sf_fault_s: float = 60.0
    sf_exhausted_s: float = 30.0
    settle_quiet_s: float = 8.0
    settle_timeout_s: float = 600.0

    @classmethod
    def quick(cls, events: int = 8_000) -> Sizes:
        """The CI variant: the broker outage outlasts the producers' 10 s request
        timeout, the Salesforce failure spans several retries."""
        return cls(
            events=events,
            stream_s=6.0,
            broker_outage_s=14.0,
            pg_outage_s=5.0,
            sf_fault_s=12.0,
            sf_exhausted_s=6.0,
            settle_quiet_s=2.5,
            settle_timeout_s=180.0,
        )


@dataclass
class ScenarioResult:
    name: str
    fault: str
    events_sent: int
    effects: fx.Effects
    send: SendStats
    checks: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    informational: bool = False  # reported, not a pass/fail criterion (see broker-restart)

    @property
    def ok(self) -> bool:
        return self.informational or (
            not self.problems
            and self.effects.lost == 0
            and self.effects.duplicated == 0
            and self.effects.unexpected == 0
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "fault": self.fault,
            "events_sent": self.events_sent,
            "effects_expected": self.effects.expected,
            "effects_found": self.effects.found,
            "lost": self.effects.lost,
            "duplicated": self.effects.duplicated,
            "unexpected": self.effects.unexpected,
            "by_kind": {c.kind: c.as_dict() for c in self.effects.counts},
            "send": self.send.as_dict(),
            "checks": self.checks,
            "problems": self.problems,
            "duration_s": round(self.duration_s, 1),
            "informational": self.informational,
            "ok": self.ok,
        }


class Run:
    """One scenario's stream on a running system: its events, sender and effects."""

    def __init__(
        self, system: ChaosSystem, seed: int, sizes: Sizes, log: Callable[[str], None]
    ) -> None:
        self.system = system
        self.sizes = sizes
        self.log = log
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.events = book_events(seed, sizes.events, self.now)
        self.accounts = {e["account_id"] for e in self.events}
        self.checks: dict[str, Any] = {}
        self.problems: list[str] = []
        batches = max(1, -(-sizes.events // 500))
        self.sender = Sender(
            system.url("signal_ingest", "/v1/events"),
            system.ingest_secrets,
            self.events,
            pace_s=sizes.stream_s / batches,
        )
        self.pids = {s: system.pid(s) for s in SERVICE_NAMES}

    def start_stream(self) -> None:
        self.sender.start()

    def finish(self, *, lag: bool = True) -> tuple[fx.Effects, dict[str, Any]]:
        """Wait for the end of the stream and for the system to settle; count effects.
        ``lag``: also wait for every consumer group to have committed up to the end."""
        stats = self.sender.join()
        if stats.errors:
            self.problems.append(f"stream: {stats.errors[0]}")
        settled = self.system.wait_settled(
            quiet_s=self.sizes.settle_quiet_s, timeout_s=self.sizes.settle_timeout_s, lag=lag
        )
        self.checks["settled_after_stream_s"] = round(settled.seconds, 1)
        cat = fx.catalog()
        sent = [e for _, batch in self.sender.plan for e in batch]
        expected = fx.expected_signal_ids(sent, self.now, cat)
        return fx.collect(self.system, self.accounts, expected, cat)

    def require_same_pids(self, *, except_: tuple[str, ...] = ()) -> None:
        """The services recovered by themselves: none of them was restarted."""
        for service, pid in self.pids.items():
            if service in except_:
                continue
            now = self.system.pid(service)
            if now != pid:
                self.problems.append(f"{service} was restarted (pid {pid} -> {now})")
            elif not self.system.supervisor.running(service):
                self.problems.append(f"{service} exited")

    def result(self, name: str, fault: str, effects: fx.Effects, started: float) -> ScenarioResult:
        return ScenarioResult(
            name=name,
            fault=fault,
            events_sent=self.sender.stats.events,
            effects=effects,
            send=self.sender.stats,
            checks=self.checks,
            problems=self.problems,
            duration_s=time.monotonic() - started,
        )


# -- 1. kill -9 each service mid-stream ----------------------------------------------------
def kill_service(run: Run, service: str) -> ScenarioResult:
    started = time.monotonic()
    run.start_stream()
    run.sender.wait_for(0.5)
    status = run.system.kill(service)
    run.checks["exit_status"] = status
    run.checks["killed_at_events"] = run.sender.stats.acknowledged
    time.sleep(1.0)
    run.checks["restart_ready_s"] = round(run.system.restart(service), 1)
    effects, _ = run.finish()
    run.require_same_pids(except_=(service,))
    return run.result(f"kill -9 {service}", "SIGKILL half-way, restarted", effects, started)


# -- 2. the broker frozen for 30 s -------------------------------------------------------
def broker_freeze(run: Run) -> ScenarioResult:
    """SIGSTOP, not a stop: the memory broker keeps nothing across a restart, so a
    stopped broker would lose what it held for reasons that have nothing to do with
    the services. Frozen, it keeps every connection open and answers nothing (like
    a broker stuck in GC or behind a dead switch): producers' acks and consumers'
    fetches time out, and when it resumes it still holds everything it acknowledged."""
    started = time.monotonic()
    outage = run.sizes.broker_outage_s
    run.start_stream()
    run.sender.wait_for(0.4)
    run.system.freeze_broker()
    frozen_at = run.sender.clock()
    acknowledged = run.sender.stats.acknowledged
    time.sleep(outage)
    run.checks["accepted_during_outage"] = run.sender.stats.acknowledged - acknowledged
    run.system.thaw_broker()
    thawed_at = run.sender.clock()
    thawed = time.monotonic()
    # what came back while it was frozen (a request in flight at SIGCONT is not counted)
    during = run.sender.stats.answers_between(frozen_at, thawed_at)
    run.checks["outage_s"] = round(thawed_at - frozen_at, 1)
    run.checks["answers_during_outage"] = dict(during)
    run.checks["slowest_503_s"] = round(run.sender.stats.unavailable_max_s, 1)
    # SPEC section 4: accepted events go to the ingest journal in PostgreSQL and a
    # relay publishes them, so a broker outage alone refuses nothing.
    if during:
        run.problems.append(f"ingest refused events while only the broker was away: {dict(during)}")
    if run.checks["accepted_during_outage"] == 0 and run.sender.stats.acknowledged < len(
        run.events
    ):
        run.problems.append("no event accepted while the broker was away")
    effects, _ = run.finish()
    run.checks["recovered_after_thaw_s"] = round(time.monotonic() - thawed, 1)
    run.require_same_pids()
    return run.result(
        "broker frozen", f"SIGSTOP {outage:.0f}s, SIGCONT (no restarts)", effects, started
    )


# -- 3. PostgreSQL restarted ---------------------------------------------------------------
def postgres_restart(run: Run) -> ScenarioResult:
    started = time.monotonic()
    outage = run.sizes.pg_outage_s
    run.start_stream()
    run.sender.wait_for(0.4)
    run.system.stop_postgres()
    stopped_at = run.sender.clock()
    time.sleep(outage)
    run.system.start_postgres()
    started_at = run.sender.clock()
    back_at = time.monotonic()
    ready_after = None
    while time.monotonic() - back_at < 120:
        if all(run.system.ready(s) for s in SERVICE_NAMES):
            ready_after = time.monotonic() - back_at
            break
        time.sleep(0.2)
    run.checks["answers_during_outage"] = dict(
        run.sender.stats.answers_between(stopped_at, started_at)
    )
    server_errors = {k: v for k, v in run.checks["answers_during_outage"].items() if k != "503"}
    if server_errors:
        run.problems.append(f"ingest answered {server_errors} while the database was away")
    if ready_after is None:
        run.problems.append("services not ready 120s after PostgreSQL came back")
    else:
        run.checks["ready_after_pg_s"] = round(ready_after, 1)
    effects, _ = run.finish()
    run.require_same_pids()
    return run.result(
        "PostgreSQL restarted",
        f"pg_ctl stop, {outage:.0f}s down, start (no restarts)",
        effects,
        started,
    )


# -- 4. Salesforce failing, then out of API calls ------------------------------------------
def salesforce(run: Run) -> ScenarioResult:
    started = time.monotonic()
    system, sizes = run.system, run.sizes
    third = sizes.sf_fault_s / 3
    run.start_stream()
    run.sender.wait_for(0.05)  # every write of this book meets the failures
    hits: Counter[str] = Counter()
    phases = [
        ("503", {"kind": "status", "status": 503, "seconds": third}),
        (
            "503 after commit",
            {"kind": "status", "status": 503, "seconds": third, "after_commit": True},
        ),
        ("UNABLE_TO_LOCK_ROW", {"kind": "lock", "seconds": third}),
    ]
    for label, spec in phases:
        system.sf_fault(**spec)
        hits[label] += _fault_hits_after(system, third)
    usage = system.sf_usage()
    system.sf_usage(used=usage["limit"])  # the org's daily allocation is spent
    time.sleep(sizes.sf_exhausted_s)
    refused = system.sf_usage()["refused"] - usage["refused"]
    system.sf_usage(used=0)  # a new day
    recovered = time.monotonic()
    run.sender.join()
    while time.monotonic() - recovered < sizes.settle_timeout_s:
        if system.sync_status()["pending"] == 0:
            break
        time.sleep(1.0)
    run.checks["writes_landed_after_recovery_s"] = round(time.monotonic() - recovered, 1)
    run.checks["fault_hits"] = dict(hits)
    run.checks["refused_over_limit"] = refused
    if sum(hits.values()) == 0:
        run.problems.append("crm_sync made no Salesforce call during the failures")
    effects, _ = run.finish()
    status = system.sync_status()
    run.checks["sync_status"] = {k: status[k] for k in ("pending", "failed", "retrying")}
    if status["pending"] or status["failed"]:
        run.problems.append(f"writes not acknowledged: {run.checks['sync_status']}")
    run.require_same_pids()
    return run.result(
        "Salesforce failing",
        f"503 / lock errors {sizes.sf_fault_s:.0f}s, allocation spent {sizes.sf_exhausted_s:.0f}s,"
        " recovery",
        effects,
        started,
    )


def _fault_hits_after(system: ChaosSystem, seconds: float) -> int:
    """Wait out a time-boxed fault; return how many calls it failed."""
    hits = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        active = system.emulator.get("/admin/faults").json()
        if active:
            hits = max(hits, max(int(f["hits"]) for f in active))
    return hits


# -- 5. deadlines falling due while play_orchestrator is down ----------------------------
def deadlines(run: Run) -> ScenarioResult:
    started = time.monotonic()
    system = run.system
    run.start_stream()
    run.sender.join()
    system.wait_settled(quiet_s=run.sizes.settle_quiet_s, timeout_s=run.sizes.settle_timeout_s)
    before = [system.play(p["id"]) for p in system.plays() if p["account_id"] in run.accounts]
    mark = run_async(_outbox_mark(system.database_url))
    system.kill("play_orchestrator")
    # While it is down, the days pass: every window deadline (<= 14 days after a
    # signal), the day-7/14 reviews and the 7-day meeting deadline fall due.
    jump = run.now + timedelta(days=16)
    expected = _due_while_down(before, jump)
    time.sleep(1.0)
    system.restart("play_orchestrator")
    system.set_clock("play_orchestrator", jump)
    time.sleep(random.uniform(0.3, 1.2))  # noqa: S311 - somewhere inside the catch-up sweep
    system.kill("play_orchestrator")
    system.restart("play_orchestrator")
    system.set_clock("play_orchestrator", jump)
    effects, raw = run.finish()
    fired = run_async(_deadline_events(system.database_url, mark))
    play_ids = {p["id"] for p in before}
    deadline_effects = fx.compare(
        "deadlines", expected, (k for k in fired if k.split(":")[0] in play_ids)
    )
    effects.counts.append(deadline_effects)
    expired = sum(1 for p in raw["plays"] if p["state"] == "expired")
    run.checks["plays"] = len(before)
    run.checks["expired"] = expired
    run.checks["deadline_events"] = len(fired)
    for play in raw["plays"]:
        pending = [t["kind"] for t in play["timers"] if t["status"] == "due"]
        if pending:
            run.problems.append(f"{play['id']}: timers due and not fired: {pending}")
    run.require_same_pids(except_=("play_orchestrator",))
    return run.result(
        "deadlines while down",
        "play_orchestrator SIGKILL, deadlines fall due, restarted (and SIGKILL mid-catch-up)",
        effects,
        started,
    )


def _due_while_down(plays: list[dict[str, Any]], jump: datetime) -> set[str]:
    """(play, timer) pairs that must fire once the clock reads ``jump``: pending
    timers due by then, in firing order, up to the one that closes the play."""
    keys: set[str] = set()
    for play in plays:
        pending = sorted(
            (
                (datetime.fromisoformat(t["due_at"]), TIMER_ORDER[t["kind"]], t["kind"])
                for t in play["timers"]
                if t["status"] != "fired"
            ),
        )
        for due_at, _, kind in pending:
            if due_at > jump:
                break
            keys.add(f"{play['id']}:{kind}")
            if kind in ("window_deadline", "withdraw_due"):
                break
    return keys


async def _outbox_mark(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM play_orchestrator.outbox"))
    finally:
        await conn.close()


async def _deadline_events(url: str, after: int) -> list[str]:
    """Every deadline effect play_orchestrator wrote to its outbox after ``after``:
    ``<play id>:<timer kind>``, once per event (a timer fired twice shows twice)."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT value FROM play_orchestrator.outbox WHERE id > $1 ORDER BY id", after
        )
    finally:
        await conn.close()
    out: list[str] = []
    for row in rows:
        envelope = json.loads(bytes(row["value"]))
        payload = envelope.get("payload", {})
        play_id = payload.get("play", {}).get("play_id")
        kind = DEADLINE_EVENTS.get(envelope["type"])
        if envelope["type"] == "ReviewDue":
            kind = payload.get("event", {}).get("review")
        if kind and play_id:
            out.append(f"{play_id}:{kind}")
    return out


# -- 6. a real stop + start of the memory broker (informational) ---------------------------
def broker_restart(run: Run) -> ScenarioResult:
    """What a restart of the MEMORY broker does: it comes back with no topics, no
    messages and no committed offsets. Whatever it had acknowledged but nobody
    had consumed yet is gone (the ingest's 202 was honest: the broker had it).
    Reported, not asserted: durability across a broker restart is the broker's
    job (a real Kafka, or Tansu with persistent storage)."""
    started = time.monotonic()
    run.start_stream()
    run.sender.wait_for(0.5)
    run.system.restart_broker(down_s=2.0)
    # the services meet a new broker epoch, re-publish and consume from its
    # beginning: lag on the new broker is meaningful (and must reach zero)
    effects, _ = run.finish()
    run.require_same_pids()
    result = run.result(
        "broker restarted (memory)", "stop + start: the broker comes back empty", effects, started
    )
    result.informational = True
    return result


RUNNERS: dict[str, Callable[[Run], ScenarioResult]] = {
    **{f"kill:{s}": (lambda run, s=s: kill_service(run, s)) for s in KILLED_SERVICES},  # type: ignore[misc]
    "broker-freeze": broker_freeze,
    "postgres-restart": postgres_restart,
    "salesforce": salesforce,
    "deadlines": deadlines,
    "broker-restart": broker_restart,
}
