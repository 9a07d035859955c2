"""Reads SFDX source metadata (``deploy/salesforce``): custom fields, standard
value sets and validation rules. One source of truth for the org and the
emulator: a field added to the metadata shows up in describe and validation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import ElementTree

from emulators.salesforce.schema import FieldDef

_NS = "{http://soap.sforce.com/2006/04/metadata}"

# SFDX field type -> (describe type, default length)
_TYPE_MAP = {
    "Text": ("string", 255),
    "TextArea": ("textarea", 255),
    "LongTextArea": ("textarea", 32768),
    "Html": ("textarea", 32768),
    "Picklist": ("picklist", 255),
    "Date": ("date", 0),
    "DateTime": ("datetime", 0),
    "Number": ("double", 0),
    "Currency": ("currency", 0),
    "Percent": ("percent", 0),
    "Checkbox": ("boolean", 0),
    "Email": ("email", 80),
    "Phone": ("phone", 40),
    "Url": ("url", 255),
    "Lookup": ("reference", 18),
}


@dataclass(frozen=True)
class ValidationRule:
    name: str
    active: bool
    formula: str
    message: str
    display_field: str | None


@dataclass
class Metadata:
    fields: dict[str, list[FieldDef]] = field(default_factory=lambda: defaultdict(list))
    value_sets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    validation_rules: dict[str, list[ValidationRule]] = field(
        default_factory=lambda: defaultdict(list)
    )


def _text(node: Any, tag: str, default: str = "") -> str:
    child = node.find(_NS + tag)
    return child.text.strip() if child is not None and child.text else default


def _flag(node: Any, tag: str) -> bool:
    return _text(node, tag, "false").lower() == "true"


def _parse_field(path: Path) -> FieldDef:
    root = ElementTree.parse(path).getroot()
    sfdx_type = _text(root, "type")
    if sfdx_type not in _TYPE_MAP:
        raise ValueError(f"{path}: field type {sfdx_type!r} is not supported by the emulator")
    describe_type, default_length = _TYPE_MAP[sfdx_type]
    values: list[str] = []
    restricted = False
    value_set = root.find(_NS + "valueSet")
    if value_set is not None:
        restricted = _flag(value_set, "restricted")
        for value in value_set.iter(_NS + "value"):
            values.append(_text(value, "fullName"))
    reference_to = _text(root, "referenceTo")
    name = _text(root, "fullName") or path.name.split(".")[0]
    checkbox_default = _text(root, "defaultValue", "false").lower() == "true"
    return FieldDef(
        name=name,
        type=describe_type,
        label=_text(root, "label", name),
        length=int(_text(root, "length", str(default_length))),
        nillable=describe_type != "boolean" and not _flag(root, "required"),
        defaulted_on_create=describe_type == "boolean",
        default_value=checkbox_default if describe_type == "boolean" else None,
        external_id=_flag(root, "externalId"),
        unique=_flag(root, "unique"),
        case_sensitive=_flag(root, "caseSensitive"),
        custom=True,
        picklist=tuple(values),
        restricted=restricted,
        reference_to=(reference_to,) if reference_to else (),
        relationship_name=name[:-3] + "__r" if reference_to else None,
        id_lookup=_flag(root, "externalId") or _flag(root, "unique"),
    )


def _parse_value_set(path: Path) -> tuple[str, ...]:
    root = ElementTree.parse(path).getroot()
    return tuple(_text(v, "fullName") for v in root.iter(_NS + "standardValue"))


def _parse_rule(path: Path) -> ValidationRule:
    root = ElementTree.parse(path).getroot()
    return ValidationRule(
        name=_text(root, "fullName") or path.name.split(".")[0],
        active=_flag(root, "active"),
        formula=_text(root, "errorConditionFormula"),
        message=_text(root, "errorMessage"),
        display_field=_text(root, "errorDisplayField") or None,
    )


def load_metadata(root: Path) -> Metadata:
    """Load every supported component under ``root`` (an SFDX project)."""
    if not root.is_dir():
        raise FileNotFoundError(f"Salesforce metadata directory not found: {root}")
    meta = Metadata()
    for path in sorted(root.rglob("*.field-meta.xml")):
        meta.fields[path.parent.parent.name].append(_parse_field(path))
    for path in sorted(root.rglob("*.standardValueSet-meta.xml")):
        meta.value_sets[path.name.split(".")[0]] = _parse_value_set(path)
    for path in sorted(root.rglob("*.validationRule-meta.xml")):
        meta.validation_rules[path.parent.parent.name].append(_parse_rule(path))
    return meta
