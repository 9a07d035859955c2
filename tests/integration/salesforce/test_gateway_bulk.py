"""The gateway's Bulk API 2.0 upsert, held to one contract on the fake and the real adapter.

A job costs a fixed handful of calls, every record gets its result in input
order, rows the org refused are reported with Salesforce's error, rows it
failed transiently are retried until they land — none is lost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from emulators.salesforce.server import EmulatorServer
from tests.integration.salesforce.conftest import AdminClient
from tests.integration.salesforce.gateway_harness import Harness, build

EXT = "Cross_Sell_Play_Id__c"
CALLS_PER_JOB = 6  # create, upload, close, poll, successfulResults, failedResults


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
        "Amount": 1000.5,
        **extra,
    }


async def _stored(harness: Harness, uid: str) -> dict[str, dict[str, Any]]:
    rows = await harness.gateway.query(
        f"SELECT Id, {EXT}, StageName, Amount, Executive_Sponsor_Name__c FROM Opportunity "
        f"WHERE {EXT} LIKE '{uid}-%'"
    )
    return {r[EXT]: r for r in rows}


async def test_bulk_upsert_creates_then_updates_in_one_job_each(harness: Harness, uid: str) -> None:
    gw = harness.gateway
    await gw.query("SELECT Id FROM Account LIMIT 1")  # authenticate outside the count
    before = harness.control.used()
    records = [opp(f"{uid}-{i:04d}") for i in range(450)]
    first = await gw.bulk_upsert("Opportunity", EXT, records)
    assert harness.control.used() - before == CALLS_PER_JOB
    assert [r.key for r in first] == [r[EXT] for r in records]
    assert all(r.ok and r.created and (r.id or "").startswith("006") for r in first)

    changed = [opp(f"{uid}-{i:04d}", StageName="Qualification", Amount=None) for i in range(3)]
    second = await gw.bulk_upsert("Opportunity", EXT, changed)
    assert [(r.ok, r.created, r.id) for r in second] == [(True, False, r.id) for r in first[:3]]
    stored = await _stored(harness, uid)
    assert len(stored) == 450
    assert (stored[f"{uid}-0000"]["StageName"], stored[f"{uid}-0000"]["Amount"]) == (
        "Qualification",
        None,  # "#N/A" in the CSV: set to null
    )
    assert stored[f"{uid}-0449"]["Amount"] == 1000.5


async def test_bulk_job_with_failed_rows_reports_each_and_keeps_the_rest(
    harness: Harness, uid: str
) -> None:
    records = [
        opp(f"{uid}-ok1"),
        {EXT: f"{uid}-no-name", "StageName": "Prospecting", "CloseDate": "2030-01-01"},
        opp(f"{uid}-bad-pick", Signal_Source__c="Totango"),
        opp(f"{uid}-gate", StageName="Closed Won"),  # the org's validation rule refuses it
        opp(f"{uid}-ok2", Executive_Sponsor_Name__c='Dana, "D" Reyes'),
    ]
    results = await harness.gateway.bulk_upsert("Opportunity", EXT, records)
    assert [r.key for r in results] == [r[EXT] for r in records]
    assert [r.ok for r in results] == [True, False, False, False, True]
    assert [r.error_code for r in results[1:4]] == [
        "REQUIRED_FIELD_MISSING",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
    ]
    assert results[1].fields == ("Name",) and results[2].fields == ("Signal_Source__c",)
    assert results[3].message and "cross-sell opportunity needs" in results[3].message
    assert not any(r.retryable for r in results)
    stored = await _stored(harness, uid)
    assert sorted(stored) == [f"{uid}-ok1", f"{uid}-ok2"]
    assert stored[f"{uid}-ok2"]["Executive_Sponsor_Name__c"] == 'Dana, "D" Reyes'


async def test_bulk_rows_failed_by_lock_contention_are_retried_not_lost(
    harness: Harness, uid: str
) -> None:
    await harness.gateway.query("SELECT Id FROM Account LIMIT 1")  # authenticate first
    before = harness.control.used()
    harness.control.add_fault("lock_record", count=3)
    records = [opp(f"{uid}-{i}") for i in range(10)]
    results = await harness.gateway.bulk_upsert("Opportunity", EXT, records)
    assert [(r.ok, r.key) for r in results] == [(True, r[EXT]) for r in records]
    # The job, then one Collections call for the three rows the job failed with a lock.
    assert harness.control.used() - before == CALLS_PER_JOB + 1
    assert len(await _stored(harness, uid)) == 10


async def test_bulk_survives_transient_call_failures(harness: Harness, uid: str) -> None:
    harness.control.add_fault("status", count=1, status=503)
    harness.control.add_fault("lock", count=1)
    results = await harness.gateway.bulk_upsert("Opportunity", EXT, [opp(f"{uid}-t")])
    assert results[0].ok and results[0].created


async def test_bulk_upsert_counts_against_usage_like_any_call(harness: Harness, uid: str) -> None:
    gw = harness.gateway
    await gw.bulk_upsert("Opportunity", EXT, [opp(f"{uid}-u")])
    usage = gw.usage()
    assert usage is not None and usage.used == harness.control.used()
