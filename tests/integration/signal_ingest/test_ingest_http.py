"""HTTP ingest against the real broker and PostgreSQL (SPEC section 4)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest

from services.signal_ingest.app import create_app
from services.signal_ingest.settings import SignalIngestSettings
from shared.embedded import EmbeddedBroker
from shared.signature import sign
from tests.support.http import serve
from tests.support.isolation import Isolation
from tests.support.kafka import read_all, wait_until

SECRET = "product-secret-for-tests"


def event(i: int, **override: object) -> dict[str, object]:
    body: dict[str, object] = {
        "id": f"evt-{i}",
        "type": "usage.metric",
        "source": "product",
        "account_id": "001ACME",
        "occurred_at": "2026-11-02T14:00:00Z",
        "data": {"product": "flow", "metric": "active_seats", "value": 41, "limit": 50},
    }
    body.update(override)
    return body


def signed(body: bytes, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    return {
        "X-Crosssell-Source": "product",
        "X-Crosssell-Signature": sign(secret.encode(), body, at or int(time.time())),
        "Content-Type": "application/json",
    }


async def _ready(http: httpx.AsyncClient) -> bool:
    return (await http.get("/readyz")).status_code == 200


def _app(isolated: Isolation, monkeypatch: pytest.MonkeyPatch, bootstrap: str | None = None):  # type: ignore[no-untyped-def]
    for key, value in isolated.env("signal_ingest").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("INGEST_SOURCE_SECRETS", orjson.dumps({"product": SECRET}).decode())
    monkeypatch.setenv("CHURNZERO_TOKEN", "cz-app-key")
    monkeypatch.setenv("GAINSIGHT_SHARED_SECRET", "gs-shared")
    monkeypatch.setenv("SIGNAL_INGEST_RUN_CONSUMERS", "0")  # the edge alone is under test
    if bootstrap:
        monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", bootstrap)
    return create_app(SignalIngestSettings.load())


@pytest.fixture
async def ingest(
    isolated: Isolation, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(_app(isolated, monkeypatch)) as base:
        async with httpx.AsyncClient(base_url=base, timeout=20) as http:
            await wait_until(lambda: _ready(http), timeout_s=30)
            yield http


async def test_valid_events_accepted_invalid_named_duplicates_reported(
    ingest: httpx.AsyncClient, isolated: Isolation
) -> None:
    batch = {
        "events": [
            event(1),
            event(2, data={"product": "flow", "metric": "active_seats", "value": 1, "limit": 0}),
            event(3, type="usage.teleport"),
            event(4, occurred_at="2026-11-02T14:00:00"),
            event(5, type="ticket.opened", data={"ticket_id": "T1"}),
            event(
                6,
                type="account.renewal",
                data={"product": "flow", "status": "negotiating", "renewal_date": "2027-01-01"},
            ),
        ]
    }
    body = orjson.dumps(batch)
    response = await ingest.post("/v1/events", content=body, headers=signed(body))
    assert response.status_code == 202, response.text
    result = response.json()
    assert result["accepted"] == 2 and result["duplicates"] == 0
    errors = {r["index"]: r["error"] for r in result["rejected"]}
    assert set(errors) == {1, 2, 3, 4}
    assert errors[1].startswith("data.limit")
    assert "unknown event type 'usage.teleport'" in errors[2]
    assert errors[3].startswith("occurred_at")
    assert "data.requester" in errors[4]

    again = await ingest.post("/v1/events", content=body, headers=signed(body))
    assert again.json()["accepted"] == 0 and again.json()["duplicates"] == 2

    # One topic for every inbound type, in the order the edge accepted them, the
    # type in a header too (consumers skip types without decoding them).
    records = await read_all(isolated.bootstrap, isolated.topic("crosssell.events"), expect=2)
    usage, account = records
    assert orjson.loads(usage.value)["id"] == "product:evt-1"
    assert orjson.loads(account.value)["payload"]["status"] == "negotiating"
    assert usage.key == account.key == b"001ACME"
    assert dict(usage.headers)["type"] == b"usage.metric"
    assert dict(account.headers)["type"] == b"account.renewal"


async def test_authentication_and_size_limits(ingest: httpx.AsyncClient) -> None:
    body = orjson.dumps(event(1))
    assert (await ingest.post("/v1/events", content=body)).status_code == 401
    forged = signed(body, secret="not-the-secret")
    assert (await ingest.post("/v1/events", content=body, headers=forged)).status_code == 401
    replayed = signed(body, at=int(time.time()) - 301)
    response = await ingest.post("/v1/events", content=body, headers=replayed)
    assert response.status_code == 401 and "tolerance" in response.json()["detail"]
    other_source = orjson.dumps(event(1, source="gainsight"))
    response = await ingest.post("/v1/events", content=other_source, headers=signed(other_source))
    assert response.status_code == 422
    assert "signed by 'product'" in response.json()["rejected"][0]["error"]
    huge = b'{"events": [' + b" " * (1024 * 1024) + b"]}"
    assert (await ingest.post("/v1/events", content=huge, headers=signed(huge))).status_code == 413
    garbage = b"{nope"
    assert (
        await ingest.post("/v1/events", content=garbage, headers=signed(garbage))
    ).status_code == 400


async def test_vendor_endpoints_with_native_tokens(ingest: httpx.AsyncClient) -> None:
    mappings = Path("services/signal_ingest/mappings")
    assert (mappings / "README.md").exists()
    churnzero = [
        {
            "action": "trackEvent",
            "appKey": "cz-app-key",
            "accountExternalId": "001ACME",
            "contactExternalId": "003X",
            "eventName": "Nonexistent Event Name",
            "eventDate": "2026-11-02T14:00:00Z",
            "quantity": 1,
        }
    ]
    response = await ingest.post("/v1/ingest/churnzero", json=churnzero)
    assert response.status_code == 422 and response.json()["rejected"][0]["index"] == 0
    wrong_key = [dict(churnzero[0], appKey="guess")]
    assert (await ingest.post("/v1/ingest/churnzero", json=wrong_key)).status_code == 401
    assert (await ingest.post("/v1/ingest/gainsight", json={})).status_code == 401
    response = await ingest.post(
        "/v1/ingest/gainsight", json={"foo": 1}, headers={"sharedSecret": "gs-shared"}
    )
    assert response.status_code == 422


async def test_broker_down_still_accepts_and_the_journal_publishes_when_it_is_back(
    isolated: Isolation, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """SPEC section 4: a broker outage alone does not refuse events. The broker
    that comes back is empty (the embedded one forgets): the journal publishes
    what it accepted meanwhile, and what it had sent before is sent again."""
    broker = EmbeddedBroker(log_path=tmp_path / "broker.log")
    broker.start()
    try:
        async with serve(_app(isolated, monkeypatch, broker.bootstrap)) as base:
            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                await wait_until(lambda: _ready(http), timeout_s=30)
                body = orjson.dumps(event(1))
                assert (
                    await http.post("/v1/events", content=body, headers=signed(body))
                ).status_code == 202
                topic = isolated.topic("crosssell.events")
                assert len(await read_all(broker.bootstrap, topic, expect=1)) == 1
                broker.stop()
                body = orjson.dumps(event(2))
                response = await http.post("/v1/events", content=body, headers=signed(body))
                assert response.status_code == 202 and response.json()["accepted"] == 1
                again = await http.post("/v1/events", content=body, headers=signed(body))
                assert again.json() == {"accepted": 0, "duplicates": 1, "rejected": []}
                broker.start()  # same port, nothing on it
                ids: list[str] = []

                async def both_published() -> bool:
                    # read again each time: the topic is created anew on the new broker
                    records = await read_all(broker.bootstrap, topic, expect=2, timeout_s=2)
                    ids[:] = sorted(orjson.loads(r.value)["id"] for r in records)
                    return len(ids) >= 2

                await wait_until(both_published, timeout_s=60, interval_s=1)
                assert ids == ["product:evt-1", "product:evt-2"]
    finally:
        broker.stop()
