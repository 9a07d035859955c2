"""Injection-shaped strings in every query filter, path id and cursor of every GET API,
and in the text fields of the write APIs: a 4xx or an empty result, never a 5xx, never
someone else's rows; and afterwards every table is still there with the same rows."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from shared.kafka.topics import SIGNALS
from tests.security.conftest import System
from tests.security.support import Keys, Service, count
from tests.support.kafka import produce, wait_until
from tests.unit.play_orchestrator_service.builders import pain_quote, signal, signal_envelope

SUITE = "injection-shaped strings"
PAYLOADS = [
    "' OR 1=1 --",
    "' OR '1'='1",
    '"; DROP TABLE plays; --',
    "'; DROP TABLE signals; --",
    "1); DELETE FROM plays; --",
    "' UNION SELECT * FROM pg_catalog.pg_tables --",
    "1; SELECT pg_sleep(3)",
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%00",
    "\x00",
    "x\x00' OR 1=1 --",
    "%27%20OR%201%3D1",
    "*",
    "%",
    "_",
    "\\",
    "$where",
    '{"$gt": ""}',
    "${jndi:ldap://127.0.0.1/a}",
    "<script>alert(1)</script>",
    "\u202e\u0000",
    "🦄" * 50,
    "Ωmega ñ 日本語",
    "x" * 8000,
    "-1",
    "9" * 40,
    "0001-01-01T00:00:00Z",
    "null",
    "",
]
# Rows a filter like "*" or "%" must not reveal: the injected value matches nothing.
LIST_KEYS = ("items",)


def _get_operations(openapi: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    out = []
    for path, methods in openapi["paths"].items():
        operation = methods.get("get")
        if operation and path.startswith("/v1/"):
            out.append((path, operation.get("parameters", [])))
    return out


def _url(service: Service, path: str, params: list[dict[str, Any]], name: str, value: str) -> str:
    for param in params:
        if param["in"] == "path":
            fill = value if param["name"] == name else "sec-x"
            path = path.replace("{" + param["name"] + "}", quote(fill, safe=""))
    return service.url(path)


def _problem(label: str, response: httpx.Response, value: str) -> str | None:
    if response.status_code >= 500:
        return f"{label}: {response.status_code} {response.text[:200]}"
    json_answer = "json" in response.headers.get("content-type", "")
    if value and response.status_code == 200 and json_answer:  # "" is no filter at all
        body = response.json()
        for key in LIST_KEYS:
            if isinstance(body, dict) and body.get(key):
                return f"{label}: 200 with {len(body[key])} rows"
    return None


async def _snapshot(system: System) -> dict[str, Any]:
    tables = {s.name: await s.tables() for s in system.services}
    rows = {
        "plays": await system.plays.scalar("SELECT count(*) FROM plays"),
        "signals": await system.ingest.scalar("SELECT count(*) FROM signals"),
        "account_state": await system.ingest.scalar("SELECT count(*) FROM account_state"),
    }
    return {"tables": tables, "rows": rows}


async def test_injection_in_filters_ids_and_cursors_of_every_get_api(system: System) -> None:
    before = await _snapshot(system)
    assert all(before["tables"].values()) and before["rows"]["plays"] >= 1
    problems: list[str] = []
    async with httpx.AsyncClient(timeout=30, headers=Keys.bearer(system.keys.admin)) as http:
        for service in system.services:
            openapi = (await http.get(service.url("/openapi.json"))).json()
            for path, params in _get_operations(openapi):
                for param in params:
                    if param["in"] not in ("query", "path"):
                        continue
                    for value in PAYLOADS:
                        label = f"{service.name} GET {path} {param['name']}={value[:30]!r}"
                        url = _url(service, path, params, param["name"], value)
                        query = {param["name"]: value} if param["in"] == "query" else None
                        response = await http.get(url, params=query)
                        problem = _problem(label, response, value)
                        count(SUITE, problem is None, problem)
                        if problem:
                            problems.append(problem)
        # Unencoded traversal in the path itself.
        for service in system.services:
            for raw in ("/v1/plays/../../etc/passwd", "/v1/signals/..%2F..%2Fetc%2Fpasswd"):
                response = await http.get(service.url(raw))
                ok = response.status_code in (404, 422) and "root:" not in response.text
                count(SUITE, ok, f"{service.name} GET {raw}: {response.status_code}")
                if not ok:
                    problems.append(f"{service.name} GET {raw}: {response.status_code}")
    after = await _snapshot(system)
    assert after == before, (before, after)
    assert not problems, "\n".join(problems)


def _steps(value: str) -> list[tuple[str, str, dict[str, Any]]]:
    """A play's whole life with ``value`` in every text field: (method, action, body)."""
    text = value or "x"
    now = datetime.now(UTC)
    person = {"name": text, "title": value}
    return [
        (
            "PUT",
            "brief",
            {
                "signal": {"description": value},
                "adjacent": {"product": value, "problem": value},
                "sponsor": person,
                "pain": {
                    "operator": person,
                    "where": value,
                    "quote": value,
                    "confirmed_at": (now - timedelta(days=1)).isoformat(),
                },
                "commitment": {"agenda": value, "next_step": value, "attendees": [value]},
            },
        ),
        (
            "POST",
            "meeting",
            {
                "meeting_at": (now + timedelta(days=1)).isoformat(),
                "attendees": [text],
                "agenda": value,
                "next_step": value,
            },
        ),
        (
            "POST",
            "discovery",
            {
                "current_workflow": text,
                "time_or_accuracy_loss": text,
                "one_fix": text,
                "champion": {"name": text, "title": value, "contact_id": value},
            },
        ),
        ("POST", "sponsor", {**person, "contact_id": value, "relationship_owner": value}),
        (
            "POST",
            "exception",
            {"reason": (text + " - a written reason, long enough"), "extension_days": 3},
        ),
        ("POST", "close", {"outcome": "lost", "reason": text}),
    ]


