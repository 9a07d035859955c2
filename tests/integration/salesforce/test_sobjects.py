"""sObject create/get/update/delete/upsert with real status codes and bodies."""

from __future__ import annotations

import re

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from tests.integration.salesforce.conftest import opportunity

# What the org's validation rule asks of a cross-sell Opportunity at a late stage.
CROSS_SELL_REQUIRED = {
    "Signal_Source__c": "Gainsight",
    "Executive_Sponsor_Name__c": "Dana Reyes",
    "Executive_Sponsor_Title__c": "VP Operations",
    "Discovery_Answer_1__c": "Seats run out monthly",
    "Discovery_Answer_2__c": "Budget in Q3",
    "Discovery_Answer_3__c": "Ops lead decides",
}
SF_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")


def test_create_get_update_delete_roundtrip(sf: Salesforce, uid: str) -> None:
    created = sf.Opportunity.create(
        opportunity(f"crud-{uid}", Type="Cross-Sell", Amount=4200, **CROSS_SELL_REQUIRED)
    )
    assert created["success"] is True and created["errors"] == []
    assert re.fullmatch(r"006[A-Za-z0-9]{15}", created["id"])

    record = sf.Opportunity.get(created["id"])
    assert record["attributes"] == {
        "type": "Opportunity",
        "url": f"/services/data/v59.0/sobjects/Opportunity/{created['id']}",
    }
    assert record["Type"] == "Cross-Sell" and record["Amount"] == 4200.0
    for name in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
        assert SF_DATETIME.match(record[name]), record[name]
    assert record["CreatedById"].startswith("005") and record["OwnerId"] == record["CreatedById"]

    assert sf.Opportunity.update(created["id"], {"StageName": "Closed Won"}) == 204
    updated = sf.Opportunity.get(created["id"])
    assert (updated["StageName"], updated["IsClosed"], updated["IsWon"]) == (
        "Closed Won",
        True,
        True,
    )

    assert sf.Opportunity.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound) as again:
        sf.Opportunity.delete(created["id"])
    assert again.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"
    with pytest.raises(SalesforceResourceNotFound):
        sf.Opportunity.get(created["id"])


def test_get_unknown_id_is_404_not_found(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Opportunity.get("006000000000000AAA")
    assert info.value.content[0]["errorCode"] == "NOT_FOUND"


def test_upsert_reports_created_then_updated(sf: Salesforce, uid: str) -> None:
    path = f"Cross_Sell_Play_Id__c/play-{uid}"
    first = sf.Opportunity.upsert(path, opportunity(f"up-{uid}"), raw_response=True)
    assert first.status_code == 201
    assert first.json()["created"] is True and first.json()["success"] is True
    second = sf.Opportunity.upsert(path, {"StageName": "Qualification"}, raw_response=True)
    assert second.status_code == 200
    assert second.json() == {
        "id": first.json()["id"],
        "success": True,
        "errors": [],
        "created": False,
    }
    fetched = sf.Opportunity.get_by_custom_id("Cross_Sell_Play_Id__c", f"play-{uid}")
    assert fetched["StageName"] == "Qualification"


def test_upsert_with_several_matches_is_300(sf: Salesforce, uid: str) -> None:
    # Crosssell_Account_Id__c is an external id but not unique: duplicates are legal.
    ids = [
        sf.Account.create({"Name": f"dup-{uid}-{i}", "Crosssell_Account_Id__c": f"acct-{uid}"})[
            "id"
        ]
        for i in range(2)
    ]
    with pytest.raises(SalesforceMoreThanOneRecord) as info:
        sf.Account.upsert(f"Crosssell_Account_Id__c/acct-{uid}", {"Name": "x"})
    assert info.value.status == 300
    assert sorted(url.rsplit("/", 1)[1] for url in info.value.content) == sorted(ids)


def test_upsert_by_unknown_field_is_404(sf: Salesforce, uid: str) -> None:
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Opportunity.upsert(f"No_Such_Field__c/{uid}", opportunity("x"))
    assert info.value.content[0]["errorCode"] == "NOT_FOUND"


def test_unknown_field_is_invalid_field(sf: Salesforce, uid: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Opportunity.create(opportunity(f"bad-{uid}", Bogus__c="x"))
    error = info.value.content[0]
    assert error["errorCode"] == "INVALID_FIELD"
    # A record body gets the DML wording; "on entity" is SOQL's (see test_soql).
    assert error["message"] == "No such column 'Bogus__c' on sobject of type Opportunity"


def test_required_fields_are_enforced(sf: Salesforce, uid: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Opportunity.create({"Name": f"req-{uid}"})
    error = info.value.content[0]
    assert error["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert sorted(error["fields"]) == ["CloseDate", "StageName"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("StageName", "Almost Won"), ("Type", "Upsell"), ("Signal_Source__c", "Totango")],
)
def test_restricted_picklists_are_enforced(
    sf: Salesforce, uid: str, field: str, value: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Opportunity.create(opportunity(f"pick-{uid}", **{field: value}))
    error = info.value.content[0]
    assert error["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert error["fields"] == [field]


@pytest.mark.parametrize("source", ["Gainsight", "ChurnZero", "Catalyst", "QBR Note"])
def test_signal_source_values_from_metadata_are_accepted(
    sf: Salesforce, uid: str, source: str
) -> None:
    created = sf.Opportunity.create(opportunity(f"src-{uid}", Signal_Source__c=source))
    assert sf.Opportunity.get(created["id"])["Signal_Source__c"] == source


def test_unique_external_id_rejects_duplicates(sf: Salesforce, uid: str) -> None:
    sf.Opportunity.create(opportunity(f"u1-{uid}", Cross_Sell_Play_Id__c=f"uniq-{uid}"))
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Opportunity.create(opportunity(f"u2-{uid}", Cross_Sell_Play_Id__c=f"uniq-{uid}"))
    assert info.value.content[0]["errorCode"] == "DUPLICATE_VALUE"


def test_read_only_and_malformed_values_are_rejected(sf: Salesforce, uid: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Opportunity.create(opportunity(f"ro-{uid}", IsWon=True))
    assert info.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Opportunity.create(opportunity(f"date-{uid}") | {"CloseDate": "31/01/2030"})
    assert info.value.content[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_task_defaults_and_references(sf: Salesforce, uid: str) -> None:
    opp = sf.Opportunity.create(opportunity(f"task-{uid}"))
    task = sf.Task.create(
        {"Subject": "Day-7 review", "WhatId": opp["id"], "Cross_Sell_Task_Key__c": f"{uid}:day7"}
    )
    assert task["id"].startswith("00T")
    record = sf.Task.get(task["id"])
    assert (record["Status"], record["Priority"], record["IsClosed"]) == (
        "Not Started",
        "Normal",
        False,
    )
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Task.create({"Subject": "x", "WhatId": "006000000000000AAA"})
    assert info.value.content[0]["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"


def test_contact_and_account_prefixes(sf: Salesforce, uid: str) -> None:
    account = sf.Account.create({"Name": f"acme-{uid}"})
    contact = sf.Contact.create(
        {"LastName": "Doe", "FirstName": "Jane", "AccountId": account["id"]}
    )
    assert account["id"].startswith("001") and contact["id"].startswith("003")
    assert sf.Contact.get(contact["id"])["Name"] == "Jane Doe"
