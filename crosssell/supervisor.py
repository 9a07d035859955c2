"""``crosssell up``: the whole system as child processes of one supervisor.

Embedded PostgreSQL and broker unless told otherwise, the Salesforce emulator,
then the three services (each migrates its schema at start). Children die with
the supervisor (PR_SET_PDEATHSIG), and Ctrl-C / SIGTERM stops them in order.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import httpx
from rich.console import Console
from rich.table import Table

from crosssell import dev_secrets
from crosssell.dev_secrets import emulator_env, secrets_note
from crosssell.drain import DEFAULT_TIMEOUT_S, DrainOutcome, stop_accepting_and_drain
from crosssell.services import SERVICES
from crosssell.session import remember
from shared import auth
from shared.embedded import EmbeddedBroker, EmbeddedPostgres, _die_with_parent, free_port

console = Console(stderr=True)
EMULATOR_PORT = 8443


class Supervisor:
    def __init__(
        self,
        *,
        data_dir: Path,
        postgres_url: str | None,
        kafka: str | None,
        test_clock: bool = False,
        with_emulator: bool = True,
        port_offset: int = 0,
        extra_env: dict[str, str] | None = None,
        drain_timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.data_dir = data_dir
        # Ports of everything this supervisor starts; an offset lets two systems
        # (a user's and a test's) run side by side.
        self.ports = {name: spec.port + port_offset for name, spec in SERVICES.items()}
        self.emulator_port = EMULATOR_PORT + port_offset
        self.broker_port = 9092 + port_offset
        self.logs = data_dir / "logs"
        self.postgres_url = postgres_url
        self.kafka = kafka
        self.test_clock = test_clock
        self.with_emulator = with_emulator
        self._pg: EmbeddedPostgres | None = None
        self._broker: EmbeddedBroker | None = None
        self.extra_env = dict(extra_env or {})  # on top of the services' environment
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._commands: dict[str, tuple[list[str], dict[str, str]]] = {}
        self._log_files: list[IO[bytes]] = []
        self._stop = False
        self._skip_drain = False
        self.drain_timeout_s = drain_timeout_s
        self.drain_outcome: DrainOutcome | None = None
        self.ready_s: float | None = None

    # -- start ---------------------------------------------------------------
    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        started = time.monotonic()
        try:
            self._start_all()
            ready_s = self.ready_s = time.monotonic() - started
            key = self._create_key()
            remember(self.data_dir / "session.json")  # found from any directory
            self._print_summary(key, ready_s)
            self._wait()
        finally:
            self.shutdown(drain=True)

    # -- non-blocking use (the fault suite, ``crosssell chaos``) -------------------
    def start(self) -> str:
        """Start everything, write ``session.json`` and return its admin API key.

        Unlike ``run`` it installs no signal handlers and returns at once; call
        ``stop`` when done (a failed start stops what it had started).
        """
        started = time.monotonic()
        try:
            self._start_all()
        except BaseException:
            self.stop()
            raise
        self.ready_s = time.monotonic() - started
        return self._create_key()

    def stop(self, *, drain: bool = False) -> None:
        """``shutdown`` that leaves the caller's SIGINT/SIGTERM handlers as they were
        (``drain``: the ordered drain of a Ctrl-C first)."""
        handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.shutdown(drain=drain)
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)

    @property
    def postgres(self) -> EmbeddedPostgres | None:
        """The embedded PostgreSQL (None with ``--with-postgres``)."""
        return self._pg

    @property
    def broker(self) -> EmbeddedBroker | None:
        """The embedded broker (None with ``--kafka``)."""
        return self._broker

    def children(self) -> list[str]:
        """The names of the child processes started (services, ``sf_emulator``)."""
        return list(self._children)

    def abandon(self) -> None:
        """Forget a system whose processes were all killed from outside (the fault
        suite's kill -9 of everything): reap them, close the logs, stop nothing."""
        for child in self._children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(10)
        self._children.clear()
        if self._broker is not None:
            self._broker.stop()  # already dead: reaps it and closes its log
        self._broker = self._pg = None
        for log in self._log_files:
            log.close()
        self._log_files.clear()

    def pid(self, name: str) -> int:
        return self._children[name].pid

    def running(self, name: str) -> bool:
        return self._children[name].poll() is None

    def kill_service(self, name: str, sig: int = signal.SIGKILL, timeout_s: float = 35.0) -> int:
        """Send ``sig`` to a child (a service or ``sf_emulator``) and wait for it to exit;
        return its exit status (negative: the signal that ended it)."""
        child = self._children[name]
        if child.poll() is None:
            child.send_signal(sig)
        return child.wait(timeout_s)

    def restart_service(self, name: str, *, wait: bool = True) -> None:
        """Start a child again with the same command and environment (it must have
        exited: see ``kill_service``); with ``wait``, until it answers ready."""
        child = self._children.get(name)
        if child is not None and child.poll() is None:
            raise RuntimeError(f"{name} is still running (pid {child.pid}); kill it first")
        args, env = self._commands[name]
        self._spawn(name, args, env)
        if wait:
            self.wait_ready(name)

    def wait_ready(self, name: str, timeout_s: float = 90.0) -> None:
        if name == "sf_emulator":
            self._wait_http(f"https://127.0.0.1:{self.emulator_port}/admin/health", name, timeout_s)
        else:
            self._wait_http(f"http://127.0.0.1:{self.ports[name]}/readyz", name, timeout_s)

    def _start_all(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        for name in SERVICES:
            _require_free_port(self.ports[name], name)
        if self.postgres_url is None:
            console.print("starting embedded PostgreSQL ...")
            self._pg = EmbeddedPostgres(self.data_dir / "pg")
            self.postgres_url = self._pg.start()
        if self.kafka is None:
            console.print("starting the embedded Kafka-protocol broker ...")
            port = self.broker_port if _port_free(self.broker_port) else free_port()
            self._broker = EmbeddedBroker(port, log_path=self.logs / "broker.log")
            self.kafka = self._broker.start()
        env = self._service_env()
        if self.with_emulator:
            _require_free_port(self.emulator_port, "the Salesforce emulator")
            console.print("starting the Salesforce emulator ...")
            args = ["sf-emulator", "--port", str(self.emulator_port)]
            args += ["--state-dir", str(self.data_dir / "sf")]
            self._spawn("sf_emulator", args, self._emulator_env(env))
            self._wait_http(f"https://127.0.0.1:{self.emulator_port}/admin/health", "sf_emulator")
        for name, port in self.ports.items():
            console.print(f"starting {name} on :{port} ...")
            self._spawn(name, ["serve", name, "--port", str(port)], env)
        for name, port in self.ports.items():
            self._wait_http(f"http://127.0.0.1:{port}/readyz", name)

    def _emulator_env(self, env: dict[str, str]) -> dict[str, str]:
        """Its secrets by environment only (``ps`` shows every argument)."""
        crm_sync = f"http://127.0.0.1:{self.ports['crm_sync']}/v1/salesforce/outbound-message"
        return emulator_env(env, crm_sync, dev_secrets.load(self.data_dir))

    def _service_env(self) -> dict[str, str]:
        dev = dev_secrets.ensure(self.data_dir)
        env = {
            **os.environ,
            "DATABASE_URL": str(self.postgres_url),
            "KAFKA_BOOTSTRAP_SERVERS": str(self.kafka),
            "CROSSSELL_API_KEYS_FILE": str(self.data_dir / "api_keys.json"),
            "CROSSSELL_LOG_FORMAT": os.environ.get("CROSSSELL_LOG_FORMAT", "json"),
        }
        env.setdefault("INGEST_SOURCE_SECRETS", json.dumps(dev.ingest))
        if self.with_emulator:
            env.setdefault("SF_LOGIN_URL", f"https://127.0.0.1:{self.emulator_port}")
            env.setdefault("SF_CA_PATH", str(self.data_dir / "sf" / "ca.pem"))
            env.setdefault("SF_CLIENT_ID", "crosssell-up")
            env.setdefault("SF_CLIENT_SECRET", dev.sf_client_secret)
            env.setdefault("SF_WEBHOOK_SECRET", dev.sf_webhook_secret)
            env.setdefault("SF_OUTBOUND_TOKEN", dev.sf_outbound_token)
        if self.test_clock:
            env["CROSSSELL_TEST_CLOCK"] = "1"
        # The ops console on play_orchestrator calls the other services from the browser.
        console = self.ports["play_orchestrator"]
        env.setdefault(
            "CROSSSELL_CONSOLE_ORIGINS", f"http://127.0.0.1:{console},http://localhost:{console}"
        )
        env.setdefault(
            "CONSOLE_SIGNAL_INGEST_URL", f"http://127.0.0.1:{self.ports['signal_ingest']}"
        )
        env.setdefault("CONSOLE_CRM_SYNC_URL", f"http://127.0.0.1:{self.ports['crm_sync']}")
        env.update(self.extra_env)  # the caller's (e.g. the fault suite's) settings win
        return env

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed at shutdown
        self._log_files.append(log)
        self._commands[name] = (args, env)
        self._children[name] = subprocess.Popen(
            [sys.executable, "-m", "crosssell.cli", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # noqa: PLW1509
        )

    def _wait_http(self, url: str, name: str, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        ca = self.data_dir / "sf" / "ca.pem"
        while not self._stop:
            child = self._children.get(name)
            if child is not None and child.poll() is not None:
                raise SystemExit(f"{name} exited during start-up; see {self.logs / name}.log")
            try:
                verify: bool | str = str(ca) if url.startswith("https") and ca.exists() else False
                if httpx.get(url, timeout=2, verify=verify).status_code == 200:
                    return
            except (httpx.HTTPError, ssl.SSLError):  # not up yet, or CA not written yet
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{name} not ready after {timeout_s:.0f}s; see {self.logs}")
            time.sleep(0.2)

    def _create_key(self) -> str:
        """A fresh admin key for this run; also left (0600) for ``crosssell demo``."""
        _, key = auth.create_key(
            self.data_dir / "api_keys.json", ["read", "write", "admin"], label="crosssell up"
        )
        session = {
            "api_key": key,
            "urls": {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()},
            "sf_emulator": f"https://127.0.0.1:{self.emulator_port}"
            if self.with_emulator
            else None,
            "sf_ca_path": str(self.data_dir / "sf" / "ca.pem"),
            "console": f"http://127.0.0.1:{self.ports['play_orchestrator']}/console/",
            "data_dir": str(self.data_dir),
            "api_keys_file": str(self.data_dir / "api_keys.json"),
            "pid": os.getpid(),
            # operators' commands (replay, backtest, calibrate): where the system keeps its state
            "database_url": str(self.postgres_url),
            "kafka": str(self.kafka),
        }
        path = self.data_dir / "session.json"
        path.write_text(json.dumps(session, indent=2))
        os.chmod(path, 0o600)
        return key

    def _print_summary(self, key: str, ready_s: float) -> None:
        title = f"cross-sell engine ready in {ready_s:.1f}s"
        table = Table("component", "URL", "docs", title=title)
        for name, port in self.ports.items():
            base = f"http://127.0.0.1:{port}"
            table.add_row(name, base, f"{base}/docs")
        if self.with_emulator:
            base = f"https://127.0.0.1:{self.emulator_port}"
            table.add_row("Salesforce emulator", base, f"{base}/admin/docs")
        table.add_row("PostgreSQL", _redact(str(self.postgres_url)), "")
        table.add_row("Kafka", str(self.kafka), "")
        out = Console(width=max(Console().width, 110))
        out.print(table)
        out.print(f"API key (read, write, admin; shown once): [bold]{key}[/]")
        console_url = f"http://127.0.0.1:{self.ports['play_orchestrator']}/console/"
        out.print(f"ops console: [bold]{console_url}[/] (paste the API key)")
        out.print(
            "API key and ingest signing secret in a shell: "
            '[bold]eval "$(crosssell secrets show --export)"[/] (sets KEY, INGEST_HMAC_SECRET)'
        )
        out.print(secrets_note(self.data_dir), markup=False, highlight=False, soft_wrap=True)
        out.print(f"logs: {self.logs}   stop: Ctrl-C")
        sys.stdout.flush()

    # -- run and stop ----------------------------------------------------------
    def _on_signal(self, signum: int, _frame: object) -> None:
        if self._stop:  # the second Ctrl-C: stop without waiting for the drain
            self._skip_drain = True
        self._stop = True

    def _wait(self) -> None:
        while not self._stop:
            for name, child in self._children.items():
                if child.poll() is not None:
                    console.print(f"[red]{name} exited with {child.returncode}; stopping[/]")
                    self._stop = True
            time.sleep(0.2)

    def shutdown(self, *, drain: bool = False) -> None:
        if drain:
            self.drain_outcome = self.drain()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for child in self._children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 35
        for child in self._children.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self._children.clear()
        if self._broker is not None:
            self._broker.stop()
        if self._pg is not None:
            try:
                self._pg.stop()
            except Exception as exc:  # say so: a PostgreSQL left running holds the data dir
                console.print(f"[red]PostgreSQL did not stop: {exc}[/]")
        for log in self._log_files:
            log.close()
        console.print("stopped")

    # -- the drain (crosssell.drain) ---------------------------------------------------
    def drain(self) -> DrainOutcome | None:
        """Stop accepting at the edge, wait until everything held is published and
        consumed (bounded), record the drain if it completed; None if there is no
        running system to drain."""
        ingest = self._children.get("signal_ingest")
        if self.ready_s is None or ingest is None or ingest.poll() is not None:
            return None  # stopped before it was up: nothing accepted, nothing to drain
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self._on_signal)  # a second Ctrl-C skips the wait
            signal.signal(signal.SIGTERM, self._on_signal)
        prefix = self.extra_env.get("CROSSSELL_TOPIC_PREFIX") or os.environ.get(
            "CROSSSELL_TOPIC_PREFIX", ""
        )
        return stop_accepting_and_drain(
            ingest,
            str(self.postgres_url),
            str(self.kafka),
            prefix=prefix,
            timeout_s=self.drain_timeout_s,
            skip=lambda: self._skip_drain,
            trouble=self._drain_trouble,
            say=lambda line: console.print(line, soft_wrap=True, highlight=False),
        )

    def _drain_trouble(self) -> str | None:
        for name in SERVICES:
            child = self._children.get(name)
            if child is None or child.poll() is not None:
                return f"{name} is not running"
        return None


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _require_free_port(port: int, what: str) -> None:
    if not _port_free(port):
        raise SystemExit(f"port {port} (for {what}) is already in use; stop what holds it first")


def _redact(url: str) -> str:
    if "@" in url and ":" in url.split("@")[0].split("//")[-1]:
        scheme, rest = url.split("//", 1)
        creds, host = rest.split("@", 1)
        return f"{scheme}//{creds.split(':')[0]}:***@{host}"
    return url