async def _open_plays(system: System, count_: int) -> list[str]:
    """One fresh play per payload, opened the way the engine opens them: a qualified
    signal on the broker."""
    prefix = f"001INJ{uuid.uuid4().hex[:6]}"
    at = datetime.now(UTC) - timedelta(hours=1)
    envelopes = [
        signal_envelope(signal(f"{prefix}{i:03d}", at=at, quotes=(pain_quote(at),)))
        for i in range(count_)
    ]
    await produce(
        system.iso.bootstrap, system.iso.topic(SIGNALS), [(e.key, e.encode()) for e in envelopes]
    )
    async with httpx.AsyncClient(timeout=30, headers=Keys.bearer(system.keys.admin)) as http:

        async def opened() -> list[str] | None:
            ids = []
            for i in range(count_):
                response = await http.get(
                    system.plays.url("/v1/plays"), params={"account_id": f"{prefix}{i:03d}"}
                )
                items = response.json()["items"]
                if not items:
                    return None
                ids.append(items[0]["id"])
            return ids

        plays: list[str] = await wait_until(opened, timeout_s=60, interval_s=0.5)
    return plays


async def test_injection_in_the_text_of_write_apis(system: System) -> None:
    """Each payload walks its own play from brief to close, so the state machine and
    the database see the text: 2xx, 404, 409 or 422, never a 5xx. Also on an
    unknown id, and through the language check."""
    problems: list[str] = []
    seen: Counter[tuple[str, int]] = Counter()
    plays = await _open_plays(system, len(PAYLOADS))
    async with httpx.AsyncClient(timeout=30, headers=Keys.bearer(system.keys.admin)) as http:
        for value, play_id in zip(PAYLOADS, plays, strict=True):
            for target in (play_id, "sec-unknown-play"):
                for method, action, body in _steps(value):
                    url = system.plays.url(f"/v1/plays/{quote(target)}/{action}")
                    response = await http.request(method, url, json=body)
                    label = f"{method} {action} on {target[:12]} with {value[:30]!r}"
                    ok = response.status_code < 500
                    if target == play_id:
                        seen[(action, response.status_code)] += 1
                    count(SUITE, ok, f"{label}: {response.status_code}")
                    if not ok:
                        problems.append(f"{label}: {response.status_code} {response.text[:200]}")
            check = await http.post(
                system.plays.url("/v1/language/check"), json={"text": value, "play_id": play_id}
            )
            ok = check.status_code < 500
            count(SUITE, ok, f"language/check {value[:30]!r}: {check.status_code}")
            if not ok:
                problems.append(f"language/check {value[:30]!r}: {check.status_code}")
    print(f"\nwrite APIs on fresh plays (action, status): {dict(sorted(seen.items()))}")
    assert not problems, "\n".join(problems)
    assert seen[("close", 200)] >= len(PAYLOADS) // 2, "most plays walked to the end"
