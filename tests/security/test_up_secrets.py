"""``crosssell up`` as a hostile network meets it (issues 23 and 19), on offset 1400.

Started on a data dir whose ``dev-secrets.json`` already holds secrets that
begin with ``-`` (about 1 start in 64 failed when a generated one did and went
to the emulator as an argument): it must start, and then:

- no child's command line holds a secret (they travel by environment);
- a per-source ingest secret signs only as its own source;
- the emulator's admin API needs the token ``crosssell up`` generated, and its
  health check names the org only to the token's holder;
- the emulator's Outbound Message URL carries the token (``?token=``), and
  crm_sync refuses an Outbound Message without it;
- a slow sender gets 408, slow headers a closed connection, a hang-up is one
  info line, an out-of-range date is
  a per-event rejection; the console sends its CSP;
- ``crosssell demo`` works with what ``crosssell up`` wrote;
- after all that, no service log holds a traceback.
"""

from __future__ import annotations

import json
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson
import psutil
import pytest

from crosssell import dev_secrets
from services.crm_sync.domain import Notification, build_outbound_message
from shared.signature import sign
from tests.security.log_check import tracebacks
from tests.security.support import count
from tests.support import system

OFFSET = 1400
SUITE = "crosssell up: secrets and edges"
INGEST, PLAYS, CRM = (f"http://127.0.0.1:{p + OFFSET}" for p in (8001, 8002, 8003))
EMULATOR = f"https://127.0.0.1:{8443 + OFFSET}"
ORG_ID = "00D000000000001AAA"  # the emulator's default, which crm_sync is configured with


def _check(ok: bool, note: str) -> None:
    count(SUITE, ok, note)
    assert ok, note


def _dashed() -> str:
    return "-" + secrets.token_urlsafe(20)


