"""Describe answers come from the SFDX metadata in deploy/salesforce."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from defusedxml import ElementTree
from simple_salesforce import Salesforce

from emulators.salesforce.server import EmulatorServer

METADATA = Path(__file__).resolve().parents[3] / "deploy" / "salesforce"
NS = "{http://soap.sforce.com/2006/04/metadata}"


def _metadata_fields(sobject_dir: str) -> dict[str, str]:
    """Field name -> SFDX type, read straight from the shipped metadata."""
    out = {}
    folder = METADATA / "force-app/main/default/objects" / sobject_dir / "fields"
    for path in folder.glob("*.field-meta.xml"):
        root = ElementTree.parse(path).getroot()
        out[root.findtext(NS + "fullName")] = root.findtext(NS + "type")
    return out


SPEC_FIELDS = {
    "Cross_Sell_Play_Id__c",
    "Signal_Source__c",
    "Executive_Sponsor_Name__c",
    "Executive_Sponsor_Title__c",
    "Discovery_Answer_1__c",
    "Discovery_Answer_2__c",
    "Discovery_Answer_3__c",
    "Signal_Type__c",
    "Signal_Evidence__c",
    "Play_State__c",
    "Play_Deadline__c",
    "Cross_Sell_Hygiene__c",
}


def test_metadata_ships_every_spec_field_and_the_validation_rule() -> None:
    assert set(_metadata_fields("Opportunity")) == SPEC_FIELDS
    rule = METADATA / (
        "force-app/main/default/objects/Opportunity/validationRules/"
        "Cross_Sell_Required_Fields.validationRule-meta.xml"
    )
    formula = ElementTree.parse(rule).getroot().findtext(NS + "errorConditionFormula")
    for name in (
        "Signal_Source__c",
        "Executive_Sponsor_Name__c",
        "Executive_Sponsor_Title__c",
        "Discovery_Answer_1__c",
        "Discovery_Answer_2__c",
        "Discovery_Answer_3__c",
    ):
        assert name in formula


def test_opportunity_describe_includes_custom_fields(sf: Salesforce) -> None:
    described = sf.Opportunity.describe()
    assert described["name"] == "Opportunity" and described["keyPrefix"] == "006"
    fields = {f["name"]: f for f in described["fields"]}
    for name in _metadata_fields("Opportunity"):
        assert fields[name]["custom"] is True, name
    play_id = fields["Cross_Sell_Play_Id__c"]
    assert (play_id["externalId"], play_id["unique"], play_id["type"]) == (True, True, "string")
    source = fields["Signal_Source__c"]
    assert source["type"] == "picklist" and source["restrictedPicklist"] is True
    assert [v["value"] for v in source["picklistValues"]] == [
        "Gainsight",
        "ChurnZero",
        "Catalyst",
        "QBR Note",
    ]
    assert "Cross-Sell" in [v["value"] for v in fields["Type"]["picklistValues"]]
    assert fields["Play_Deadline__c"]["type"] == "datetime"
    assert fields["Discovery_Answer_1__c"]["type"] == "textarea"
    for required in ("Name", "StageName", "CloseDate"):
        assert fields[required]["nillable"] is False


@pytest.mark.parametrize(
    ("sobject", "metadata_dir", "prefix"),
    [("Account", "Account", "001"), ("Task", "Activity", "00T"), ("Contact", None, "003")],
)
def test_other_objects_describe(
    sf: Salesforce, sobject: str, metadata_dir: str | None, prefix: str
) -> None:
    described = getattr(sf, sobject).describe()
    assert described["keyPrefix"] == prefix
    names = {f["name"] for f in described["fields"]}
    assert {"Id", "OwnerId", "CreatedDate", "SystemModstamp"} <= names
    if metadata_dir:
        assert set(_metadata_fields(metadata_dir)) <= names


def test_global_describe_and_versions(
    sf: Salesforce, emulator: EmulatorServer, http: requests.Session
) -> None:
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {"Account", "Contact", "Opportunity", "Task"} <= names
    versions = http.get(emulator.base_url + "/services/data/", timeout=5).json()
    assert {"version": "59.0", "url": "/services/data/v59.0", "label": "v59.0"} in versions
    assert sf.restful("")["query"] == "/services/data/v59.0/query"
