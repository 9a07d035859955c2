"""What a hostile network found (issue 23), kept fixed, at the HTTP edge of the
running services: security headers, slow and vanishing senders, auth before
parsing, non-finite numbers, one answer for a forged cursor."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import orjson
import pytest

from shared.signature import sign
from tests.security.conftest import System
from tests.security.support import (
    ORG_ID,
    WEBHOOK_SECRET,
    Keys,
    Service,
    count,
    event_headers,
)

STATIC = Path(__file__).resolve().parents[2] / "services/play_orchestrator/console/static"
PAST_THE_ENDS = (  # ["9999-12-31T23:59:59-01:00", "x"], ["0001-01-01T00:00:00+01:00", "x"]
    "WyI5OTk5LTEyLTMxVDIzOjU5OjU5LTAxOjAwIiwgIngiXQ",
    "WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzAxOjAwIiwgIngiXQ",
)
COMMON = {"x-content-type-options": "nosniff", "x-frame-options": "DENY"}


def _check(suite: str, ok: bool, note: str) -> None:
    count(suite, ok, note)
    assert ok, note


def _headers_ok(answer: httpx.Response) -> bool:
    csp = answer.headers.get("content-security-policy", "")
    return (
        all(answer.headers.get(k) == v for k, v in COMMON.items())
        and answer.headers.get("referrer-policy") == "no-referrer"
        and "frame-ancestors 'none'" in csp
    )


async def test_security_headers_on_every_service(system: System) -> None:
    suite = "security headers"
    for service in system.services:
        async with httpx.AsyncClient(base_url=service.base_url, timeout=20) as http:
            answers = [
                await http.get("/readyz"),
                await http.get("/v1/no-such-route"),
                await http.get("/v1/signals"),  # 401 (or 404): an error answer too
                await http.post("/v1/events", content=b"x" * (2 * 1024 * 1024)),  # 413
                await http.get("/healthz?x=%00"),  # the guards' 422
            ]
        for answer in answers:
            csp = answer.headers.get("content-security-policy", "")
            _check(
                suite,
                _headers_ok(answer) and "default-src 'none'" in csp,
                f"{service.name} {answer.request.url.path} {answer.status_code}: "
                f"{dict(answer.headers)}",
            )


async def test_console_policy_allows_only_its_own_files(system: System) -> None:
    suite = "security headers"
    async with httpx.AsyncClient(base_url=system.plays.base_url, timeout=20) as http:
        page = await http.get("/console/")
        script = await http.get("/console/js/app.js")
    for answer in (page, script):
        csp = answer.headers.get("content-security-policy", "")
        directives = dict(
            (d.split(" ", 1) + [""])[:2] for d in (p.strip() for p in csp.split(";")) if d
        )
        settings = system.plays.settings
        others = {
            f"{urlsplit(u).scheme}://{urlsplit(u).netloc}"
            for u in (settings.console_signal_ingest_url, settings.console_crm_sync_url)
        }
        ok = (
            answer.status_code == 200
            and _headers_ok(answer)
            and directives.get("script-src") == "'self'"
            and directives.get("style-src") == "'self'"
            and directives.get("default-src") == "'none'"
            and "unsafe" not in csp
            and all(o in directives.get("connect-src", "") for o in others)
        )
        _check(suite, ok, f"{answer.request.url.path}: {csp}")


def test_console_has_no_inline_script_handler_or_style() -> None:
    """What the strict policy would block (and so the console would break on)."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"""<[^>]*\son[a-z]+\s*=""", re.IGNORECASE)
    style_attr = re.compile(r"""<[^>]*\sstyle\s*=""", re.IGNORECASE)
    style_tag = re.compile(r"<style[\s>]", re.IGNORECASE)
    found = []
    for path in sorted(STATIC.rglob("*")):
        if path.suffix not in (".html", ".js"):
            continue
        text = path.read_text()
        for name, pattern in (
            ("inline script", inline_script),
            ("event handler attribute", handler),
            ("style attribute", style_attr),
            ("style element", style_tag),
        ):
            found += [f"{path.name}: {name}: {m.group()[:60]}" for m in pattern.finditer(text)]
        if path.suffix == ".js":
            found += [f"{path.name}: eval" for _ in re.finditer(r"\beval\(|new Function\(", text)]
    _check("security headers", not found, "; ".join(found))


# ---- slow senders and hang-ups ----------------------------------------------------


@pytest.fixture
async def short_body_limits(system: System) -> AsyncIterator[Service]:
    """signal_ingest with a 1 s idle / 3 s total body deadline while the test runs
    (read per request from the running service's settings)."""
    settings = system.ingest.settings
    saved = settings.body_idle_timeout_s, settings.body_total_timeout_s
    settings.body_idle_timeout_s, settings.body_total_timeout_s = 1.0, 3.0
    try:
        yield system.ingest
    finally:
        settings.body_idle_timeout_s, settings.body_total_timeout_s = saved


async def _raw(service: Service, head: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    parts = urlsplit(service.base_url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(head)
    await writer.drain()
    return reader, writer


def _head(path: str, length: int) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


async def test_a_body_sent_a_byte_at_a_time_gets_408(short_body_limits: Service) -> None:
    async def trickle(writer: asyncio.StreamWriter) -> None:
        try:  # a byte each 0.2 s: never idle for 1 s, never done in 3 s
            for _ in range(50):
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.2)
        except ConnectionError:
            pass

    # The ingest routes read the body; a route that answers without reading it
    # (405 here) must close the connection rather than read on at the sender's pace.
    expect = {
        "/v1/events": (b" 408 ", b"not received in time"),
        "/v1/ingest/churnzero": (b" 408 ", b"not received in time"),
        "/v1/ingest/gainsight": (b" 408 ", b"not received in time"),
        "/v1/signals": (b" 405 ", b"connection: close"),
    }
    for path, (code, says) in expect.items():
        reader, writer = await _raw(short_body_limits, _head(path, 1000))
        started = time.monotonic()
        sender = asyncio.create_task(trickle(writer))
        try:
            status = await asyncio.wait_for(reader.readline(), timeout=10)
            rest = await asyncio.wait_for(reader.read(), timeout=10)  # then it closes
        except (ConnectionError, TimeoutError) as exc:
            status, rest = b"", repr(exc).encode()
        finally:
            sender.cancel()
            writer.close()
        took = time.monotonic() - started
        _check(
            "slow senders",
            code in status and took < 8 and says in rest,
            f"{path}: {status!r} after {took:.1f}s: {rest[-200:]!r}",
        )


async def test_a_body_that_stops_coming_gets_408(short_body_limits: Service) -> None:
    reader, writer = await _raw(short_body_limits, _head("/v1/events", 100) + b'{"ev')
    started = time.monotonic()
    try:
        status = await asyncio.wait_for(reader.readline(), timeout=10)
    finally:
        writer.close()
    took = time.monotonic() - started
    _check("slow senders", b" 408 " in status and took < 5, f"{status!r} after {took:.1f}s")


async def test_a_client_that_hangs_up_mid_body_is_no_error(system: System) -> None:
    """The traceback check at the end of the package (conftest) is what fails if a
    hang-up logs one; here: many hang-ups, and the service still answers."""
    for service, path in (
        (system.ingest, "/v1/events"),
        (system.ingest, "/v1/ingest/gainsight"),
        (system.crm, "/v1/salesforce/webhook"),
        (system.crm, "/v1/salesforce/outbound-message"),
        (system.plays, f"/v1/plays/{system.play_id}/meeting"),
    ):
        for _ in range(5):
            _, writer = await _raw(service, _head(path, 5000) + b"x" * 100)
            writer.close()
            await writer.wait_closed()
        await asyncio.sleep(0.3)
        async with httpx.AsyncClient(base_url=service.base_url, timeout=10) as http:
            ready = await http.get("/readyz")
        _check("slow senders", ready.status_code == 200, f"{service.name} after hang-ups")


# ---- auth before parsing, finite numbers, one cursor answer -----------------------


async def test_auth_comes_before_parsing_on_every_signed_endpoint(system: System) -> None:
    junk = b"{not json at all"
    cases = [
        (system.ingest, "/v1/events", {"X-Crosssell-Source": "product"}),
        (system.ingest, "/v1/ingest/churnzero", {}),
        (system.ingest, "/v1/ingest/churnzero", {"X-Crosssell-Signature": "t=1,v1=" + "0" * 64}),
        (system.ingest, "/v1/ingest/gainsight", {}),
        (system.crm, "/v1/salesforce/webhook", {}),
    ]
    async with httpx.AsyncClient(timeout=20) as http:
        for service, path, headers in cases:
            for body in (junk, b"[]", b'[{"action": "trackEvent", "appKey": 7}]'):
                answer = await http.post(service.url(path), content=body, headers=headers)
                _check(
                    "auth before parsing",
                    answer.status_code == 401,
                    f"{path} {headers} {body[:20]!r}: {answer.status_code}",
                )
        signed = event_headers(junk, "churnzero")
        answer = await http.post(
            system.ingest.url("/v1/ingest/churnzero"), content=junk, headers=signed
        )
        _check(
            "auth before parsing", answer.status_code == 400, f"signed junk: {answer.status_code}"
        )


async def test_the_webhook_refuses_non_finite_numbers(system: System) -> None:
    before = await system.crm.scalar("SELECT count(*) FROM sf_notifications")
    async with httpx.AsyncClient(base_url=system.crm.base_url, timeout=20) as http:
        for literal in (b"NaN", b"Infinity", b"-Infinity", b"1e999"):
            body = (
                b'[{"notification_id": "nan-'
                + literal
                + b'", "organization_id": "'
                + ORG_ID.encode()
                + b'", "sobject": "Opportunity", "record": '
                b'{"Id": "006000000000001AAA", "Amount": ' + literal + b"}, "
                b'"changed_at": "2026-11-02T14:00:00Z"}]'
            )
            headers = {
                "X-Crosssell-Signature": sign(WEBHOOK_SECRET.encode(), body, int(time.time()))
            }
            answer = await http.post("/v1/salesforce/webhook", content=body, headers=headers)
            _check(
                "non-finite numbers",
                answer.status_code == 400 and "record.Amount" in answer.text,
                f"{literal!r}: {answer.status_code} {answer.text[:200]}",
            )
    after = await system.crm.scalar("SELECT count(*) FROM sf_notifications")
    _check("non-finite numbers", after == before, "nothing recorded")


async def test_a_forged_cursor_gets_one_answer_everywhere(system: System) -> None:
    headers = Keys.bearer(system.keys.admin)
    lists = [
        (system.ingest, "/v1/signals"),
        (system.plays, "/v1/plays"),
        (system.plays, "/v1/reviews"),
    ]
    answers = []
    async with httpx.AsyncClient(timeout=20, headers=headers) as http:
        for service, path in lists:
            # garbage, an empty list, a wrong key type, SQL, and dates past either end
            for cursor in ("nonsense", "W10", "WyIyMDI2IiwgMV0", "' OR 1=1 --", *PAST_THE_ENDS):
                answer = await http.get(service.url(path), params={"cursor": cursor})
                answers.append((path, cursor, answer.status_code, answer.json()))
    first = answers[0][2:]
    for path, cursor, status, body in answers:
        _check(
            "forged cursor",
            (status, body) == first and status == 422,
            f"{path}?cursor={cursor}: {status} {orjson.dumps(body)[:200]!r} vs {first}",
        )
