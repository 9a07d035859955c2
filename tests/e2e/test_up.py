"""``crosssell up`` from a fresh state, as a user runs it (issue 7 must-show).

Starts the real command as a subprocess in an empty directory, waits until
every service answers /readyz, runs a small ``crosssell demo`` against it,
checks that plays and Opportunities were produced, then sends SIGTERM and
checks that no process it started survives. In a full run this happens beside
the integration suite, ahead of the test's turn (``tests/support/early.py``).
"""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from crosssell import dev_secrets
from tests.support import early, system

OFFSET = 100  # keep clear of a system the developer may be running on the default ports


def _descendants(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:  # gone between the two questions
        return False


def _postmaster(data_dir: Path) -> psutil.Process | None:
    pid_file = data_dir / "pg" / "postmaster.pid"
    if not pid_file.exists():
        return None
    return psutil.Process(int(pid_file.read_text().split()[0]))


def _up_demo_and_clean_stop(tmp_path: Path, notes: list[str]) -> None:
    """The whole test; may run ahead of the test's turn (``tests/support/early.py``),
    so what it has to say goes to ``notes``, printed by the test."""
    busy = system.taken_ports(OFFSET)
    assert not busy, f"ports {busy} are taken: stop whatever holds them before running e2e"
    env = system.up_env(model=True)
    up, data_dir = system.start_up(tmp_path, OFFSET, env)
    try:
        ready_s = system.wait_ready(up, OFFSET)
        notes.append(f"crosssell up: all services ready after {ready_s:.1f}s")
        deadline = time.monotonic() + 30
        while not (data_dir / "session.json").exists():  # written once the key is made
            assert time.monotonic() < deadline and up.poll() is None
            time.sleep(0.1)
        session = json.loads((data_dir / "session.json").read_text())
        started = _descendants(up.pid)
        postmaster = _postmaster(data_dir)
        assert postmaster is not None and postmaster.is_running()
        tracked = [*started, postmaster]
        assert len(started) >= 5  # broker, emulator, three services

        demo = subprocess.run(
            [
                sys.executable,
                "-m",
                "crosssell.cli",
                "demo",
                "--session",
                str(data_dir / "session.json"),
                "--accounts",
                "40",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        notes.append(demo.stdout[-4000:])
        assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]

        headers = {"Authorization": f"Bearer {session['api_key']}"}
        plays = httpx.get(
            f"{session['urls']['play_orchestrator']}/v1/plays", headers=headers, timeout=10
        ).json()
        assert plays["items"], "the demo produced no play"
        ca = ssl.create_default_context(cafile=session["sf_ca_path"])
        admin = dev_secrets.load(data_dir).emulator_headers()  # the emulator's admin token
        opportunities = httpx.get(
            f"{session['sf_emulator']}/admin/records/Opportunity",
            verify=ca,
            timeout=10,
            headers=admin,
        ).json()
        records = opportunities["records"] if isinstance(opportunities, dict) else opportunities
        assert records, "no Opportunity reached the Salesforce emulator"
    finally:
        up.send_signal(signal.SIGTERM)
        try:
            up.wait(90)
        except subprocess.TimeoutExpired:
            up.kill()
            raise
    output = up.stdout.read().decode() if up.stdout else ""
    assert up.returncode == 0, output[-3000:]
    # the same 1 s of grace as ever, but done as soon as every process is gone
    grace = time.monotonic() + 1
    while True:
        survivors = [p for p in tracked if _alive(p)]
        if not survivors or time.monotonic() > grace:
            break
        time.sleep(0.05)
    assert not survivors, f"still running after SIGTERM: {survivors}"


@early.work(_up_demo_and_clean_stop)
def test_up_demo_and_clean_stop(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    early.outcome(request, tmp_path)
