"""The ops console in a real browser, against the running system.

Starts ``crosssell up --test-clock --port-offset 200`` in a temporary
directory, fills it with ``crosssell demo --accounts 60``, then runs
``tests/browser/console.spec.mjs`` (playwright-core driving Debian's Chromium):
every view against the APIs, deadlines firing while the board is open, a new
signed event reaching the open signals feed without a reload. Then it grows
the plays table to 10,000 (``bulk_plays``) and runs the script's load phase:
the plays board and the pipeline must show data in under a second. Screenshots
and timings land in ``test-artifacts/console/``. Stops the system with SIGTERM.

Needs ``/usr/bin/chromium`` and ``node_modules/playwright-core`` (``.ci/run``
installs both from the repo's files). Without them the test is skipped with
the reason, except under CI (``CI`` set), where it fails.

In a full run all this happens beside the integration suite, ahead of the
test's turn (``tests/support/early.py``); the test reports its outcome.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import early, system

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "browser" / "console.spec.mjs"
ARTIFACTS = ROOT / "test-artifacts" / "console"
CHROMIUM = Path("/usr/bin/chromium")
PLAYWRIGHT = ROOT / "node_modules" / "playwright-core"
OFFSET = 200
BULK_PLAYS = 10_000
# Set by the developer's shell for their own system; the supervisor sets the right ones.
NOT_INHERITED = ("CROSSSELL_CONSOLE_ORIGINS", "CONSOLE_SIGNAL_INGEST_URL", "CONSOLE_CRM_SYNC_URL")


def _missing() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if not (PLAYWRIGHT / "package.json").exists():
        missing.append(f"{PLAYWRIGHT.relative_to(ROOT)} (npm ci)")
    if shutil.which("node") is None:
        missing.append("node")
    return missing


@pytest.fixture(scope="module")
def browser_ready() -> None:
    missing = _missing()
    if not missing:
        return
    reason = "the console browser test needs " + ", ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; .ci/run should have installed it", pytrace=False)
    pytest.skip(reason)


def _wait_ready(up: subprocess.Popen[bytes], session_file: Path, timeout_s: float = 120) -> dict:
    """The session file ``crosssell up`` writes, once every service is ready."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert up.poll() is None, "crosssell up exited during start-up"
        if session_file.exists() and system.all_ready(OFFSET):
            with contextlib.suppress(ValueError):  # caught half-written
                session: dict = json.loads(session_file.read_text())
                return session
        time.sleep(0.1)
    raise AssertionError("services not ready in time")


def _node(env: dict[str, str], phase: str, notes: list[str], timeout_s: float = 300) -> str:
    started = time.monotonic()
    run = subprocess.run(
        ["node", str(SPEC)],
        cwd=ROOT,
        env={**env, "CONSOLE_PHASE": phase},
        capture_output=True,
        text=True,
        timeout=timeout_s,
        preexec_fn=early.die_with_parent,  # noqa: PLW1509
    )
    # Debian's chromium wrapper script complains about an unrelated test on stderr.
    output = run.stdout + "".join(
        line for line in run.stderr.splitlines(keepends=True) if "unexpected operator" not in line
    )
    notes.append(f"--- console.spec.mjs ({phase}, {time.monotonic() - started:.1f}s)\n{output}")
    assert run.returncode == 0, f"the browser test failed ({phase}):\n{output[-6000:]}"
    return output


def _console_in_a_browser(tmp_path: Path, notes: list[str]) -> None:
    """The whole test (nothing without Chromium or playwright-core: ``browser_ready``
    says why). May run ahead of the test's turn (``tests/support/early.py``), so what
    it has to say goes to ``notes``, printed by the test."""
    if _missing():
        return
    busy = system.taken_ports(OFFSET)
    assert not busy, f"ports {busy} are taken: stop whatever holds them first"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    env = system.up_env(drop=NOT_INHERITED)
    up, data_dir = system.start_up(tmp_path, OFFSET, env, "--test-clock")
    try:
        session = _wait_ready(up, data_dir / "session.json")
        demo = subprocess.run(
            [
                sys.executable,
                "-m",
                "crosssell.cli",
                "demo",
                "--session",
                str(data_dir / "session.json"),
                "--accounts",
                "60",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]

        secrets = json.loads((data_dir / "dev-secrets.json").read_text())
        node_env = {
            **env,
            "CONSOLE_URL": f"{session['urls']['play_orchestrator']}/console/",
            "API_KEY": session["api_key"],
            "SIGNAL_INGEST_URL": session["urls"]["signal_ingest"],
            "INGEST_SECRET": secrets["ingest_source_secrets"]["csm"],  # the spec signs as csm
            "ARTIFACTS_DIR": str(ARTIFACTS),
            "CHROMIUM_PATH": str(CHROMIUM),
        }
        output = _node(node_env, "views", notes)
        assert "0 failed" in output

        bulk = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.browser.bulk_plays",
                "--data-dir",
                str(data_dir),
                "--plays",
                str(BULK_PLAYS),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert bulk.returncode == 0, bulk.stdout + bulk.stderr
        notes.append(bulk.stdout)
        output = _node(
            {**node_env, "MIN_PLAYS": str(BULK_PLAYS), "LOAD_BUDGET_MS": "1000"}, "load", notes
        )
        assert "0 failed" in output
        for name in (
            "pipeline", "plays", "play", "reviews", "signals", "signals-new-event",
            "play-brief-refused", "play-won", "account", "reviews-resolve", "plays-filtered",
        ):  # fmt: skip
            assert (ARTIFACTS / f"{name}.png").exists(), f"no screenshot {name}.png"
    finally:
        up.send_signal(signal.SIGTERM)
        try:
            up.wait(90)
        except subprocess.TimeoutExpired:
            up.kill()
            up.wait()
            raise
    assert up.returncode == 0, (up.stdout.read().decode() if up.stdout else "")[-3000:]


@pytest.mark.timeout(900)
@early.work(_console_in_a_browser)
def test_console_in_a_browser(
    browser_ready: None, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    early.outcome(request, tmp_path)