def _event(event_id: str, source: str, occurred_at: str | None = None) -> dict[str, object]:
    return {
        "id": event_id,
        "type": "usage.workaround",
        "source": source,
        "account_id": "001UPSEC000001",
        "occurred_at": occurred_at or (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "data": {"product": "workflow_platform", "kind": "third_party_tool", "detail": "x"},
    }


def _post(header_source: str, secret: str, events: list[dict[str, object]]) -> httpx.Response:
    body = orjson.dumps({"events": events})
    headers = {
        "Content-Type": "application/json",
        "X-Crosssell-Source": header_source,
        "X-Crosssell-Signature": sign(secret.encode(), body, int(time.time())),
    }
    return httpx.post(f"{INGEST}/v1/events", content=body, headers=headers, timeout=20)


def _slow_sender() -> tuple[bytes, float]:
    """A body a byte at a time (the system runs with a 3 s body deadline)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", 8001 + OFFSET), timeout=15) as sock:
        sock.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n")
        sock.settimeout(0.25)
        answer = b""
        try:
            while time.monotonic() - started < 15 and not answer:
                sock.sendall(b" ")
                try:
                    answer = sock.recv(200)
                except TimeoutError:
                    pass
        except OSError as exc:
            answer = answer or repr(exc).encode()
    return answer, time.monotonic() - started


def _slow_headers() -> tuple[bool, float]:
    """Request headers a byte at a time (slowloris; the system cuts them at 2 s)."""
    started = time.monotonic()
    head = b"GET /readyz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
    with socket.create_connection(("127.0.0.1", 8001 + OFFSET), timeout=15) as sock:
        sock.settimeout(0.25)
        try:
            for byte in head:
                sock.sendall(bytes([byte]))
                try:
                    if sock.recv(100) == b"":
                        return True, time.monotonic() - started  # closed by the server
                except TimeoutError:
                    pass
        except OSError:
            return True, time.monotonic() - started
    return False, time.monotonic() - started


def _hang_up() -> None:
    with socket.create_connection(("127.0.0.1", 8001 + OFFSET), timeout=5) as sock:
        sock.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{")


@pytest.mark.timeout(900)
def test_up_secrets_and_edges(tmp_path: Path) -> None:
    busy = system.taken_ports(OFFSET)
    if busy:
        pytest.fail(f"ports {busy} are taken: stop whatever holds them first")
    data_dir = tmp_path / ".crosssell"
    data_dir.mkdir()
    seeded = {
        "ingest_source_secrets": {"product": _dashed()},
        "sf_client_secret": _dashed(),
        "sf_outbound_token": _dashed(),
        "sf_emulator_admin_token": _dashed(),
    }
    (data_dir / "dev-secrets.json").write_text(json.dumps(seeded))
    drop = ("INGEST_HMAC_SECRET", "INGEST_SOURCE_SECRETS", "SF_CLIENT_SECRET")
    env = system.up_env(drop=(*drop, "SF_OUTBOUND_TOKEN", "SF_WEBHOOK_SECRET"))
    env |= {"CROSSSELL_BODY_IDLE_S": "2", "CROSSSELL_BODY_TOTAL_S": "3"}
    env["CROSSSELL_HEADER_TIMEOUT_S"] = "2"
    env["CROSSSELL_LOG_LEVEL"] = "INFO"
    up, data_dir = system.start_up(tmp_path, OFFSET, env)
    try:
        try:
            system.wait_ready(up, OFFSET, timeout_s=240)
        except AssertionError:
            output = up.stdout.read().decode(errors="replace") if up.poll() is not None else ""
            logs = "".join(p.read_text()[-1500:] for p in (data_dir / "logs").glob("*.log"))
            raise AssertionError(f"crosssell up did not start:\n{output[-3000:]}\n{logs}") from None
        while not (data_dir / "session.json").exists():
            assert up.poll() is None
            time.sleep(0.1)
        dev = dev_secrets.load(data_dir)
        _check(dev.ingest["product"] == seeded["ingest_source_secrets"]["product"], "kept")
        _check(sorted(dev.ingest) == sorted(dev_secrets.SOURCES), f"sources: {sorted(dev.ingest)}")
        _check(len(set(dev.ingest.values())) == len(dev.ingest), "one secret per source")

        # -- no secret on any command line
        children = psutil.Process(up.pid).children(recursive=True)
        lines = [" ".join(c.cmdline()) for c in children if c.is_running()]
        leaked = [name for name, v in dev.all_values().items() if any(v in ln for ln in lines)]
        _check(len(lines) >= 4 and not leaked, f"secrets on a command line: {leaked}")

        # -- a secret signs only as its own source
        product, sfdc = dev.ingest_secret("product"), dev.ingest_secret("salesforce")
        own = _post("product", product, [_event("up-own-1", "product")])
        _check(own.status_code == 202, f"own source: {own.status_code} {own.text[:200]}")
        other = _post("salesforce", product, [_event("up-other-1", "salesforce")])
        _check(other.status_code == 401, f"product's secret as salesforce: {other.status_code}")
        right = _post("salesforce", sfdc, [_event("up-other-1", "salesforce")])
        _check(right.status_code == 202, f"salesforce's own secret: {right.status_code}")
        dated = _post(
            "product",
            product,
            [
                _event("up-date-1", "product"),
                _event("up-date-2", "product", "9999-12-31T23:59:59-01:00"),
            ],
        )
        result = dated.json()
        _check(
            dated.status_code == 202
            and result["accepted"] == 1
            and [r["index"] for r in result["rejected"]] == [1]
            and "occurred_at" in result["rejected"][0]["error"],
            f"out-of-range date in a batch: {dated.status_code} {dated.text[:300]}",
        )

        # -- the emulator's admin API and its Outbound Message URL
        ca = ssl.create_default_context(cafile=str(data_dir / "sf" / "ca.pem"))
        admin = dev.emulator_headers()
        with httpx.Client(base_url=EMULATOR, verify=ca, timeout=20, trust_env=False) as sf:
            _check(sf.get("/admin/usage").status_code == 401, "emulator admin without token")
            _check(sf.delete("/admin/records").status_code == 401, "wipe without token")
            _check(sf.get("/admin/usage", headers=admin).status_code == 200, "with token")
            _check("org_id" not in sf.get("/admin/health").json(), "health names no org")
            rules = sf.get("/admin/outbound/rules", headers=admin).json()
            url = rules[0]["endpoint_url"] if rules else ""
            _check(
                url.endswith(f"?token={quote(dev.sf_outbound_token, safe='')}"),
                f"outbound URL carries the token: {url.split('?')[0]}",
            )
        message = build_outbound_message(
            organization_id=ORG_ID,
            action_id="04k000000000001AAA",
            notifications=[Notification("04l000000000777AAA", "Opportunity", {"Id": "006X"})],
        )
        forged = httpx.post(f"{CRM}/v1/salesforce/outbound-message", content=message, timeout=20)
        _check(forged.status_code == 403 and b"Ack" not in forged.content, "OM without token")

        # -- slow sender, hang-up, console policy
        answer, took = _slow_sender()
        _check(b" 408 " in answer and took < 10, f"slow sender: {answer[:60]!r} after {took:.1f}s")
        closed, took = _slow_headers()
        _check(closed and took < 10, f"slow headers: closed={closed} after {took:.1f}s")
        for _ in range(3):
            _hang_up()
        csp = httpx.get(f"{PLAYS}/console/", timeout=20).headers.get("content-security-policy", "")
        _check(INGEST in csp and CRM in csp and "script-src 'self'" in csp, f"console CSP: {csp}")

        # -- the demo reads what crosssell up wrote (per-source secrets, admin token)
        demo = subprocess.run(
            [sys.executable, "-m", "crosssell.cli", "demo", "--accounts", "8"]
            + ["--session", str(data_dir / "session.json")],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=400,
        )
        _check(demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:])
        with httpx.Client(base_url=EMULATOR, verify=ca, timeout=20, trust_env=False) as sf:
            log = sf.get("/admin/outbound/log", headers=admin).json()
        acked = [entry for entry in log if entry.get("acked")]
        _check(bool(acked), f"the emulator's Outbound Messages with the token acked: {log[-3:]}")
    finally:
        up.send_signal(signal.SIGTERM)
        try:
            up.wait(120)
        except subprocess.TimeoutExpired:
            up.kill()
            raise
    printed = up.stdout.read().decode(errors="replace") if up.stdout else ""
    _check(str(data_dir / "dev-secrets.json") in printed, "the banner says where the secrets are")
    logs = data_dir / "logs"
    ingest_log = (logs / "signal_ingest.log").read_text(errors="replace")
    disconnects = ingest_log.count("client_disconnected")
    _check(disconnects == 3, f"one info line per hang-up: {disconnects}")
    _check("request_headers_timeout" in ingest_log, "the slow headers were one info line")
    _check(not tracebacks(logs), f"tracebacks in {[p.name for p in tracebacks(logs)]}")
