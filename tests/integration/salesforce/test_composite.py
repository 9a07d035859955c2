"""Composite API: references between subrequests, allOrNone, one API call."""

from __future__ import annotations

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tests.integration.salesforce.conftest import AdminClient, opportunity

V = "/services/data/v59.0"


def test_references_flow_between_subrequests(sf: Salesforce, uid: str, admin: AdminClient) -> None:
    used = admin.usage()["used"]
    answer = sf.restful(
        "composite",
        method="POST",
        json={
            "allOrNone": True,
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Account",
                    "referenceId": "acct",
                    "body": {"Name": f"comp-{uid}"},
                },
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Opportunity",
                    "referenceId": "opp",
                    "body": opportunity(f"comp-{uid}", AccountId="@{acct.id}"),
                },
                {
                    "method": "GET",
                    "url": f"{V}/sobjects/Opportunity/@{{opp.id}}",
                    "referenceId": "read",
                },
                {
                    "method": "GET",
                    "referenceId": "q",
                    "url": f"{V}/query?q=SELECT+Id+FROM+Account+WHERE+Name='comp-{uid}'",
                },
                {
                    "method": "PATCH",
                    "url": f"{V}/sobjects/Account/@{{q.records[0].Id}}",
                    "referenceId": "touch",
                    "body": {"Phone": "555"},
                },
            ],
        },
    )
    assert admin.usage()["used"] - used == 1
    responses = {r["referenceId"]: r for r in answer["compositeResponse"]}
    assert [r["httpStatusCode"] for r in answer["compositeResponse"]] == [201, 201, 200, 200, 204]
    acct_id = responses["acct"]["body"]["id"]
    assert responses["read"]["body"]["AccountId"] == acct_id
    assert responses["touch"]["body"] is None
    assert sf.Account.get(acct_id)["Phone"] == "555"


def test_all_or_none_failure_halts_and_rolls_back(sf: Salesforce, uid: str) -> None:
    answer = sf.restful(
        "composite",
        method="POST",
        json={
            "allOrNone": True,
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Account",
                    "referenceId": "a",
                    "body": {"Name": f"halt-{uid}"},
                },
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Opportunity",
                    "referenceId": "o",
                    "body": {"Name": "missing stage"},
                },
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Account",
                    "referenceId": "b",
                    "body": {"Name": f"halt-{uid}-b"},
                },
            ],
        },
    )
    out = answer["compositeResponse"]
    assert [r["httpStatusCode"] for r in out] == [400, 400, 400]
    assert out[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert out[0]["body"][0]["errorCode"] == out[2]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    found = sf.query(f"SELECT COUNT() FROM Account WHERE Name LIKE 'halt-{uid}%'")
    assert found["totalSize"] == 0


def test_without_all_or_none_a_bad_reference_only_fails_its_dependant(
    sf: Salesforce, uid: str
) -> None:
    answer = sf.restful(
        "composite",
        method="POST",
        json={
            "allOrNone": False,
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Opportunity",
                    "referenceId": "bad",
                    "body": {"Name": "no stage"},
                },
                {
                    "method": "GET",
                    "url": f"{V}/sobjects/Opportunity/@{{bad.id}}",
                    "referenceId": "dependant",
                },
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Account",
                    "referenceId": "ok",
                    "body": {"Name": f"partial-{uid}"},
                },
            ],
        },
    )
    out = answer["compositeResponse"]
    assert [r["httpStatusCode"] for r in out] == [400, 400, 201]
    assert out[1]["body"][0]["errorCode"] == "PROCESSING_HALTED"


def test_more_than_25_subrequests_is_rejected(sf: Salesforce) -> None:
    subs = [{"method": "GET", "url": f"{V}/limits", "referenceId": f"r{i}"} for i in range(26)]
    with pytest.raises(SalesforceMalformedRequest):
        sf.restful("composite", method="POST", json={"compositeRequest": subs})
