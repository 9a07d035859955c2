"""sObject Collections through sf.restful (simple-salesforce has no helper for them)."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tests.integration.salesforce.conftest import AdminClient, opportunity

ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"


def _opp(name: str, **extra: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Opportunity"}, **opportunity(name, **extra)}


def _count(sf: Salesforce, like: str) -> int:
    return int(sf.query(f"SELECT COUNT() FROM Opportunity WHERE Name LIKE '{like}'")["totalSize"])


def test_create_partial_success_keeps_order_and_uses_status_code(
    sf: Salesforce, uid: str, admin: AdminClient
) -> None:
    used = admin.usage()["used"]
    records = [
        _opp(f"c-{uid}-0"),
        _opp(f"c-{uid}-1", Bogus__c=1),
        {"attributes": {"type": "Opportunity"}, "Name": f"c-{uid}-2"},
        _opp(f"c-{uid}-3"),
    ]
    results = sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": False, "records": records}
    )
    assert admin.usage()["used"] - used == 1
    assert [r["success"] for r in results] == [True, False, False, True]
    assert results[1]["errors"][0]["statusCode"] == "INVALID_FIELD"
    assert results[2]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert "errorCode" not in results[2]["errors"][0]
    assert _count(sf, f"c-{uid}-%") == 2


def test_all_or_none_rolls_everything_back(sf: Salesforce, uid: str) -> None:
    records = [_opp(f"r-{uid}-0"), _opp(f"r-{uid}-1", StageName="Nope"), _opp(f"r-{uid}-2")]
    results = sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": True, "records": records}
    )
    codes = [r["errors"][0]["statusCode"] for r in results]
    assert codes == [ROLLED_BACK, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ROLLED_BACK]
    assert not any(r["success"] for r in results)
    assert _count(sf, f"r-{uid}-%") == 0


def test_update_and_delete_collections(sf: Salesforce, uid: str) -> None:
    created = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"allOrNone": True, "records": [_opp(f"u-{uid}-{i}") for i in range(3)]},
    )
    ids = [r["id"] for r in created]
    updates = [
        {"attributes": {"type": "Opportunity"}, "id": i, "Id": i, "StageName": "Qualification"}
        for i in ids
    ]
    updates[1]["Amount"] = "not a number"
    results = sf.restful(
        "composite/sobjects", method="PATCH", json={"allOrNone": True, "records": updates}
    )
    assert [r["id"] for r in results] == ids
    assert results[0]["errors"][0]["statusCode"] == ROLLED_BACK
    assert sf.Opportunity.get(ids[0])["StageName"] == "Prospecting"

    del updates[1]["Amount"]
    results = sf.restful(
        "composite/sobjects", method="PATCH", json={"allOrNone": True, "records": updates}
    )
    assert all(r["success"] for r in results)
    assert sf.Opportunity.get(ids[2])["StageName"] == "Qualification"

    deleted = sf.restful(
        "composite/sobjects", method="DELETE", params={"ids": ",".join(ids), "allOrNone": "false"}
    )
    assert [r["success"] for r in deleted] == [True, True, True]
    again = sf.restful("composite/sobjects", method="DELETE", params={"ids": ids[0]})
    assert again[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"


def test_upsert_collection_created_flags_and_duplicates(sf: Salesforce, uid: str) -> None:
    path = "composite/sobjects/Opportunity/Cross_Sell_Play_Id__c"
    records = [_opp(f"x-{uid}-{i}", Cross_Sell_Play_Id__c=f"{uid}-{i}") for i in range(3)]
    first = sf.restful(path, method="PATCH", json={"allOrNone": False, "records": records})
    assert [r["created"] for r in first] == [True, True, True]
    records[0]["StageName"] = "Qualification"
    records.append(_opp(f"x-{uid}-dup", Cross_Sell_Play_Id__c=f"{uid}-9"))
    records.append(_opp(f"x-{uid}-dup2", Cross_Sell_Play_Id__c=f"{uid}-9"))
    second = sf.restful(path, method="PATCH", json={"allOrNone": False, "records": records})
    assert [r.get("created") for r in second[:3]] == [False, False, False]
    assert [r["id"] for r in second[:3]] == [r["id"] for r in first]
    assert [r["errors"][0]["statusCode"] for r in second[3:]] == ["DUPLICATE_EXTERNAL_ID"] * 2
    assert sf.Opportunity.get(first[0]["id"])["StageName"] == "Qualification"


def test_more_than_200_records_is_rejected_whole(sf: Salesforce, uid: str) -> None:
    records = [_opp(f"big-{uid}-{i}") for i in range(201)]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.restful(
            "composite/sobjects", method="POST", json={"allOrNone": False, "records": records}
        )
    assert isinstance(info.value.content, list)
    assert info.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    assert _count(sf, f"big-{uid}-%") == 0


def test_per_record_lock_faults(sf: Salesforce, uid: str, admin: AdminClient) -> None:
    admin.add_fault("lock_record", count=2)
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"allOrNone": False, "records": [_opp(f"l-{uid}-{i}") for i in range(4)]},
    )
    codes = [r["errors"][0]["statusCode"] if r["errors"] else "OK" for r in results]
    assert codes == ["UNABLE_TO_LOCK_ROW", "UNABLE_TO_LOCK_ROW", "OK", "OK"]
