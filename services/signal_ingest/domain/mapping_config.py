"""Vendor mapping configuration (YAML), validated at load.

A mapping turns one vendor record (a ChurnZero action, a Gainsight "Call
External API" body) into one canonical event: where the envelope fields are,
which canonical type each vendor event name becomes, and how to fill ``data``
field by field. See ``services/signal_ingest/mappings/README.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.messages.inbound import (
    EVENT_TYPES,
    SOURCES,
    AccountEscalationData,
    AccountNoteData,
    AccountProfileData,
    AccountRenewalData,
    AccountStakeholderData,
    TicketData,
    UsageMetricData,
    UsageWorkaroundData,
)

from .catalog import format_errors

DATA_MODELS: dict[str, type[BaseModel]] = {
    "usage.metric": UsageMetricData,
    "usage.workaround": UsageWorkaroundData,
    "ticket.opened": TicketData,
    "ticket.closed": TicketData,
    "account.profile": AccountProfileData,
    "account.renewal": AccountRenewalData,
    "account.escalation": AccountEscalationData,
    "account.stakeholder": AccountStakeholderData,
    "account.note": AccountNoteData,
}
PROFILE_FIELDS = ("name", "csm_owner", "ae_owner", "health")
Coercion = Literal["str", "number", "int", "bool", "date", "datetime", "list"]


class MappingError(ValueError):
    """The mapping file is missing, not YAML, or fails validation."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class FieldSpec(_Strict):
    """How to fill one canonical field: ``from`` a (dotted) path of the vendor
    record, or a ``const``. ``values`` maps vendor values (case-insensitive);
    ``as`` coerces; a ``default`` makes the field optional."""

    source: str | None = Field(default=None, alias="from", min_length=1)
    const: Any = None
    as_: Coercion | None = Field(default=None, alias="as")
    values: dict[str, Any] | None = None
    default: Any = None

    @model_validator(mode="after")
    def _one_origin(self) -> FieldSpec:
        if (self.source is not None) == self.has_const:
            raise ValueError("give exactly one of 'from' or 'const'")
        return self

    @property
    def has_const(self) -> bool:
        return "const" in self.model_fields_set

    @property
    def optional(self) -> bool:
        return "default" in self.model_fields_set


class EventRule(_Strict):
    type: str
    data: dict[str, FieldSpec] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known(self) -> EventRule:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"unknown canonical type {self.type!r}")
        fields = DATA_MODELS[self.type].model_fields
        for key in self.data:
            top = key.split(".", 1)[0]
            if top not in fields:
                raise ValueError(f"data.{key}: {self.type} has no field {top!r}")
        for key in self.data:
            if any(other.startswith(key + ".") for other in self.data):
                raise ValueError(f"data.{key}: is both a value and a parent of other fields")
        return self


class AttributeRule(_Strict):
    """ChurnZero ``setAttribute`` on an Account -> one account.profile field."""

    field: Literal["name", "csm_owner", "ae_owner", "health"]
    values: dict[str, Any] | None = None


class EnvelopeFields(_Strict):
    """Paths tried in order for each envelope field of a vendor record."""

    account_id: list[str] = Field(min_length=1)
    event_name: list[str] = Field(min_length=1)
    occurred_at: list[str] = Field(default_factory=list)
    id: list[str] = Field(default_factory=list)


class VendorMapping(_Strict):
    version: int = 1
    vendor: Literal["churnzero", "gainsight"]
    source: str
    id_prefix: str = Field(min_length=1, max_length=20, pattern=r"^[a-z0-9-]+$")
    naive_dates: Literal["utc", "reject"] = "utc"
    max_items: int = Field(default=1000, ge=1, le=10_000)
    fields: EnvelopeFields
    events: dict[str, EventRule] = Field(default_factory=dict)
    account_attributes: dict[str, AttributeRule] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _source(self) -> VendorMapping:
        if self.source not in SOURCES:
            raise ValueError(f"source: must be one of {list(SOURCES)}")
        return self

    def rule_for(self, event_name: str) -> EventRule | None:
        rule = self.events.get(event_name)
        if rule is not None:
            return rule
        folded = event_name.strip().casefold()
        for name, candidate in self.events.items():
            if name.casefold() == folded:
                return candidate
        return None

    def attribute_for(self, name: str) -> AttributeRule | None:
        folded = name.strip().casefold()
        for key, rule in self.account_attributes.items():
            if key.casefold() == folded:
                return rule
        return None


def parse_mapping(raw: object) -> VendorMapping:
    if not isinstance(raw, dict):
        raise MappingError("mapping: the top level must be a mapping")
    try:
        return VendorMapping.model_validate(raw)
    except ValidationError as exc:
        raise MappingError(format_errors("mapping", exc)) from exc


def load_mapping(path: str | Path) -> VendorMapping:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"mapping {path}: cannot read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise MappingError(f"mapping {path}: not valid YAML ({exc})") from exc
    try:
        return parse_mapping(raw)
    except MappingError as exc:
        raise MappingError(f"{path}: {exc}") from exc
