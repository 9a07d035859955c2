"""One contract, two implementations: the fake and the simple-salesforce adapter.

Every test runs against both, so the fake crm_sync's unit tests rely on cannot
drift from what the real adapter observes over HTTPS.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from emulators.salesforce.server import EmulatorServer
from services.crm_sync.gateway import (
    ApiLimitExceeded,
    SalesforceGateway,
    SalesforceRequestError,
)
from tests.integration.salesforce.conftest import AdminClient
from tests.integration.salesforce.gateway_harness import Harness, build

EXT = "Cross_Sell_Play_Id__c"


@pytest.fixture(params=["fake", "real"])
async def harness(
    request: pytest.FixtureRequest, emulator: EmulatorServer, admin: AdminClient
) -> AsyncIterator[Harness]:
    built = build(request.param, emulator, admin)
    yield built
    await built.gateway.aclose()


def opp(key: str, **extra: Any) -> dict[str, Any]:
    return {
        EXT: key,
        "Name": f"Opp {key}",
        "StageName": "Prospecting",
        "CloseDate": "2030-06-30",
        "Type": "Cross-Sell",
        **extra,
    }


async def test_both_implement_the_port(harness: Harness) -> None:
    assert isinstance(harness.gateway, SalesforceGateway)


async def test_upsert_creates_then_updates(harness: Harness, uid: str) -> None:
    gw = harness.gateway
    first = await gw.upsert("Opportunity", EXT, [opp(f"{uid}-a"), opp(f"{uid}-b")])
    assert [(r.ok, r.created, r.key) for r in first] == [
        (True, True, f"{uid}-a"),
        (True, True, f"{uid}-b"),
    ]
    second = await gw.upsert("Opportunity", EXT, [opp(f"{uid}-a", StageName="Qualification")])
    assert (second[0].ok, second[0].created, second[0].id) == (True, False, first[0].id)
    record = await gw.get("Opportunity", first[0].id or "")
    assert record is not None and record["StageName"] == "Qualification"
    assert "attributes" not in record


async def test_upsert_reports_final_per_record_errors_in_order(harness: Harness, uid: str) -> None:
    records = [
        opp(f"{uid}-ok1"),
        opp(f"{uid}-bad-field", Not_A_Field__c="x"),
        {EXT: f"{uid}-no-name", "StageName": "Prospecting", "CloseDate": "2030-01-01"},
        opp(f"{uid}-bad-pick", Signal_Source__c="Totango"),
        opp(f"{uid}-ok2"),
    ]
    results = await harness.gateway.upsert("Opportunity", EXT, records)
    assert [r.key for r in results] == [r[EXT] for r in records]
    assert [r.ok for r in results] == [True, False, False, False, True]
    assert [r.error_code for r in results[1:4]] == [
        "INVALID_FIELD",
        "REQUIRED_FIELD_MISSING",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    ]
    assert not any(r.retryable for r in results)
    assert results[2].fields == ("Name",) and results[3].fields == ("Signal_Source__c",)


async def test_upsert_sends_200_records_per_call(harness: Harness, uid: str) -> None:
    before = harness.control.used()
    results = await harness.gateway.upsert(
        "Opportunity", EXT, [opp(f"{uid}-{i:04d}") for i in range(450)]
    )
    assert harness.control.used() - before == 3
    assert all(r.ok and r.created for r in results)
    rows = await harness.gateway.query(f"SELECT {EXT} FROM Opportunity WHERE {EXT} LIKE '{uid}-%'")
    assert sorted(r[EXT] for r in rows) == [f"{uid}-{i:04d}" for i in range(450)]


async def test_create_update_and_get(harness: Harness, uid: str) -> None:
    gw = harness.gateway
    created = await gw.create("Task", [{"Subject": f"Review {uid}"}, {"Subject": None}])
    assert created[0].ok and created[0].created and (created[0].id or "").startswith("00T")
    assert created[1].ok  # Subject is optional; Status/Priority default
    updated = await gw.update(
        "Task",
        [{"Id": created[0].id, "Status": "Completed"}, {"Id": created[1].id, "Status": "Done-ish"}],
    )
    assert updated[0].ok and updated[0].key == created[0].id
    assert updated[1].error_code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    task = await gw.get("Task", created[0].id or "")
    assert task is not None and task["IsClosed"] is True
    assert await gw.get("Task", "00T000000000000AAA") is None


async def test_query_follows_next_records_url(harness: Harness, uid: str) -> None:
    await harness.gateway.upsert("Opportunity", EXT, [opp(f"{uid}-{i:05d}") for i in range(2100)])
    before = harness.control.used()
    rows = await harness.gateway.query(
        f"SELECT Id, {EXT} FROM Opportunity WHERE {EXT} LIKE '{uid}-%' ORDER BY {EXT}"
    )
    assert harness.control.used() - before == 2
    assert [r[EXT] for r in rows] == [f"{uid}-{i:05d}" for i in range(2100)]
    assert "attributes" not in rows[0]


async def test_bad_query_raises_request_error(harness: Harness) -> None:
    with pytest.raises(SalesforceRequestError) as info:
        await harness.gateway.query("SELECT FROM WHERE")
    assert (info.value.status, info.value.error_code) == (400, "MALFORMED_QUERY")


async def test_usage_and_should_defer(harness: Harness, uid: str) -> None:
    gw = harness.gateway
    await gw.upsert("Opportunity", EXT, [opp(f"{uid}-u")])
    usage = gw.usage()
    assert usage is not None and usage.used == harness.control.used()
    assert gw.should_defer(urgent=False) is False
    # After one more call, usage sits past the default 0.8 share but inside the allocation.
    harness.control.set_allocation(max(usage.used + 1, int((usage.used + 1) / 0.85)))
    await gw.query(f"SELECT Id FROM Opportunity WHERE {EXT} = '{uid}-u'")
    assert gw.should_defer(urgent=False) is True
    assert gw.should_defer(urgent=True) is False


async def test_limit_exceeded_raises_with_the_completed_records(harness: Harness, uid: str) -> None:
    gw = harness.gateway
    await gw.query("SELECT Id FROM Account LIMIT 1")  # authenticate first
    harness.control.set_allocation(harness.control.used() + 1)
    records = [opp(f"{uid}-{i:03d}") for i in range(300)]
    with pytest.raises(ApiLimitExceeded) as info:
        await gw.upsert("Opportunity", EXT, records)
    assert len(info.value.completed) == 200 and all(r.ok for r in info.value.completed)
    assert info.value.results[200:] == [None] * 100
    harness.control.set_allocation(harness.control.used() + 100)
    rest = await gw.upsert("Opportunity", EXT, records[200:])
    assert all(r.ok and r.created for r in rest)


async def test_expired_session_is_refreshed_transparently(harness: Harness, uid: str) -> None:
    gw = harness.gateway
    await gw.upsert("Opportunity", EXT, [opp(f"{uid}-s1")])
    harness.control.expire_sessions()
    results = await gw.upsert("Opportunity", EXT, [opp(f"{uid}-s2")])
    assert results[0].ok


async def test_transient_errors_are_retried(harness: Harness, uid: str) -> None:
    harness.control.add_fault("lock", count=1)
    harness.control.add_fault("status", count=1, status=503)
    harness.control.add_fault("lock_record", count=2)
    results = await harness.gateway.upsert(
        "Opportunity", EXT, [opp(f"{uid}-{i}") for i in range(3)]
    )
    assert all(r.ok for r in results)
    rows = await harness.gateway.query(f"SELECT Id FROM Opportunity WHERE {EXT} LIKE '{uid}-%'")
    assert len(rows) == 3


async def test_transient_record_errors_that_outlast_retries_are_retryable(
    harness: Harness, uid: str
) -> None:
    harness.control.add_fault("lock_record", count=1000)
    results = await harness.gateway.upsert("Opportunity", EXT, [opp(f"{uid}-x")])
    assert (results[0].ok, results[0].error_code, results[0].retryable) == (
        False,
        "UNABLE_TO_LOCK_ROW",
        True,
    )
