"""Out-of-range dates and datetimes at every edge: a 4xx naming the field, never a 500.

``9999-12-31T23:59:59-01:00`` and ``0001-01-01T00:00:00+01:00`` parse, but
overflow when made UTC; years past 2200 or before 1970 pass Python and fail
in SQL or date arithmetic. Each edge that takes a date gets each of them:
canonical events (per event: the valid ones of the batch are accepted), the
ChurnZero and Gainsight mappings, the metrics' ``since``/``until``, every
play command with a date, the Salesforce webhook, and the admin clock (on a
crm_sync of its own with the test clock on).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest

from services.crm_sync.app import create_app as crm_sync_app
from services.crm_sync.settings import CrmSyncSettings
from shared.signature import sign
from tests.security.conftest import SEED_ACCOUNT, System
from tests.security.support import (
    CHURNZERO_TOKEN,
    GAINSIGHT_SECRET,
    ORG_ID,
    WEBHOOK_SECRET,
    Keys,
    canonical,
    count,
    event_headers,
)
from tests.support.http import serve
from tests.support.isolation import new_isolation
from tests.support.kafka import wait_until
from tests.support.salesforce_fake import FakeSalesforceGateway

SUITE = "out-of-range dates at every edge"
DATETIMES = [
    "9999-12-31T23:59:59-01:00",  # overflows past year 9999 in UTC
    "0001-01-01T00:00:00+01:00",  # overflows before year 1 in UTC
    "9999-12-31T23:59:59+00:00",
    "2200-01-01T00:00:00Z",
    "1969-12-31T23:59:59Z",
]
DATES = ["9999-12-31", "0001-01-01", "2200-01-01", "1969-12-31"]


def _check(ok: bool, note: str) -> None:
    count(SUITE, ok, note)
    assert ok, note


def _names(answer: httpx.Response, field: str) -> bool:
    return answer.status_code < 500 and field in answer.text


async def test_canonical_events_per_event_in_a_batch(system: System) -> None:
    good = canonical("dates-ok-1", SEED_ACCOUNT, "usage.workaround", _workaround(), "product")
    bad = [dict(good, id=f"dates-bad-{i}", occurred_at=v) for i, v in enumerate(DATETIMES)]
    renewal = {"product": "workflow_platform", "status": "negotiating"}
    bad += [
        canonical(f"dates-ren-{i}", SEED_ACCOUNT, "account.renewal", renewal, "product")
        | {"data": renewal | {"renewal_date": d}}
        for i, d in enumerate(DATES)
    ]
    body = orjson.dumps({"events": [good, *bad]})
    async with httpx.AsyncClient(base_url=system.ingest.base_url, timeout=20) as http:
        answer = await http.post("/v1/events", content=body, headers=event_headers(body))
    _check(answer.status_code == 202, f"batch with bad dates: {answer.status_code}")
    result = answer.json()
    _check(result["accepted"] + result["duplicates"] == 1, f"the valid event: {result}")
    rejected = {r["index"]: r["error"] for r in result["rejected"]}
    for index in range(1, 1 + len(DATETIMES)):
        _check("occurred_at" in rejected.get(index, ""), f"event {index}: {rejected.get(index)}")
    for index in range(1 + len(DATETIMES), 1 + len(bad)):
        error = rejected.get(index, "")
        _check("data.renewal_date" in error, f"event {index}: {error}")


def _workaround() -> dict[str, Any]:
    return {"product": "workflow_platform", "kind": "export_to_spreadsheet", "detail": "x"}


async def test_vendor_mappings(system: System) -> None:
    async with httpx.AsyncClient(base_url=system.ingest.base_url, timeout=20) as http:
        for value in DATETIMES:
            action = {
                "action": "trackEvent",
                "appKey": CHURNZERO_TOKEN,
                "accountExternalId": SEED_ACCOUNT,
                "eventName": "Seats Used",
                "quantity": 3,
            }
            actions = [action | {"eventDate": "2026-11-02T14:00:00Z"}]
            actions.append(action | {"eventDate": value})
            answer = await http.post("/v1/ingest/churnzero", json=actions)
            rejected = answer.json().get("rejected", []) if answer.status_code < 500 else []
            _check(
                answer.status_code == 202
                and [r["index"] for r in rejected] == [1]
                and "eventDate" in rejected[0]["error"],
                f"churnzero eventDate {value}: {answer.status_code} {answer.text[:300]}",
            )
            gainsight = {
                "sfdcAccountId": SEED_ACCOUNT,
                "eventName": "Workaround Detected",
                "eventDate": value,
                "attributes": {"product": "workflow_platform", "kind": "third_party_tool"},
            }
            answer = await http.post(
                "/v1/ingest/gainsight", json=gainsight, headers={"sharedSecret": GAINSIGHT_SECRET}
            )
            _check(
                answer.status_code == 422 and "eventDate" in answer.text,
                f"gainsight eventDate {value}: {answer.status_code} {answer.text[:300]}",
            )
        renewal = {
            "sfdcAccountId": SEED_ACCOUNT,
            "eventName": "Renewal Stage Changed",
            "eventDate": "2026-11-02T14:00:00Z",
            "attributes": {"product": "workflow_platform", "stage": "negotiating"},
        }
        for value in DATES:
            body = renewal | {"attributes": renewal["attributes"] | {"renewalDate": value}}
            answer = await http.post(
                "/v1/ingest/gainsight", json=body, headers={"sharedSecret": GAINSIGHT_SECRET}
            )
            _check(
                answer.status_code == 422 and "renewalDate" in answer.text,
                f"gainsight renewalDate {value}: {answer.status_code} {answer.text[:300]}",
            )


async def test_query_parameters(system: System) -> None:
    headers = Keys.bearer(system.keys.read)
    async with httpx.AsyncClient(base_url=system.plays.base_url, timeout=20) as http:
        for path in ("/v1/metrics/pipeline", "/v1/metrics/funnel"):
            for name in ("since", "until"):
                for value in DATETIMES:
                    answer = await http.get(path, params={name: value}, headers=headers)
                    _check(
                        answer.status_code == 422 and _names(answer, name),
                        f"{path}?{name}={value}: {answer.status_code} {answer.text[:200]}",
                    )


async def test_play_commands(system: System) -> None:
    headers = Keys.bearer(system.keys.admin)
    p = f"/v1/plays/{system.play_id}"
    who = {"name": "Pat Operator", "title": "Ops lead"}
    bodies: list[tuple[str, str, str, Any]] = []
    for v in DATETIMES:
        bodies += [
            ("POST", f"{p}/meeting", "meeting_at", {"meeting_at": v, "attendees": ["a"]}),
            ("POST", f"{p}/sponsor", "last_touch", {"name": "S", "title": "T", "last_touch": v}),
            ("POST", f"{p}/exception", "new_deadline", {"reason": "r" * 30, "new_deadline": v}),
            ("PUT", f"{p}/brief", "confirmed_at", {"pain": {"operator": who, "confirmed_at": v}}),
            ("PUT", f"{p}/brief", "meeting_at", {"commitment": {"meeting_at": v}}),
        ]
    for v in DATES:
        bodies.append(("PUT", f"{p}/brief", "renewal_date", {"customer": {"renewal_date": v}}))
    async with httpx.AsyncClient(base_url=system.plays.base_url, timeout=20) as http:
        for method, path, field, body in bodies:
            answer = await http.request(method, path, json=body, headers=headers)
            _check(
                answer.status_code == 422 and _names(answer, field),
                f"{method} {path} {field}: {answer.status_code} {answer.text[:200]}",
            )


async def test_salesforce_webhook(system: System) -> None:
    before = await system.crm.scalar("SELECT count(*) FROM sf_notifications")
    async with httpx.AsyncClient(base_url=system.crm.base_url, timeout=20) as http:
        for value in DATETIMES:
            body = orjson.dumps(
                [
                    {
                        "notification_id": f"dates-{value}",
                        "organization_id": ORG_ID,
                        "sobject": "Opportunity",
                        "record": {"Id": "006000000000001AAA"},
                        "changed_at": value,
                    }
                ]
            )
            headers = {"X-Crosssell-Signature": sign(WEBHOOK_SECRET.encode(), body, _now())}
            answer = await http.post("/v1/salesforce/webhook", content=body, headers=headers)
            _check(
                answer.status_code == 400 and "changed_at" in answer.text,
                f"webhook changed_at {value}: {answer.status_code} {answer.text[:200]}",
            )
    after = await system.crm.scalar("SELECT count(*) FROM sf_notifications")
    _check(after == before, "refused webhooks recorded nothing")


def _now() -> int:
    return int(datetime.now(UTC).timestamp())


@pytest.fixture(scope="module")
async def clocked(
    pg_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[str, str]]:
    """A crm_sync of its own with the test clock on: (base URL, an admin key)."""
    iso = new_isolation(pg_url, kafka_bootstrap, tmp_path_factory.mktemp("clocked"))
    settings = CrmSyncSettings.load(
        database_url=iso.pg_url,
        kafka_bootstrap_servers=iso.bootstrap,
        db_schema=iso.schema("crm_sync"),
        topic_prefix=iso.topic_prefix,
        api_keys_file=iso.api_keys_file,
        log_level="WARNING",
        test_clock=True,
        sync_interval_s=0.5,
    )
    admin = iso.api_key("admin")
    app = crm_sync_app(settings, gateway=FakeSalesforceGateway())
    async with serve(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as http:

        async def ready() -> bool:
            return (await http.get("/readyz")).status_code == 200

        await wait_until(ready, timeout_s=60)
        yield base, admin


async def test_admin_clock(clocked: tuple[str, str]) -> None:
    base, admin = clocked
    headers = Keys.bearer(admin)
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        for value in DATETIMES:
            answer = await http.post("/v1/admin/clock", json={"now": value}, headers=headers)
            _check(
                answer.status_code == 422 and _names(answer, "now"),
                f"clock {value}: {answer.status_code} {answer.text[:200]}",
            )
        in_range = (datetime.now(UTC) + timedelta(days=3)).isoformat()
        answer = await http.post("/v1/admin/clock", json={"now": in_range}, headers=headers)
        _check(answer.status_code == 200, f"clock in range: {answer.status_code}")
        unkeyed = await http.post("/v1/admin/clock", json={"now": in_range})
        _check(unkeyed.status_code == 401, f"clock without a key: {unkeyed.status_code}")

