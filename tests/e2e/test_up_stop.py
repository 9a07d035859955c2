"""How ``crosssell up`` stops (issue 16): the ordered drain, and a start after a kill -9.

The real command as a subprocess on ports of its own (offset 1600):

* Ctrl-C (SIGINT) right after a push: signal_ingest answers 503 with
  ``Retry-After`` from then on, the supervisor waits until everything held is
  published and consumed (the progress line says so), then stops everything
  it started, PostgreSQL included;
* ``crosssell up`` killed with SIGKILL, then started again on the same data
  directory, then stopped cleanly: the second run takes over the PostgreSQL the
  first one left running and stops it.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import psutil
import pytest

from crosssell import dev_secrets
from crosssell.chaos.stream import Sender, book_events
from shared.signature import sign
from tests.support import system

OFFSET = 1600
INGEST = f"http://127.0.0.1:{8001 + OFFSET}/v1/events"
pytestmark = pytest.mark.timeout(420)


def _postmasters(data_dir: Path) -> list[psutil.Process]:
    """Every live postmaster serving ``data_dir/pg``."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline", "status"]):
        cmdline = proc.info["cmdline"] or []
        if (
            proc.info["name"] == "postgres"
            and str(data_dir / "pg") in cmdline
            and proc.info["status"] != psutil.STATUS_ZOMBIE
        ):
            found.append(proc)
    return found


def _ports_free(timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while system.taken_ports(OFFSET):
        assert time.monotonic() < deadline, f"ports still taken: {system.taken_ports(OFFSET)}"
        time.sleep(0.2)


def _wait_ready(up: subprocess.Popen[bytes]) -> None:
    """``system.wait_ready``, with what ``crosssell up`` said if it exited."""
    try:
        system.wait_ready(up, OFFSET)
    except AssertionError as exc:
        out = up.communicate(timeout=60)[0] if up.poll() is not None else b""
        raise AssertionError(f"{exc}: {out.decode(errors='replace')[-3000:]}") from exc


def _stop(up: subprocess.Popen[bytes], sig: int, timeout_s: float = 240.0) -> str:
    up.send_signal(sig)
    out, _ = up.communicate(timeout=timeout_s)
    return out.decode(errors="replace")


def _secrets(data_dir: Path) -> dict[str, str]:
    """source -> its ingest secret, as ``crosssell up`` wrote them."""
    return dict(dev_secrets.load(data_dir).ingest)


def _push(data_dir: Path, events: int, seed: int) -> Sender:
    now = datetime.now(UTC).replace(microsecond=0)
    return Sender(INGEST, _secrets(data_dir), book_events(seed, events, now), give_up_after_s=120)


def _post_until_exit(
    up: subprocess.Popen[bytes], data_dir: Path, answers: list[httpx.Response]
) -> None:
    """What a sender meets while the system stops: one small signed batch, again and again."""
    source, batch = _push(data_dir, 5, seed=99).plan[0]
    secret = _secrets(data_dir)[source].encode()
    body = orjson.dumps({"events": batch})
    with httpx.Client(timeout=10, trust_env=False) as http:
        while up.poll() is None:
            headers = {
                "Content-Type": "application/json",
                "X-Crosssell-Source": source,
                "X-Crosssell-Signature": sign(secret, body, int(time.time())),
            }
            try:
                answers.append(http.post(INGEST, content=body, headers=headers))
            except httpx.TransportError:
                return  # the service is gone
            time.sleep(0.05)


def test_ctrl_c_drains_then_stops_everything(tmp_path: Path) -> None:
    assert not system.taken_ports(OFFSET), "ports of offset 1600 are taken"
    up, data_dir = system.start_up(tmp_path, OFFSET, system.up_env(), "--drain-timeout", "120")
    try:
        _wait_ready(up)
        _push(data_dir, 4_000, seed=16).start().join(300)
        postmasters = _postmasters(data_dir)
        assert len(postmasters) == 1
        answers: list[httpx.Response] = []
        poster = threading.Thread(target=_post_until_exit, args=(up, data_dir, answers))
        up.send_signal(signal.SIGINT)
        poster.start()
        out, _ = up.communicate(timeout=240)
        poster.join(30)
        text = out.decode(errors="replace")
        assert up.returncode == 0, text[-3000:]
        assert "draining" in text and "unsent signal_ingest" in text, text[-3000:]
        assert "drained in" in text, text[-3000:]
        refused = [a for a in answers if a.status_code == 503]
        assert refused, f"no 503 while draining: {[a.status_code for a in answers]}"
        assert int(refused[0].headers["Retry-After"]) > 0
        statuses = [a.status_code for a in answers]
        # (the first posts may beat the signal to signal_ingest)
        assert set(statuses[statuses.index(503) :]) == {503}, f"accepted while draining: {statuses}"
        assert psutil.wait_procs(postmasters, timeout=30)[1] == [], "PostgreSQL left running"
    finally:
        if up.poll() is None:
            up.kill()


def test_a_start_after_kill_9_takes_over_postgres_and_its_stop_ends_it(tmp_path: Path) -> None:
    assert not system.taken_ports(OFFSET), "ports of offset 1600 are taken"
    env = system.up_env()
    first, data_dir = system.start_up(tmp_path, OFFSET, env, "--drain-timeout", "30")
    second: subprocess.Popen[bytes] | None = None
    try:
        _wait_ready(first)
        orphan = _postmasters(data_dir)
        assert len(orphan) == 1
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
        assert orphan[0].is_running(), "PostgreSQL should outlive a kill -9 of its supervisor"
        _ports_free()  # the services get SIGTERM when their parent dies

        second, _ = system.start_up(tmp_path, OFFSET, env, "--drain-timeout", "30")
        _wait_ready(second)
        assert [p.pid for p in _postmasters(data_dir)] == [orphan[0].pid]  # adopted
        text = _stop(second, signal.SIGTERM)
        assert second.returncode == 0, text[-3000:]
        assert psutil.wait_procs(orphan, timeout=30)[1] == [], "PostgreSQL left running"
        assert _postmasters(data_dir) == []
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
        for postmaster in _postmasters(data_dir):
            postmaster.terminate()
