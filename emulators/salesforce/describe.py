"""Describe payloads (``sobjects/``, ``sobjects/X/``, ``sobjects/X/describe``).

Only the keys clients commonly read are produced; custom fields come straight
from the ``deploy/salesforce`` metadata via the schema.
"""

from __future__ import annotations

from typing import Any

from emulators.salesforce.schema import NUMBER_TYPES, FieldDef, ObjectDef


def _urls(obj: ObjectDef, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {
        "sobject": base,
        "describe": f"{base}/describe",
        "rowTemplate": f"{base}/{{ID}}",
    }


def object_summary(obj: ObjectDef, version: str) -> dict[str, Any]:
    return {
        "name": obj.name,
        "label": obj.label,
        "labelPlural": obj.label_plural,
        "keyPrefix": obj.key_prefix,
        "custom": False,
        "createable": True,
        "updateable": True,
        "deletable": True,
        "queryable": True,
        "searchable": True,
        "retrieveable": True,
        "layoutable": True,
        "urls": _urls(obj, version),
    }


def global_describe(objects: list[ObjectDef], version: str) -> dict[str, Any]:
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [object_summary(o, version) for o in objects],
    }


def _field(fdef: FieldDef) -> dict[str, Any]:
    numeric = fdef.type in NUMBER_TYPES
    return {
        "name": fdef.name,
        "label": fdef.label or fdef.name,
        "type": fdef.type,
        "soapType": _soap_type(fdef),
        "length": fdef.length if not numeric else 0,
        "precision": 18 if numeric else 0,
        "scale": 2 if fdef.type in ("currency", "double", "percent") else 0,
        "nillable": fdef.nillable,
        "createable": fdef.createable,
        "updateable": fdef.updateable,
        "defaultedOnCreate": fdef.defaulted_on_create,
        "defaultValue": fdef.default_value,
        "custom": fdef.custom,
        "externalId": fdef.external_id,
        "unique": fdef.unique,
        "caseSensitive": fdef.case_sensitive,
        "idLookup": fdef.id_lookup,
        "filterable": True,
        "sortable": fdef.type != "textarea" or fdef.length <= 255,
        "calculated": False,
        "restrictedPicklist": fdef.restricted,
        "picklistValues": [
            {
                "active": True,
                "defaultValue": v == fdef.default_value,
                "label": v,
                "validFor": None,
                "value": v,
            }
            for v in fdef.picklist
        ],
        "referenceTo": list(fdef.reference_to),
        "relationshipName": fdef.relationship_name,
    }


_SOAP = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
}


def _soap_type(fdef: FieldDef) -> str:
    return _SOAP.get(fdef.type, "xsd:string")


def describe(obj: ObjectDef, version: str) -> dict[str, Any]:
    out = object_summary(obj, version)
    out.update(
        fields=[_field(f) for f in obj.fields.values()],
        childRelationships=[],
        recordTypeInfos=[],
    )
    return out
