"""Hostile SOAP at ``POST /v1/salesforce/outbound-message`` on a running crm_sync
(SPEC sections 7 and 8): entity expansion, external entities and DTDs, 10 MB bodies,
malformed XML and wrong namespaces are refused (400, or 413 for size) with a SOAP
fault and no Ack, each within a second, without memory growth over 50 rounds, and
without fetching anything; a wrong OrganizationId or token gets no Ack and records
nothing."""

from __future__ import annotations

import asyncio
import gc
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import psutil
import pytest

from services.crm_sync.domain import Notification, build_outbound_message
from services.crm_sync.domain.soap import OUTBOUND_NS, SOAP_ENV_NS
from tests.security.conftest import System
from tests.security.support import ORG_ID, OUTBOUND_TOKEN, count

SUITE = "soap hostile bodies"
TEN_MB = 10 * 1024 * 1024
ENVELOPE_OPEN = (
    f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV_NS}"><soapenv:Body>'
    f'<notifications xmlns="{OUTBOUND_NS}"><OrganizationId>{ORG_ID}</OrganizationId>'
    "<ActionId>04k000000000001AAA</ActionId>"
)


def _note(body: str) -> str:
    return (
        f"<Notification><Id>04l000000000001AAA</Id>"
        f'<sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<sf:Id>006000000000001AAA</sf:Id><sf:StageName>{body}</sf:StageName>"
        "</sObject></Notification>"
    )


def _envelope(field_value: str, doctype: str = "") -> bytes:
    head = '<?xml version="1.0" encoding="UTF-8"?>' + doctype
    tail = "</notifications></soapenv:Body></soapenv:Envelope>"
    return (head + ENVELOPE_OPEN + _note(field_value) + tail).encode()


def _billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        refs = f"&lol{level - 1};" * 10
        entities.append(f'<!ENTITY lol{level} "{refs}">')
    return _envelope("&lol9;", f"<!DOCTYPE soapenv:Envelope [{''.join(entities)}]>")


def _quadratic() -> bytes:
    big = "A" * 50_000
    doctype = f'<!DOCTYPE soapenv:Envelope [<!ENTITY a "{big}">]>'
    return _envelope("&a;" * 2_000, doctype)


