"""Signed endpoints refuse forged, missing, malformed and replayed signatures (401),
and every body-taking endpoint refuses a body over its limit (413), whether the size
is declared or the body is streamed (chunked)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest

from shared.signature import sign
from tests.security.conftest import System
from tests.security.routes import api_routes
from tests.security.support import (
    CHURNZERO_TOKEN,
    GAINSIGHT_SECRET,
    INGEST_SECRET,
    MAX_BODY,
    ORG_ID,
    OUTBOUND_TOKEN,
    WEBHOOK_SECRET,
    Keys,
    canonical,
    count,
)

SUITE_SIG = "signatures (forged/missing/replayed -> 401)"
SUITE_SIZE = "bodies over the limit -> 413"


def _event_body() -> bytes:
    data = {"product": "workflow_platform", "metric": "api_calls", "value": 1, "limit": 100}
    event = canonical(f"sig-{uuid.uuid4().hex}", "001SIG", "usage.metric", data, "product")
    return orjson.dumps({"events": [event]})


def _gainsight_body() -> bytes:
    return orjson.dumps(
        {
            "sfdcAccountId": "001SIG",
            "eventName": "Usage Snapshot",
            "eventDate": "2026-11-02T14:00:00Z",
            "eventId": uuid.uuid4().hex,
            "attributes": {"product": "workflow_platform", "metric": "api_calls", "value": 3},
        }
    )


def _churnzero_body(app_key: str | None = None) -> bytes:
    action: dict[str, Any] = {
        "action": "trackEvent",
        "accountExternalId": "001SIG",
        "eventName": "Seats Used",
        "eventDate": "2026-11-02T14:00:00Z",
        "quantity": 3,
        "cf_limit": "100",
    }
    if app_key is not None:
        action["appKey"] = app_key
    return orjson.dumps([action])


def _webhook_body() -> bytes:
    return orjson.dumps(
        [
            {
                "notification_id": f"sig-{uuid.uuid4().hex}",
                "organization_id": ORG_ID,
                "sobject": "Opportunity",
                "record": {"Id": "006000000000SIGAAA", "StageName": "Prospecting"},
                "changed_at": "2026-11-03T10:00:00Z",
            }
        ]
    )


def _bad_signatures(secret: str, body: bytes) -> dict[str, str | None]:
    now = int(time.time())
    good = sign(secret.encode(), body, now)
    digest = good.split("v1=")[1]
    return {
        "missing": None,
        "empty": "",
        "forged (other secret)": sign(b"not-the-secret", body, now),
        "forged (random hex)": f"t={now},v1={uuid.uuid4().hex * 2}",
        "body tampered": sign(secret.encode(), body + b" ", now),
        "replayed 301 s old": sign(secret.encode(), body, now - 301),
        "replayed 1 h old": sign(secret.encode(), body, now - 3600),
        "from the future (+310 s)": sign(secret.encode(), body, now + 310),
        "timestamp swapped": f"t={now - 1},v1={digest}",
        "no timestamp": f"v1={digest}",
        "no v1": f"t={now}",
        "v0 scheme": f"t={now},v0={digest}",
        "non-hex v1": f"t={now},v1={'z' * 64}",
        "short v1": f"t={now},v1={digest[:32]}",
        "negative t": f"t=-{now},v1={digest}",
        "float t": f"t={now}.0,v1={digest}",
        "huge t": f"t={'9' * 40},v1={digest}",
        "two t": f"t={now},t={now},v1={digest}",
        "garbage": "' OR 1=1 --",
        "very long": f"t={now}," + ",".join(f"v1={digest}0" for _ in range(300))[:8000],
        "unicode": f"t={now},v1=ü{digest[1:]}",
        "bare secret": secret,
    }


@pytest.mark.parametrize(
    "name", ["/v1/events", "/v1/ingest/gainsight", "/v1/ingest/churnzero", "/v1/salesforce/webhook"]
)
async def test_bad_signatures_are_refused(system: System, name: str) -> None:
    cases: dict[str, tuple[Callable[[], bytes], str, str, dict[str, str]]] = {
        "/v1/events": (
            _event_body,
            INGEST_SECRET,
            system.ingest.base_url,
            {"X-Crosssell-Source": "product"},
        ),
        "/v1/ingest/gainsight": (_gainsight_body, INGEST_SECRET, system.ingest.base_url, {}),
        "/v1/ingest/churnzero": (_churnzero_body, INGEST_SECRET, system.ingest.base_url, {}),
        "/v1/salesforce/webhook": (_webhook_body, WEBHOOK_SECRET, system.crm.base_url, {}),
    }
    make_body, secret, base, extra = cases[name]
    problems = []
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        body = make_body()
        for what, signature in _bad_signatures(secret, body).items():
            headers: dict[str, Any] = {**extra, "Content-Type": "application/json"}
            if signature is not None:
                headers["X-Crosssell-Signature"] = signature.encode()  # may be non-ASCII
            response = await http.post(name, content=body, headers=headers)
            ok = response.status_code == 401
            count(SUITE_SIG, ok, f"{name} {what}: {response.status_code}")
            if not ok:
                problems.append(f"{name} {what}: {response.status_code} {response.text[:200]}")
        # The same body, signed now with the right secret, is accepted.
        body = make_body()
        headers = {**extra, "X-Crosssell-Signature": sign(secret.encode(), body, int(time.time()))}
        accepted = await http.post(name, content=body, headers=headers)
        assert accepted.status_code in (200, 202), accepted.text
    assert not problems, "\n".join(problems)


async def test_vendor_tokens_and_source_header_are_checked(system: System) -> None:
    body = _event_body()
    good = sign(INGEST_SECRET.encode(), body, int(time.time()))
    async with httpx.AsyncClient(base_url=system.ingest.base_url, timeout=10) as http:
        for what, path, content, headers in (
            ("events without source", "/v1/events", body, {"X-Crosssell-Signature": good}),
            (
                "events with unknown source",
                "/v1/events",
                body,
                {"X-Crosssell-Signature": good, "X-Crosssell-Source": "' OR 1=1 --"},
            ),
            ("gainsight no secret", "/v1/ingest/gainsight", _gainsight_body(), {}),
            (
                "gainsight wrong secret",
                "/v1/ingest/gainsight",
                _gainsight_body(),
                {"sharedSecret": GAINSIGHT_SECRET + "x"},
            ),
            (
                "gainsight secret prefix",
                "/v1/ingest/gainsight",
                _gainsight_body(),
                {"sharedSecret": GAINSIGHT_SECRET[:-1]},
            ),
            ("churnzero no appKey", "/v1/ingest/churnzero", _churnzero_body(), {}),
            (
                "churnzero wrong appKey",
                "/v1/ingest/churnzero",
                _churnzero_body(CHURNZERO_TOKEN + "x"),
                {},
            ),
            (
                "churnzero appKey is the HMAC secret",
                "/v1/ingest/churnzero",
                _churnzero_body(INGEST_SECRET),
                {},
            ),
        ):
            response = await http.post(path, content=content, headers=headers)
            ok = response.status_code == 401
            count(SUITE_SIG, ok, f"{what}: {response.status_code}")
            assert ok, (what, response.status_code, response.text)
        right = await http.post(
            "/v1/ingest/gainsight",
            content=_gainsight_body(),
            headers={"sharedSecret": GAINSIGHT_SECRET},
        )
        assert right.status_code == 202, right.text
        right = await http.post("/v1/ingest/churnzero", content=_churnzero_body(CHURNZERO_TOKEN))
        assert right.status_code == 202, right.text


async def _stream(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _oversized(limit: int) -> bytes:
    padding = b" " * (limit + 1)
    return b'{"events": []' + padding + b"}"


async def test_bodies_over_the_limit_get_413_everywhere(system: System) -> None:
    """Every route that takes a body, found from the apps themselves, plus the raw
    ingest and Salesforce endpoints; signed or keyed so only the size is wrong."""
    targets: list[tuple[str, str, str, dict[str, str]]] = []
    for service in system.services:
        for route in api_routes(service.app):
            if route.has_body:
                targets.append((route.method, service.url(route.concrete("sec-x")), "json", {}))
    outbound = f"/v1/salesforce/outbound-message?token={OUTBOUND_TOKEN}"
    for path, base in (
        ("/v1/events", system.ingest),
        ("/v1/ingest/churnzero", system.ingest),
        ("/v1/ingest/gainsight", system.ingest),
        ("/v1/salesforce/webhook", system.crm),
        (outbound, system.crm),
    ):
        targets.append(("POST", base.url(path), "signed", {"X-Crosssell-Source": "product"}))
    assert len(targets) >= 10
    body = _oversized(MAX_BODY)
    problems = []
    async with httpx.AsyncClient(timeout=30, headers=Keys.bearer(system.keys.admin)) as http:
        for method, url, kind, extra in targets:
            secret = WEBHOOK_SECRET if "webhook" in url else INGEST_SECRET
            headers = {**extra, "Content-Type": "application/json"}
            if kind == "signed":
                headers["X-Crosssell-Signature"] = sign(secret.encode(), body, int(time.time()))
            for streamed in (False, True):
                content: Any = _stream(body) if streamed else body
                started = time.perf_counter()
                response = await http.request(method, url, content=content, headers=headers)
                elapsed = time.perf_counter() - started
                what = f"{method} {url.split('?')[0]} ({'chunked' if streamed else 'declared'})"
                ok = response.status_code == 413 and elapsed < 2.0
                count(SUITE_SIZE, ok, f"{what}: {response.status_code} in {elapsed:.2f}s")
                if not ok:
                    problems.append(f"{what}: {response.status_code} {response.text[:150]}")
        # At the limit exactly is not "over" it.
        at_limit = _event_body()
        at_limit = at_limit[:-1] + b" " * (MAX_BODY - len(at_limit)) + b"}"
        assert len(at_limit) == MAX_BODY
        response = await http.post(
            system.ingest.url("/v1/events"),
            content=at_limit,
            headers={
                "X-Crosssell-Source": "product",
                "X-Crosssell-Signature": sign(INGEST_SECRET.encode(), at_limit, int(time.time())),
            },
        )
        assert response.status_code == 202, response.text
    assert not problems, "\n".join(problems)
