"""The standard objects the integration touches (Account, Contact, Opportunity,
Task), merged with the custom fields, value sets and validation rules read
from the SFDX metadata in ``deploy/salesforce``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from emulators.salesforce.ids import KEY_PREFIXES
from emulators.salesforce.metadata import load_metadata
from emulators.salesforce.schema import FieldDef, ObjectDef
from emulators.salesforce.users import organization_object, user_object

OPPORTUNITY_STAGES: tuple[tuple[str, int, bool, bool], ...] = (
    # (value, probability, closed, won) — the standard sales process of a new org.
    ("Prospecting", 10, False, False),
    ("Qualification", 10, False, False),
    ("Needs Analysis", 20, False, False),
    ("Value Proposition", 50, False, False),
    ("Id. Decision Makers", 60, False, False),
    ("Perception Analysis", 70, False, False),
    ("Proposal/Price Quote", 75, False, False),
    ("Negotiation/Review", 90, False, False),
    ("Closed Won", 100, True, True),
    ("Closed Lost", 0, True, False),
)
TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")


def _ro(*args: Any, **kwargs: Any) -> FieldDef:
    """A field the API never writes (system and formula fields)."""
    kwargs.update(createable=False, updateable=False)
    return FieldDef(*args, **kwargs)


def _system_fields(obj: ObjectDef) -> None:
    obj.add(_ro("Id", "id", "Record ID", 18, nillable=False, id_lookup=True))
    obj.add(_ro("IsDeleted", "boolean", "Deleted", nillable=False))


def _audit_fields(obj: ObjectDef) -> None:
    user = ("User",)
    obj.add(
        FieldDef(
            "OwnerId",
            "reference",
            "Owner ID",
            18,
            nillable=False,
            defaulted_on_create=True,
            reference_to=user,
            relationship_name="Owner",
        )
    )
    obj.add(_ro("CreatedDate", "datetime", "Created Date", nillable=False))
    obj.add(
        _ro(
            "CreatedById",
            "reference",
            "Created By ID",
            18,
            nillable=False,
            reference_to=user,
            relationship_name="CreatedBy",
        )
    )
    obj.add(_ro("LastModifiedDate", "datetime", "Last Modified Date", nillable=False))
    obj.add(
        _ro(
            "LastModifiedById",
            "reference",
            "Last Modified By ID",
            18,
            nillable=False,
            reference_to=user,
            relationship_name="LastModifiedBy",
        )
    )
    obj.add(_ro("SystemModstamp", "datetime", "System Modstamp", nillable=False))


def _account() -> ObjectDef:
    obj = ObjectDef("Account", "Account", "Accounts", KEY_PREFIXES["Account"])
    _system_fields(obj)
    obj.add(FieldDef("Name", "string", "Account Name", 255, nillable=False, id_lookup=True))
    obj.add(
        FieldDef(
            "Type",
            "picklist",
            "Account Type",
            255,
            picklist=("Prospect", "Customer - Direct", "Customer - Channel", "Other"),
        )
    )
    obj.add(
        FieldDef(
            "ParentId",
            "reference",
            "Parent Account ID",
            18,
            reference_to=("Account",),
            relationship_name="Parent",
        )
    )
    obj.add(FieldDef("Industry", "picklist", "Industry", 255, picklist=()))
    obj.add(FieldDef("AnnualRevenue", "currency", "Annual Revenue"))
    obj.add(FieldDef("NumberOfEmployees", "int", "Employees"))
    obj.add(FieldDef("Website", "url", "Website", 255))
    obj.add(FieldDef("Phone", "phone", "Account Phone", 40))
    obj.add(FieldDef("Description", "textarea", "Account Description", 32000))
    _audit_fields(obj)
    return obj


def _contact() -> ObjectDef:
    obj = ObjectDef("Contact", "Contact", "Contacts", KEY_PREFIXES["Contact"])
    _system_fields(obj)
    obj.add(
        FieldDef(
            "AccountId",
            "reference",
            "Account ID",
            18,
            reference_to=("Account",),
            relationship_name="Account",
        )
    )
    obj.add(FieldDef("FirstName", "string", "First Name", 40))
    obj.add(FieldDef("LastName", "string", "Last Name", 80, nillable=False))
    obj.add(
        FieldDef(
            "Name", "string", "Full Name", 121, nillable=False, createable=False, updateable=False
        )
    )
    obj.add(FieldDef("Title", "string", "Title", 128))
    obj.add(FieldDef("Email", "email", "Email", 80, id_lookup=True))
    obj.add(FieldDef("Phone", "phone", "Business Phone", 40))
    _audit_fields(obj)
    return obj


def _opportunity() -> ObjectDef:
    obj = ObjectDef("Opportunity", "Opportunity", "Opportunities", KEY_PREFIXES["Opportunity"])
    _system_fields(obj)
    obj.add(
        FieldDef(
            "AccountId",
            "reference",
            "Account ID",
            18,
            reference_to=("Account",),
            relationship_name="Account",
        )
    )
    obj.add(FieldDef("Name", "string", "Name", 120, nillable=False))
    obj.add(FieldDef("Description", "textarea", "Description", 32000))
    obj.add(
        FieldDef(
            "StageName",
            "picklist",
            "Stage",
            255,
            nillable=False,
            restricted=True,
            picklist=tuple(s[0] for s in OPPORTUNITY_STAGES),
        )
    )
    obj.add(FieldDef("Amount", "currency", "Amount"))
    obj.add(FieldDef("Probability", "percent", "Probability (%)", defaulted_on_create=True))
    obj.add(FieldDef("CloseDate", "date", "Close Date", nillable=False))
    obj.add(
        FieldDef(
            "Type",
            "picklist",
            "Opportunity Type",
            255,
            restricted=True,
            picklist=(
                "Existing Customer - Upgrade",
                "Existing Customer - Replacement",
                "Existing Customer - Downgrade",
                "New Customer",
            ),
        )
    )
    obj.add(FieldDef("NextStep", "string", "Next Step", 255))
    obj.add(
        FieldDef(
            "LeadSource",
            "picklist",
            "Lead Source",
            255,
            picklist=("Web", "Phone Inquiry", "Partner Referral", "Other"),
        )
    )
    obj.add(
        FieldDef(
            "IsClosed", "boolean", "Closed", nillable=False, createable=False, updateable=False
        )
    )
    obj.add(FieldDef("IsWon", "boolean", "Won", nillable=False, createable=False, updateable=False))
    _audit_fields(obj)
    return obj


def _task() -> ObjectDef:
    obj = ObjectDef("Task", "Task", "Tasks", KEY_PREFIXES["Task"])
    _system_fields(obj)
    obj.add(
        FieldDef(
            "WhoId", "reference", "Name ID", 18, reference_to=("Contact",), relationship_name="Who"
        )
    )
    obj.add(
        FieldDef(
            "WhatId",
            "reference",
            "Related To ID",
            18,
            reference_to=("Account", "Opportunity"),
            relationship_name="What",
        )
    )
    obj.add(FieldDef("Subject", "combobox", "Subject", 255))
    obj.add(FieldDef("ActivityDate", "date", "Due Date Only"))
    obj.add(
        FieldDef(
            "Status",
            "picklist",
            "Status",
            255,
            nillable=False,
            restricted=True,
            defaulted_on_create=True,
            default_value="Not Started",
            picklist=TASK_STATUSES,
        )
    )
    obj.add(
        FieldDef(
            "Priority",
            "picklist",
            "Priority",
            40,
            nillable=False,
            restricted=True,
            defaulted_on_create=True,
            default_value="Normal",
            picklist=("High", "Normal", "Low"),
        )
    )
    obj.add(FieldDef("Description", "textarea", "Description", 32000))
    obj.add(
        FieldDef(
            "IsClosed", "boolean", "Closed", nillable=False, createable=False, updateable=False
        )
    )
    _audit_fields(obj)
    return obj


# Custom fields on Activity apply to Task (and Event), as in a real org.
_METADATA_OBJECT_ALIASES = {"Activity": ("Task",)}


def build_schema(metadata_dir: Path) -> dict[str, ObjectDef]:
    standard = (_account(), _contact(), _opportunity(), _task(), user_object())
    objects = {o.name: o for o in (*standard, organization_object())}
    meta = load_metadata(metadata_dir)
    for meta_object, fdefs in meta.fields.items():
        for target in _METADATA_OBJECT_ALIASES.get(meta_object, (meta_object,)):
            if target in objects:
                for fdef in fdefs:
                    objects[target].add(fdef)
    for meta_object, rules in meta.validation_rules.items():
        if meta_object in objects:
            objects[meta_object].validation_rules.extend(r for r in rules if r.active)
    opp = objects["Opportunity"]
    if "OpportunityType" in meta.value_sets:
        opp.add(replace(opp.fields["Type"], picklist=meta.value_sets["OpportunityType"]))
    if "OpportunityStage" in meta.value_sets:
        opp.add(replace(opp.fields["StageName"], picklist=meta.value_sets["OpportunityStage"]))
    return objects


def default_metadata_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "deploy" / "salesforce"
