"""Object and field definitions shared by describe, validation and SOQL.

Types use the REST describe vocabulary (``string``, ``picklist``, ``date``...)
so every consumer switches on the same names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emulators.salesforce.metadata import ValidationRule

TEXT_TYPES = frozenset(
    {"string", "textarea", "picklist", "email", "phone", "url", "combobox", "id", "reference"}
)
NUMBER_TYPES = frozenset({"double", "currency", "percent", "int"})


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    label: str = ""
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    defaulted_on_create: bool = False
    external_id: bool = False
    unique: bool = False
    case_sensitive: bool = False
    custom: bool = False
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    default_value: str | bool | None = None
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    id_lookup: bool = False

    @property
    def required_on_create(self) -> bool:
        return not self.nillable and self.createable and not self.defaulted_on_create

    @property
    def indexed(self) -> bool:
        """Fields the store keeps a value index for (upsert keys and unique fields)."""
        return self.external_id or self.unique


@dataclass
class ObjectDef:
    name: str
    label: str
    label_plural: str
    key_prefix: str
    fields: dict[str, FieldDef] = field(default_factory=dict)
    validation_rules: list[ValidationRule] = field(default_factory=list)
    _lower: dict[str, str] = field(default_factory=dict)
    _relationships: dict[str, FieldDef] = field(default_factory=dict)

    def add(self, fdef: FieldDef) -> None:
        self.fields[fdef.name] = fdef
        self._lower[fdef.name.lower()] = fdef.name
        if fdef.relationship_name:
            self._relationships[fdef.relationship_name.lower()] = fdef

    def field(self, name: str) -> FieldDef | None:
        canonical = self._lower.get(name.lower())
        return self.fields[canonical] if canonical else None

    def relationship(self, name: str) -> FieldDef | None:
        return self._relationships.get(name.lower())

    @property
    def indexed_fields(self) -> list[FieldDef]:
        return [f for f in self.fields.values() if f.indexed]
