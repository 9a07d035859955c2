"""Sforce-Limit-Info, the daily allocation, and injected faults."""

from __future__ import annotations

import time

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from emulators.salesforce.server import EmulatorServer
from tests.integration.salesforce.conftest import AdminClient, fetch_token, opportunity


def test_every_response_carries_sforce_limit_info(
    sf: Salesforce, emulator: EmulatorServer, http: requests.Session, uid: str
) -> None:
    sf.query("SELECT Id FROM Account LIMIT 1")
    usage = sf.api_usage["api-usage"]
    assert usage.total == 10_000_000 and usage.used >= 1
    token = fetch_token(emulator, http)["access_token"]
    ok = http.get(
        f"{emulator.base_url}/services/data/v59.0/limits",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    bad = http.post(
        f"{emulator.base_url}/services/data/v59.0/sobjects/Opportunity",
        headers={"Authorization": f"Bearer {token}"},
        json={"Name": uid},
        timeout=5,
    )
    assert bad.status_code == 400
    for response in (ok, bad):
        used, _, limit = (
            response.headers["Sforce-Limit-Info"].removeprefix("api-usage=").partition("/")
        )
        assert used.isdigit() and limit == "10000000"
    assert ok.json()["DailyApiRequests"]["Max"] == 10_000_000


def test_allocation_exhausted_then_raised(sf: Salesforce, admin: AdminClient) -> None:
    used = admin.usage()["used"]
    admin.set_usage(limit=used + 2)
    sf.query("SELECT Id FROM Account LIMIT 1")
    sf.query("SELECT Id FROM Account LIMIT 1")
    with pytest.raises(SalesforceRefusedRequest) as info:
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert info.value.status == 403
    assert info.value.content == [
        {
            "message": "TotalRequests Limit exceeded.",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
            "fields": [],
        }
    ]
    assert admin.usage()["used"] == used + 2  # refused calls are not counted
    admin.set_usage(limit=used + 10)
    sf.query("SELECT Id FROM Account LIMIT 1")
    assert sf.api_usage["api-usage"].used == used + 3


def test_lock_fault_is_400_json_array(sf: Salesforce, admin: AdminClient, uid: str) -> None:
    admin.add_fault("lock", count=1)
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Opportunity.create(opportunity(f"lock-{uid}"))
    assert info.value.content[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"
    assert sf.Opportunity.create(opportunity(f"lock-{uid}"))["success"]


def test_status_fault_for_n_calls_and_for_a_time_window(sf: Salesforce, admin: AdminClient) -> None:
    admin.add_fault("status", count=2, status=503)
    for _ in range(2):
        with pytest.raises(SalesforceGeneralError) as info:
            sf.query("SELECT Id FROM Account LIMIT 1")
        assert info.value.status == 503
    sf.query("SELECT Id FROM Account LIMIT 1")

    admin.add_fault("status", seconds=0.4, status=500)
    with pytest.raises(SalesforceGeneralError):
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert admin.faults()[0]["hits"] == 1
    time.sleep(0.5)
    sf.query("SELECT Id FROM Account LIMIT 1")
    assert admin.faults() == []


def test_status_fault_after_commit_applies_the_write(
    sf: Salesforce, admin: AdminClient, uid: str
) -> None:
    admin.add_fault("status", count=1, after_commit=True, path_contains="sobjects")
    with pytest.raises(SalesforceGeneralError):
        sf.Opportunity.upsert(f"Cross_Sell_Play_Id__c/ac-{uid}", opportunity(f"ac-{uid}"))
    assert sf.Opportunity.upsert(f"Cross_Sell_Play_Id__c/ac-{uid}", {"Amount": 1}) == 200


def test_latency_and_session_faults(sf: Salesforce, admin: AdminClient) -> None:
    admin.add_fault("latency", count=1, latency_ms=300)
    started = time.monotonic()
    sf.query("SELECT Id FROM Account LIMIT 1")
    assert time.monotonic() - started >= 0.3
    admin.add_fault("session", count=1)
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM Account LIMIT 1")
    sf.query("SELECT Id FROM Account LIMIT 1")  # the token itself is still valid


def test_usage_breakdown_counts_calls_by_kind(sf: Salesforce, admin: AdminClient, uid: str) -> None:
    before = admin.usage()["by_kind"]
    sf.restful(
        "composite/sobjects",
        method="POST",
        json={"records": [{"attributes": {"type": "Account"}, "Name": f"k-{uid}"}]},
    )
    after = admin.usage()["by_kind"]
    assert after["collections"] == before.get("collections", 0) + 1
