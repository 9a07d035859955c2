"""A full run leaves no secret in the logs (SPEC section 8: "never logged").

``crosssell up --port-offset 400`` in a temporary directory, ``crosssell demo
--accounts 30``, then failing authentication attempts that carry the real secrets
in the places a careless log line would pick them up (a wrong bearer key that
contains the real one, the secret as a signature, as a vendor token, as a query
parameter, a wrong client secret at the Salesforce token endpoint); then SIGTERM,
and every file under ``<data-dir>/logs/`` is scanned for the API key, every secret
in ``dev-secrets.json`` (the seven per-source ingest secrets, the Outbound
Message token, the Salesforce client and webhook secrets, the emulator's admin
token) and any ``Bearer <token>`` value, and the service logs for a Python
traceback. In a full run the run and the scan happen beside the
integration suite, ahead of the test's turn (``tests/support/early.py``)."""

from __future__ import annotations

import json
import re
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from crosssell import dev_secrets
from tests.security.log_check import tracebacks
from tests.security.support import count
from tests.support import early, system

OFFSET = 400
BEARER = re.compile(rb"Bearer\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
API_KEY = re.compile(rb"csk_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}")


def _attempts(session: dict[str, str], secrets: dict[str, str]) -> int:
    """Failing authentication attempts that carry the real secrets; returns how many."""
    key = session["api_key"]
    urls = session["urls"]
    ingest, plays, crm = urls["signal_ingest"], urls["play_orchestrator"], urls["crm_sync"]
    hmac_secret = secrets["ingest_source_secrets"]["product"]
    webhook_secret = secrets["sf_webhook_secret"]
    outbound_token = secrets["sf_outbound_token"]
    now = int(time.time())
    body = b'{"events": []}'
    tries: list[tuple[str, str, dict[str, str], bytes | None]] = [
        ("GET", f"{plays}/v1/plays", {"Authorization": f"Bearer {key}x"}, None),
        ("GET", f"{plays}/v1/plays?api_key={key}", {}, None),
        ("GET", f"{ingest}/v1/signals", {"Authorization": f"Basic {key}"}, None),
        ("GET", f"{crm}/v1/sync/status", {"Authorization": f"Bearer {hmac_secret}"}, None),
        (
            "POST",
            f"{ingest}/v1/events",
            {"X-Crosssell-Source": "product", "X-Crosssell-Signature": f"t={now},v1={hmac_secret}"},
            body,
        ),
        (
            "POST",
            f"{ingest}/v1/events",
            {"X-Crosssell-Source": hmac_secret, "X-Crosssell-Signature": hmac_secret},
            body,
        ),
        ("POST", f"{ingest}/v1/ingest/gainsight", {"sharedSecret": hmac_secret + "x"}, body),
        (
            "POST",
            f"{ingest}/v1/ingest/churnzero",
            {},
            json.dumps([{"action": "trackEvent", "appKey": hmac_secret}]).encode(),
        ),
        (
            "POST",
            f"{crm}/v1/salesforce/webhook",
            {"X-Crosssell-Signature": f"t={now},v1={webhook_secret}"},
            b"[]",
        ),
        (
            "POST",
            f"{crm}/v1/salesforce/outbound-message?token={webhook_secret}",
            {},
            b"<not-xml",
        ),
        (  # the right token, a forged body: refused after the token check
            "POST",
            f"{crm}/v1/salesforce/outbound-message?token={outbound_token}",
            {},
            b"<not-xml",
        ),
    ]
    with httpx.Client(timeout=10) as http:
        for method, url, headers, content in tries:
            response = http.request(method, url, headers=headers, content=content)
            assert response.status_code in (400, 401, 403, 422), (url, response.status_code)
        if session.get("sf_emulator"):
            ca = ssl.create_default_context(cafile=session["sf_ca_path"])
            token_url = f"{session['sf_emulator']}/services/oauth2/token"
            for client_secret in (secrets["sf_client_secret"] + "x", key):
                response = httpx.post(
                    token_url,
                    data={
                        "grant_type": "client_credentials",
                        "client_id": "crosssell-up",
                        "client_secret": client_secret,
                    },
                    verify=ca,
                    timeout=10,
                )
                assert response.status_code in (400, 401), response.text
                tries.append(("POST", token_url, {}, None))
    return len(tries)


def _scan(logs: Path, needles: dict[str, bytes]) -> tuple[int, int, list[str]]:
    files = sorted(p for p in logs.rglob("*") if p.is_file())
    size, leaks = 0, []
    for path in files:
        data = path.read_bytes()
        size += len(data)
        for name, needle in needles.items():
            if needle and needle in data:
                leaks.append(f"{name} in {path.name}")
        for pattern, name in ((BEARER, "Bearer token"), (API_KEY, "API key shape")):
            for match in pattern.finditer(data):
                leaks.append(f"{name} in {path.name}: {match.group()[:24]!r}...")
    return len(files), size, leaks


def _full_run(tmp_path: Path, notes: list[str]) -> tuple[int, int, list[str], list[str], int]:
    """The run and the scan: (log files, bytes, leaks, secrets looked for, attempts).
    May run ahead of the test's turn (``tests/support/early.py``): prints nothing."""
    busy = system.taken_ports(OFFSET)
    if busy:
        pytest.fail(f"ports {busy} are taken: stop whatever holds them first")
    env = system.up_env(drop=("INGEST_HMAC_SECRET", "INGEST_SOURCE_SECRETS"))
    env["CROSSSELL_LOG_LEVEL"] = "DEBUG"  # the most a log could say
    cli = [sys.executable, "-m", "crosssell.cli"]
    up, data_dir = system.start_up(tmp_path, OFFSET, env)
    try:
        system.wait_ready(up, OFFSET, timeout_s=150)
        deadline = time.monotonic() + 30
        while not (data_dir / "session.json").exists():
            assert time.monotonic() < deadline and up.poll() is None
            time.sleep(0.1)
        session = json.loads((data_dir / "session.json").read_text())
        secrets = json.loads((data_dir / "dev-secrets.json").read_text())
        demo = subprocess.run(  # it reads the per-source secrets beside the session file
            [*cli, "demo", "--session", str(data_dir / "session.json"), "--accounts", "30"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=400,
        )
        assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
        attempts = _attempts(session, secrets)
    finally:
        up.send_signal(signal.SIGTERM)
        try:
            up.wait(90)
        except subprocess.TimeoutExpired:
            up.kill()
            raise
    supervisor_output = up.stdout.read() if up.stdout else b""
    (data_dir / "logs" / "supervisor-stdout.log").write_bytes(supervisor_output)
    needles = {
        "API key": session["api_key"].encode(),
        **{name: value.encode() for name, value in dev_secrets.load(data_dir).all_values().items()},
    }
    # The supervisor prints the new key once on its own terminal, by design; every
    # other output (the service, broker and emulator logs) must not hold it.
    logs = data_dir / "logs"
    files, size, leaks = _scan(logs, needles)
    leaks += [f"Traceback in {p.name}" for p in tracebacks(logs)]
    printed_key = [leak for leak in leaks if leak.startswith(("API key", "API key shape"))]
    leaks = [
        leak for leak in leaks if not (leak in printed_key and "supervisor-stdout.log" in leak)
    ]
    return files, size, leaks, list(needles), attempts


@pytest.mark.timeout(600)
@early.work(_full_run)
def test_a_full_run_logs_no_secret(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    files, size, leaks, needles, attempts = early.outcome(request, tmp_path)
    print(
        f"\nsecret scan: {files} log files, {size / 1024:.0f} KiB, {len(needles)} secrets "
        f"+ bearer/key patterns, {attempts} hostile auth attempts; leaks: {leaks or 'none'}"
    )
    for name in needles:
        count("secret scan (secrets x log files)", not any(leak.startswith(name) for leak in leaks))
    count("secret scan (secrets x log files)", not any("Bearer" in leak for leak in leaks))
    count("service logs without a traceback", not any("Traceback" in leak for leak in leaks))
    assert files >= 5 and size > 0
    assert not leaks, leaks