def hostile_bodies(canary: str) -> dict[str, tuple[bytes, int]]:
    """name -> (body, expected status). ``canary`` is a URL nothing may fetch."""
    wrong_ns = _envelope("Prospecting").replace(OUTBOUND_NS.encode(), b"urn:not-salesforce")
    soap12 = _envelope("Prospecting").replace(
        SOAP_ENV_NS.encode(), b"http://www.w3.org/2003/05/soap-envelope"
    )
    too_many = build_outbound_message(
        organization_id=ORG_ID,
        action_id="04k000000000001AAA",
        notifications=[
            Notification(f"04l{i:015d}", "Opportunity", {"Id": "006000000000001AAA"})
            for i in range(101)
        ],
    )
    return {
        "billion laughs": (_billion_laughs(), 400),
        "quadratic blowup": (_quadratic(), 400),
        "external entity file:///etc/passwd": (
            _envelope(
                "&xxe;",
                '<!DOCTYPE soapenv:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            ),
            400,
        ),
        "external entity http://": (
            _envelope("&xxe;", f'<!DOCTYPE soapenv:Envelope [<!ENTITY xxe SYSTEM "{canary}">]>'),
            400,
        ),
        "parameter entity http://": (
            _envelope("x", f'<!DOCTYPE soapenv:Envelope [<!ENTITY % p SYSTEM "{canary}"> %p;]>'),
            400,
        ),
        "external DTD": (_envelope("x", f'<!DOCTYPE soapenv:Envelope SYSTEM "{canary}">'), 400),
        "internal DTD, no entity": (_envelope("x", "<!DOCTYPE soapenv:Envelope>"), 400),
        "xinclude": (
            (
                b'<x xmlns:xi="http://www.w3.org/2001/XInclude">'
                b'<xi:include href="file:///etc/passwd" parse="text"/></x>'
            ),
            400,
        ),
        "not xml": (b"this is not xml at all", 400),
        "empty": (b"", 400),
        "truncated": (_envelope("Prospecting")[:-40], 400),
        "unclosed tag": (b"<soapenv:Envelope><soapenv:Body>", 400),
        "mismatched tags": (b"<a><b></a></b>", 400),
        "binary": (bytes(range(256)) * 4, 400),
        "invalid utf-8": (_envelope("Prospecting").replace(b"Prospecting", b"\xff\xfe\xfa"), 400),
        "unknown encoding": (
            _envelope("x").replace(b'encoding="UTF-8"', b'encoding="x-no-such"'),
            400,
        ),
        "deep nesting": (b"<a>" * 50_000 + b"</a>" * 50_000, 400),
        "wrong namespace": (wrong_ns, 400),
        "soap 1.2 envelope": (soap12, 400),
        "json": (b'{"OrganizationId": "00D000000000042AAA"}', 400),
        "101 notifications": (too_many, 400),
        "10 MB": (b"<x>" + b"a" * TEN_MB + b"</x>", 413),
    }


@pytest.fixture
async def canary() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A loopback HTTP listener that records every connection: nothing may reach it."""
    hits: list[bytes] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hits.append(await reader.read(1024))
        writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/evil.dtd", hits
    finally:
        server.close()
        await server.wait_closed()


def _url(system: System, token: str | None = OUTBOUND_TOKEN) -> str:
    query = f"?token={token}" if token is not None else ""
    return system.crm.url(f"/v1/salesforce/outbound-message{query}")


async def _chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def _post(http: httpx.AsyncClient, url: str, body: bytes, chunked: bool) -> httpx.Response:
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
    if chunked:
        return await http.post(url, content=_chunks(body), headers=headers)
    return await http.post(url, content=body, headers=headers)


def _problem(name: str, response: httpx.Response, expected: int, elapsed: float) -> str | None:
    content = response.content
    if response.status_code != expected:
        return f"{name}: {response.status_code} (expected {expected}) {content[:200]!r}"
    if b"<Ack>" in content or b"Fault" not in content:
        return f"{name}: not a SOAP fault without Ack: {content[:200]!r}"
    if b"root:" in content:
        return f"{name}: file content in the answer"
    if elapsed > 1.0:
        return f"{name}: took {elapsed:.2f}s"
    return None


async def test_hostile_bodies_get_a_quick_fault_and_fetch_nothing(
    system: System, canary: tuple[str, list[bytes]]
) -> None:
    url, hits = canary
    problems = []
    async with httpx.AsyncClient(timeout=10) as http:
        for name, (body, expected) in hostile_bodies(url).items():
            for chunked in (False, True):
                started = time.perf_counter()
                response = await _post(http, _url(system), body, chunked)
                elapsed = time.perf_counter() - started
                problem = _problem(f"{name} (chunked={chunked})", response, expected, elapsed)
                count(SUITE, problem is None, problem)
                if problem:
                    problems.append(problem)
    await asyncio.sleep(0.2)
    assert hits == [], "an external entity or DTD was fetched"
    assert not problems, "\n".join(problems)


async def test_fifty_rounds_of_hostile_bodies_do_not_grow_memory(
    system: System, canary: tuple[str, list[bytes]]
) -> None:
    """The service runs in this process: its resident memory after 50 rounds of every
    hostile body (two of them 10 MB) stays within a small bound of the warmed-up value."""
    url, _ = canary
    bodies = hostile_bodies(url)
    process = psutil.Process()
    async with httpx.AsyncClient(timeout=30) as http:

        async def one_round() -> None:
            for name, (body, expected) in bodies.items():
                response = await _post(http, _url(system), body, chunked=name == "10 MB")
                assert response.status_code == expected, (name, response.status_code)

        for _ in range(3):  # warm up: allocator arenas, connection pools, caches
            await one_round()
        gc.collect()
        before = process.memory_info().rss
        started = time.perf_counter()
        for _ in range(50):
            await one_round()
        elapsed = time.perf_counter() - started
        gc.collect()
        after = process.memory_info().rss
    growth_mib = (after - before) / 2**20
    attempts = 50 * len(bodies)
    print(
        f"\nsoap memory: {attempts} hostile bodies in {elapsed:.1f}s "
        f"({elapsed / attempts * 1000:.1f} ms each), RSS {before / 2**20:.0f} -> "
        f"{after / 2**20:.0f} MiB ({growth_mib:+.1f} MiB)"
    )
    ok = growth_mib < 40
    for _ in range(attempts):
        count("soap memory (50 rounds)", True)
    if not ok:
        count("soap memory (50 rounds)", False, f"RSS grew {growth_mib:.1f} MiB")
    assert ok, f"RSS grew {growth_mib:.1f} MiB over {attempts} hostile bodies"


async def _recorded(system: System, note_id: str) -> int:
    return int(
        await system.crm.scalar(
            "SELECT count(*) FROM sf_notifications WHERE notification_id = :n", n=note_id
        )
    )


async def test_wrong_org_or_token_gets_no_ack_and_records_nothing(system: System) -> None:
    note_id = f"04l{uuid.uuid4().hex[:15]}"

    def message(org_id: str) -> bytes:
        return build_outbound_message(
            organization_id=org_id,
            action_id="04k000000000001AAA",
            notifications=[Notification(note_id, "Opportunity", {"Id": "006000000000999AAA"})],
        )

    async with httpx.AsyncClient(timeout=10) as http:
        for what, url, body in (
            ("other org", _url(system), message("00D000000000999AAA")),
            ("org id prefix", _url(system), message(ORG_ID[:15] + "XYZ")),
            ("empty org", _url(system), message(" ")),
            ("no token", _url(system, None), message(ORG_ID)),
            ("wrong token", _url(system, OUTBOUND_TOKEN + "x"), message(ORG_ID)),
            ("injected token", _url(system, "' OR 1=1 --"), message(ORG_ID)),
        ):
            response = await http.post(url, content=body)
            ok = (
                response.status_code in (400, 403)
                and b"<Ack>" not in response.content
                and await _recorded(system, note_id) == 0
            )
            count("outbound message wrong org/token", ok, f"{what}: {response.status_code}")
            assert ok, (what, response.status_code, response.text)
        # The same message from the right org with the token is recorded: the
        # refusals above were about the org and the token, nothing else.
        accepted = await http.post(_url(system), content=message(ORG_ID))
        assert accepted.status_code == 200 and b"<Ack>true</Ack>" in accepted.content
        assert await _recorded(system, note_id) == 1
