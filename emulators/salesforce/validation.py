"""Write validation: field values, read-only and unknown fields, references,
unique values, the org's validation rules (on unless switched off), and the
fields Salesforce derives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from emulators.salesforce.errors import SfError, invalid_dml_field, invalid_field
from emulators.salesforce.formula import Context, Expr, compile_formula
from emulators.salesforce.ids import object_for_id
from emulators.salesforce.schema import FieldDef, ObjectDef
from emulators.salesforce.standard_objects import OPPORTUNITY_STAGES
from emulators.salesforce.values import coerce

if TYPE_CHECKING:
    from emulators.salesforce.store import Record, Store

_STAGE_INFO = {s[0]: s for s in OPPORTUNITY_STAGES}


class Validator:
    def __init__(self, store: Store, enforce_validation_rules: bool) -> None:
        self.store = store
        self.enforce = enforce_validation_rules
        # Users whose edits skip the rules, like holders of a "bypass validation"
        # custom permission in a real org; tests play reps the backstop did not stop.
        self.bypass_users: set[str] = set()
        self._rules: dict[str, list[tuple[Expr, str, str | None]]] = {
            name: [
                (compile_formula(r.formula, _resolver(obj)), r.message, r.display_field)
                for r in obj.validation_rules
            ]
            for name, obj in store.schema.items()
        }

    @contextmanager
    def rules_bypassed(self) -> Iterator[None]:
        """Writes inside skip the validation rules (an in-process edit by such a user)."""
        saved, self.enforce = self.enforce, False
        try:
            yield
        finally:
            self.enforce = saved

    def prepare(self, obj: ObjectDef, body: dict[str, Any], creating: bool) -> Record:
        values: Record = {}
        readonly: list[str] = []
        for key, raw in body.items():
            if key == "attributes":
                continue
            fdef = obj.field(key)
            if fdef is None:
                rel = obj.relationship(key)
                if rel is not None and isinstance(raw, dict):
                    values[rel.name] = self._resolve_foreign_key(rel, raw)
                    continue
                raise invalid_dml_field(obj.name, key)
            if fdef.name == "Id":
                continue
            if not (fdef.createable if creating else fdef.updateable):
                readonly.append(fdef.name)
                continue
            values[fdef.name] = coerce(fdef, raw)
        if readonly:
            raise SfError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(readonly)}. Please check the "
                "security settings of this field and verify that it is read/write for your "
                "profile or permission set.",
                400,
                readonly,
            )
        for name, value in values.items():
            fdef = obj.fields[name]
            if fdef.type == "reference" and value is not None:
                self._check_reference(fdef, value)
        return values

    def _resolve_foreign_key(self, rel: FieldDef, spec: dict[str, Any]) -> str:
        target = self.store.schema.get(rel.reference_to[0]) if rel.reference_to else None
        keys = [k for k in spec if k != "attributes"]
        if target is None or len(keys) != 1 or target.field(keys[0]) is None:
            raise invalid_field(rel.relationship_name or rel.name, ", ".join(keys))
        fdef = target.field(keys[0])
        assert fdef is not None
        matches = self.store.find(target.name, fdef, spec[keys[0]])
        if len(matches) != 1:
            raise SfError(
                "INVALID_FIELD",
                f"Foreign key external ID: {spec[keys[0]]} not found for field {fdef.name} in "
                f"entity {target.name}"
                if not matches
                else f"More than 1 record found for External ID field {fdef.name}: {spec[keys[0]]}",
                400,
                [rel.name],
            )
        return matches[0]

    def _check_reference(self, fdef: FieldDef, value: str) -> None:
        target = object_for_id(value)
        if target is None or target not in fdef.reference_to:
            raise SfError(
                "MALFORMED_ID",
                f"{fdef.label}: id value of incorrect type: {value}",
                400,
                [fdef.name],
            )
        if target in self.store.live and value not in self.store.live[target]:
            raise SfError(
                "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", 400, [fdef.name]
            )

    def check(self, obj: ObjectDef, record: Record, prior: Record | None) -> None:
        for fdef in obj.fields.values():
            if not fdef.unique:
                continue
            value = record.get(fdef.name)
            if value is None or (prior is not None and prior.get(fdef.name) == value):
                continue
            others = [i for i in self.store.find(obj.name, fdef, value) if i != record["Id"]]
            if others:
                raise SfError(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {fdef.name} duplicates value on record with id: "
                    f"{others[0]}",
                )
        if not self.enforce or record.get("LastModifiedById") in self.bypass_users:
            return
        for expr, message, display in self._rules.get(obj.name, ()):
            if expr(Context(record, prior)):
                raise SfError(
                    "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                    message,
                    400,
                    [display] if display else [],
                )

    def derive(self, sobject: str, record: Record, body_values: Record) -> None:
        """Fields Salesforce computes (closed/won flags, probability, full name)."""
        if sobject == "Opportunity":
            _, probability, closed, won = _STAGE_INFO.get(
                record.get("StageName") or "", ("", None, False, False)
            )
            record["IsClosed"], record["IsWon"] = closed, won
            if "StageName" in body_values and "Probability" not in body_values:
                record["Probability"] = float(probability) if probability is not None else None
        elif sobject == "Task":
            record["IsClosed"] = record.get("Status") == "Completed"
        elif sobject == "Contact":
            parts = [record.get("FirstName"), record.get("LastName")]
            record["Name"] = " ".join(p for p in parts if p)


def _resolver(obj: ObjectDef) -> Callable[[str], str]:
    def resolve(name: str) -> str:
        fdef = obj.field(name)
        if fdef is None:
            raise ValueError(f"validation rule refers to unknown field {obj.name}.{name}")
        return fdef.name

    return resolve
