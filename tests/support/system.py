"""Starting a whole system with ``crosssell up`` from a test, on its own ports.

Shared by the e2e test, the console's browser test and the secret scan: each
runs ``crosssell up --port-offset N`` in a temporary directory and waits for
every service's ``/readyz``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import httpx
import psutil

from crosssell.services import SERVICES
from tests.support import early

# Set by a developer's shell for their own system; ``crosssell up`` sets its own.
NOT_INHERITED = ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
# The sentence-embedding model (a ~600 MB worker per service that loads for seconds)
# is off in the system tests that are about something else: tests/meaning and the
# pain integration test try it, and the e2e test runs the system as shipped.
WITHOUT_MODEL = {"SIGNAL_INGEST_PAIN_MEANING": "0", "LANGUAGE_MEANING": "0"}


def ports(offset: int) -> list[int]:
    """The services', the emulator's and the broker's ports of a system at ``offset``."""
    return [spec.port + offset for spec in SERVICES.values()] + [8443 + offset, 9092 + offset]


def taken_ports(offset: int) -> list[int]:
    """The ports of a system at ``offset`` something already listens on."""
    listening = {
        c.laddr.port
        for c in psutil.net_connections("tcp")
        if c.laddr and c.status == psutil.CONN_LISTEN
    }
    return [p for p in ports(offset) if p in listening]


def up_env(drop: Iterable[str] = (), *, model: bool = False) -> dict[str, str]:
    """The session's environment (not the live one: ``early.environ``) without
    the variables that would point ``crosssell up`` at someone else's system
    (``model``: with the sentence-embedding model, as shipped)."""
    skip = {*NOT_INHERITED, *drop}
    env = {k: v for k, v in early.environ().items() if k not in skip}
    return env if model else {**env, **WITHOUT_MODEL}


def start_up(
    tmp_path: Path, offset: int, env: dict[str, str], *extra: str
) -> tuple[subprocess.Popen[bytes], Path]:
    """``crosssell up`` in ``tmp_path`` (its data under ``.crosssell``); returns the
    process (stdout piped) and the data directory. It gets SIGINT if the thread
    that started it ends (``early.die_with_parent``)."""
    data_dir = tmp_path / ".crosssell"
    # where `crosssell up` remembers its session: the test's, not the developer's
    env = {"CROSSSELL_STATE_DIR": str(tmp_path / "state"), **env}
    cmd = [sys.executable, "-m", "crosssell.cli", "up", "--data-dir", str(data_dir)]
    up = subprocess.Popen(
        [*cmd, "--port-offset", str(offset), *extra],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=early.die_with_parent,  # noqa: PLW1509
    )
    return up, data_dir


def all_ready(offset: int) -> bool:
    """Every service of the system at ``offset`` answers 200 on ``/readyz``."""
    try:
        return all(
            httpx.get(f"http://127.0.0.1:{s.port + offset}/readyz", timeout=2).status_code == 200
            for s in SERVICES.values()
        )
    except httpx.HTTPError:
        return False


def wait_ready(up: subprocess.Popen[bytes], offset: int, timeout_s: float = 120) -> float:
    """Seconds until every service is ready; fails if ``up`` exits or time runs out."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        assert up.poll() is None, "crosssell up exited during start-up"
        if all_ready(offset):
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError("services not ready in time")
