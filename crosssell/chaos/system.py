"""The system under fault: a ``Supervisor`` run in the background, plus its clients.

    system = ChaosSystem(Path("/tmp/chaos"), port_offset=700)
    system.start()
    system.kill("crm_sync"); system.restart("crm_sync")
    system.freeze_broker(); ...; system.thaw_broker()
    system.stop_postgres(); ...; system.start_postgres()
    system.sf_fault(kind="lock", seconds=60)
    system.wait_settled()
    system.stop()

Everything is real: the embedded PostgreSQL, the embedded broker, the
Salesforce emulator over HTTPS and the three services as child processes
(``crosssell.supervisor.Supervisor``). Faults are injected from outside, the
way an operator (or the kernel) would: signals to processes, the database
stopped through its own ``pg_ctl``, the emulator's ``/admin/faults``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

from crosssell import dev_secrets
from crosssell.backlog import consumer_lag, run_async, unsent
from crosssell.chaos.org import Org
from crosssell.services import SERVICES
from crosssell.supervisor import Supervisor

SERVICE_NAMES = tuple(SERVICES)
ACTIVITY_METRICS = (
    "crosssell_messages_consumed_total",
    "crosssell_messages_duplicate_total",
    "crosssell_messages_dlq_total",
    "crosssell_outbox_published_total",
)
# crm_sync's write-queue timings for chaos runs: a write leased by a crm_sync
# that was killed -9 is taken again after the lease (default 120 s), and after
# an outage the writer's backoff/limit probe (default 60 s) decides how soon
# it tries again. Shorter here so a run does not idle; same code paths.
QUICK_CRM_ENV = {
    "SYNC_LEASE_S": "20",
    "SYNC_BACKOFF_CAP_S": "10",
    "SYNC_LIMIT_BACKOFF_CAP_S": "10",
    "SYNC_DEFER_PROBE_S": "10",
}


# The SIGTERM row stops the system with up to 50,000 events of the full run in flight.
CHAOS_DRAIN_TIMEOUT_S = 300.0


class ChaosError(Exception):
    """The system did not do what a scenario needs (not ready, never settled...)."""


@dataclass
class Settled:
    seconds: float
    fingerprint: tuple[Any, ...] = field(default_factory=tuple)


class ChaosSystem:
    def __init__(
        self,
        data_dir: Path,
        *,
        port_offset: int = 700,
        test_clock: bool = True,
        extra_env: dict[str, str] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._port_offset = port_offset
        self._test_clock = test_clock
        self.org = Org(self.data_dir, port_offset, SERVICES["crm_sync"].port + port_offset)
        self._env = {"CROSSSELL_LOG_FORMAT": "json", **self.org.service_env(), **(extra_env or {})}
        self.supervisor = self._new_supervisor()
        self._log = log or (lambda _msg: None)
        self.api_key = ""
        self.ingest_secrets: dict[str, str] = {}  # source -> secret (dev-secrets.json)
        self.http: httpx.Client | None = None
        self.sf: httpx.Client | None = None

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> float:
        """Start everything; return the seconds it took to be ready."""
        started = time.monotonic()
        self.org.start()  # the org outlives the system: started once, kept across restarts
        try:
            self.api_key = self.supervisor.start()
        except BaseException:
            self.org.stop()
            raise
        self._check_environment()
        dev = dev_secrets.load(self.data_dir)
        self.ingest_secrets = dict(dev.ingest)
        self.http = httpx.Client(
            headers={"Authorization": f"Bearer {self.api_key}"}, timeout=30, trust_env=False
        )
        ca = ssl.create_default_context(cafile=str(self.org.ca_path))
        self.sf = httpx.Client(
            base_url=self.org.url,
            verify=ca,
            timeout=30,
            trust_env=False,
            headers=self.org.admin_headers(),
        )
        return time.monotonic() - started

    def _new_supervisor(self) -> Supervisor:
        return Supervisor(
            data_dir=self.data_dir,
            postgres_url=None,
            kafka=None,
            test_clock=self._test_clock,
            port_offset=self._port_offset,
            with_emulator=False,  # the org is ``self.org``
            extra_env=self._env,
            drain_timeout_s=CHAOS_DRAIN_TIMEOUT_S,
        )

    def _check_environment(self) -> None:
        """The services run with the settings this system was made with (a chaos run
        that silently used other timings would measure something else)."""
        wanted = self.supervisor.extra_env
        for service in SERVICE_NAMES:
            env = psutil.Process(self.pid(service)).environ()
            wrong = {k: env.get(k) for k, v in wanted.items() if env.get(k) != v}
            if wrong:
                self.stop()
                raise ChaosError(f"{service} did not get its settings: {wrong}")

    def stop(self) -> None:
        """Stop everything, the org included."""
        try:
            self.stop_system()
        finally:
            self.org.stop()

    def stop_system(self, *, drain: bool = False) -> None:
        """Stop the system but not the org (``drain``: as ``crosssell up`` does on
        SIGTERM, the ordered drain first; its outcome is ``supervisor.drain_outcome``)."""
        self.thaw_broker()  # a frozen broker would not hear its SIGTERM
        self._close_clients()
        self.supervisor.stop(drain=drain)

    def _close_clients(self) -> None:
        for client in (self.http, self.sf):
            if client is not None:
                client.close()
        self.http = self.sf = None

    def kill_system(self) -> list[int]:
        """SIGKILL every process of the system at once - the services, the broker,
        the PostgreSQL postmaster and its backends; not the org - as a power cut or
        ``kill -9`` of the process group would; return the pids killed. The
        supervisor's own state is dropped with them (``start_again`` starts anew)."""
        sup = self.supervisor
        pids = [sup.pid(name) for name in sup.children()]
        if sup.broker is not None and sup.broker.pid is not None:
            pids.append(sup.broker.pid)
        postmaster = sup.postgres.postmaster_pid if sup.postgres is not None else None
        if postmaster is not None:
            with contextlib.suppress(psutil.NoSuchProcess):
                backends = psutil.Process(postmaster).children(recursive=True)
                pids += [postmaster, *(p.pid for p in backends)]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._log(f"SIGKILL to the whole system: {len(pids)} processes")
        self._close_clients()
        sup.abandon()
        return pids

    def start_again(self) -> float:
        """A new supervisor on the same data directory (after ``stop`` or
        ``kill_system``); return the seconds until everything was ready."""
        self.supervisor = self._new_supervisor()
        took = self.start()
        self._log(f"system started again on {self.data_dir} in {took:.1f}s")
        return took

    def __enter__(self) -> ChaosSystem:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------------
    def url(self, service: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.supervisor.ports[service]}{path}"

    @property
    def api(self) -> httpx.Client:
        if self.http is None:
            raise ChaosError("the system is not started")
        return self.http

    @property
    def emulator(self) -> httpx.Client:
        if self.sf is None:
            raise ChaosError("the system is not started")
        return self.sf

    @property
    def database_url(self) -> str:
        return str(self.supervisor.postgres_url)

    # -- faults: processes -------------------------------------------------------------
    def pid(self, service: str) -> int:
        return self.supervisor.pid(service)

    def kill(self, service: str, sig: int = signal.SIGKILL) -> int:
        self._log(f"kill -{signal.Signals(sig).name} {service} (pid {self.pid(service)})")
        return self.supervisor.kill_service(service, sig)

    def restart(self, service: str) -> float:
        """Start a killed service again; return the seconds until it answered ready."""
        started = time.monotonic()
        self.supervisor.restart_service(service)
        took = time.monotonic() - started
        self._log(f"{service} restarted (pid {self.pid(service)}), ready in {took:.1f}s")
        return took

    def _broker_pid(self) -> int:
        broker = self.supervisor.broker
        if broker is None or broker.pid is None:
            raise ChaosError("no embedded broker running")
        return broker.pid

    def freeze_broker(self) -> None:
        """SIGSTOP the broker: connections stay open, nothing is answered, nothing is lost."""
        os.kill(self._broker_pid(), signal.SIGSTOP)
        self._log("broker frozen (SIGSTOP)")

    def kill_broker(self, down_s: float = 0.0) -> None:
        """SIGKILL the broker, start an empty one on the same port (the services run on)."""
        broker = self.supervisor.broker
        if broker is None or broker.pid is None:
            raise ChaosError("no embedded broker running")
        os.kill(broker.pid, signal.SIGKILL)
        broker.stop()  # reaps it
        self._log("broker killed (SIGKILL)")
        time.sleep(down_s)
        broker.start()
        self._log("broker started (empty)")

    def thaw_broker(self) -> None:
        broker = self.supervisor.broker
        if broker is not None and broker.pid is not None:
            try:
                os.kill(broker.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass

    def restart_broker(self, down_s: float = 0.0) -> None:
        """A real stop + start of the memory broker (it comes back empty)."""
        broker = self.supervisor.broker
        if broker is None:
            raise ChaosError("no embedded broker")
        broker.stop()
        self._log("broker stopped")
        time.sleep(down_s)
        broker.start()
        self._log("broker started (empty)")

    def stop_postgres(self) -> None:
        """Stop the server through the library (pg_ctl as its own system user)."""
        pg = self.supervisor.postgres
        if pg is None:
            raise ChaosError("no embedded PostgreSQL")
        pg.stop()
        self._log("PostgreSQL stopped")

    def start_postgres(self) -> None:
        pg = self.supervisor.postgres
        if pg is None:
            raise ChaosError("no embedded PostgreSQL")
        url = pg.start()
        if url != self.database_url:
            raise ChaosError(f"PostgreSQL came back at {url}, not {self.database_url}")
        self._log("PostgreSQL started (same data dir)")

    # -- faults: Salesforce -------------------------------------------------------------
    def sf_fault(self, **spec: Any) -> dict[str, Any]:
        answer = self.emulator.post("/admin/faults", json=spec)
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def sf_clear_faults(self) -> None:
        self.emulator.delete("/admin/faults").raise_for_status()

    def sf_usage(self, used: int | None = None, limit: int | None = None) -> dict[str, Any]:
        if used is None and limit is None:
            answer = self.emulator.get("/admin/usage")
        else:
            body = {k: v for k, v in (("used", used), ("limit", limit)) if v is not None}
            answer = self.emulator.post("/admin/usage", json=body)
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    # -- the test clock -----------------------------------------------------------------
    def set_clock(self, service: str, now: datetime) -> None:
        answer = self.api.post(self.url(service, "/v1/admin/clock"), json={"now": now.isoformat()})
        if answer.status_code != 200:
            raise ChaosError(f"{service} refused the clock: {answer.status_code} {answer.text}")

    # -- reads ----------------------------------------------------------------------------
    def _pages(self, url: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            query = {**(params or {}), "limit": 200, **({"cursor": cursor} if cursor else {})}
            answer = self.api.get(url, params=query)
            answer.raise_for_status()
            page = answer.json()
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    def signals(self) -> list[dict[str, Any]]:
        return self._pages(self.url("signal_ingest", "/v1/signals"))

    def plays(self) -> list[dict[str, Any]]:
        return self._pages(self.url("play_orchestrator", "/v1/plays"))

    def play(self, play_id: str) -> dict[str, Any]:
        answer = self.api.get(self.url("play_orchestrator", f"/v1/plays/{play_id}"))
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def records(self, sobject: str) -> list[dict[str, Any]]:
        answer = self.emulator.get(f"/admin/records/{sobject}", params={"limit": 10_000_000})
        answer.raise_for_status()
        records: list[dict[str, Any]] = answer.json()["records"]
        return records

    def sync_status(self) -> dict[str, Any]:
        answer = self.api.get(self.url("crm_sync", "/v1/sync/status"))
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def ready(self, service: str) -> bool:
        try:
            return self.api.get(self.url(service, "/readyz"), timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def activity(self) -> int:
        """Messages consumed/skipped/dead-lettered + outbox rows published, all services."""
        total = 0.0
        for service in SERVICE_NAMES:
            try:
                text = self.api.get(self.url(service, "/metrics"), timeout=5).text
            except httpx.HTTPError:
                continue
            for line in text.splitlines():
                if line.startswith(ACTIVITY_METRICS):
                    try:
                        total += float(line.rsplit(" ", 1)[1])
                    except ValueError:
                        pass
        return int(total)

    def backlog(self) -> dict[str, int]:
        """Work not done yet, read where it is kept: unsent outbox rows per service,
        crm_sync's unacknowledged Salesforce writes, the emulator's undelivered
        Outbound Messages."""
        counts = run_async(_outbox_backlog(self.database_url))
        try:
            status = self.sync_status()
            counts["sf_pending"] = int(status["pending"])
        except (httpx.HTTPError, KeyError):
            counts["sf_pending"] = -1
        try:
            pending = self.emulator.get("/admin/outbound/pending").json()
            counts["sf_outbound_pending"] = len(pending)
        except (httpx.HTTPError, ValueError):
            counts["sf_outbound_pending"] = -1
        return counts

    def consumer_lag(self) -> dict[str, int]:
        """Messages on the broker each consumer group has not committed yet."""
        broker = self.supervisor.broker
        if broker is None:
            return {}
        prefix = self.supervisor.extra_env.get("CROSSSELL_TOPIC_PREFIX", "")
        lag = run_async(consumer_lag(broker.bootstrap, prefix))
        return {f"lag_{group}": behind for group, behind in lag.by_group.items()}

    def wait_settled(
        self, *, quiet_s: float = 6.0, timeout_s: float = 300.0, lag: bool = True
    ) -> Settled:
        """Until every service is ready, nothing is pending anywhere (outboxes,
        Salesforce writes and notifications, consumer lag on the broker) and the
        activity counters stood still for ``quiet_s`` (longer than any retry
        backoff of the consume loops, so a consumer waiting to retry is not taken
        for done)."""
        started = time.monotonic()
        last: tuple[Any, ...] | None = None
        still_since = started
        while True:
            ready = all(self.ready(s) for s in SERVICE_NAMES)
            backlog = self.backlog() if ready else {}
            busy = not ready or any(v != 0 for v in backlog.values())
            if not busy and lag:
                backlog.update(self.consumer_lag())
                busy = any(v != 0 for v in backlog.values())
            current = (ready, self.activity(), tuple(sorted(backlog.items())))
            now = time.monotonic()
            if current != last or busy:
                last, still_since = current, now
            elif now - still_since >= quiet_s:
                return Settled(now - started, current)
            if now - started > timeout_s:
                raise ChaosError(
                    f"not settled after {timeout_s:.0f}s: ready={ready} backlog={backlog}"
                )
            time.sleep(0.5)


async def _outbox_backlog(url: str) -> dict[str, int]:
    """``outbox_<service>`` / ``journal_<service>``: rows not published yet."""
    try:
        counts = await unsent(url)
    except (OSError, asyncpg.PostgresError) as exc:
        raise ChaosError(f"database unreachable: {exc}") from exc
    out = {f"outbox_{service}": counts.get(f"{service}.outbox", -1) for service in SERVICE_NAMES}
    if "signal_ingest.ingest_journal" in counts:
        out["journal_signal_ingest"] = counts["signal_ingest.ingest_journal"]
    return out
