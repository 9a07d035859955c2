"""ChurnZero and Gainsight payloads -> canonical events, driven by a mapping.

Never raises on input: any decoded JSON value yields per-item results (an
event dict already validated by ``parse_event``, or a rejection naming the
field), or a single top-level rejection when the body's shape is wrong. An
event name the mapping does not know is rejected, never dropped.

Event ids: the record's own id when the mapping names an id field, else a
hash of the record's content (minus ``appKey``) and its effective time, so a
resend of the same action maps to the same id and is counted as a duplicate.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from shared.messages.inbound import parse_event, validation_error_reason

from .mapping_config import EnvelopeFields, EventRule, FieldSpec, VendorMapping
from .vendor_values import Reject, coerce, first_of, get_path, lookup, parse_time, show, text_of


@dataclass(frozen=True, slots=True)
class MappedItem:
    index: int
    event: dict[str, Any] | None = None  # canonical JSON dict, valid for parse_event
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.event is not None


# A mapped record and, per canonical field path, the vendor field it came from.
_Mapped = tuple[dict[str, Any], dict[str, str]]
_MapOne = Callable[[dict[str, Any], VendorMapping, datetime | None], _Mapped]


def map_churnzero(
    payload: object, mapping: VendorMapping, received_at: datetime | None = None
) -> list[MappedItem]:
    """A ChurnZero HTTP-API body: a JSON array of actions (one object is
    accepted too). ``trackEvent`` uses ``mapping.events``; ``setAttribute`` on
    an Account uses ``mapping.account_attributes`` and becomes a partial
    account.profile. ``received_at`` stands in for a missing ``eventDate``."""
    items: list[Any] | None = None
    if isinstance(payload, list):
        items = payload
    elif isinstance(payload, dict):
        items = [payload]
    if items is None:
        return [MappedItem(0, error="body: expected a JSON array of ChurnZero actions")]
    return _map_all(items, mapping, received_at, _churnzero_one)


def map_gainsight(
    payload: object, mapping: VendorMapping, received_at: datetime | None = None
) -> list[MappedItem]:
    """A Gainsight "Call External API" body: one object, an array of them, or
    ``{"events": [...]}``; each carries a company id, event name, date and an
    ``attributes`` object (paths are set in the mapping)."""
    items: list[Any] | None
    if isinstance(payload, dict) and isinstance(payload.get("events"), list):
        items = payload["events"]
    elif isinstance(payload, dict):
        items = [payload]
    elif isinstance(payload, list):
        items = payload
    else:
        items = None
    if items is None:
        return [MappedItem(0, error="body: expected a Gainsight event object or an array")]
    return _map_all(items, mapping, received_at, _track)


def _map_all(
    items: list[Any], mapping: VendorMapping, received_at: datetime | None, one: _MapOne
) -> list[MappedItem]:
    if len(items) > mapping.max_items:
        return [MappedItem(0, error=f"body: at most {mapping.max_items} items, got {len(items)}")]
    out: list[MappedItem] = []
    for index, record in enumerate(items):
        try:
            if not isinstance(record, dict):
                raise Reject("item: expected an object")
            event, origins = one(record, mapping, received_at)
            try:
                parse_event(event)
            except ValidationError as exc:
                raise Reject(_with_origins(validation_error_reason(exc), origins)) from exc
        except Reject as exc:
            out.append(MappedItem(index, error=str(exc)))
        else:
            out.append(MappedItem(index, event=event))
    return out


def _with_origins(reason: str, origins: dict[str, str]) -> str:
    for path, origin in origins.items():
        reason = reason.replace(f"{path}:", f"{path} (from {origin}):")
    return reason


def _churnzero_one(
    record: dict[str, Any], mapping: VendorMapping, received_at: datetime | None
) -> _Mapped:
    action = record.get("action")
    if not isinstance(action, str) or not action.strip():
        raise Reject("action: required (trackEvent or setAttribute)")
    if action.strip().casefold() == "trackevent":
        return _track(record, mapping, received_at)
    if action.strip().casefold() == "setattribute":
        return _set_attribute(record, mapping, received_at)
    raise Reject(f"action: unsupported action {show(action)}")


def _track(record: dict[str, Any], mapping: VendorMapping, received_at: datetime | None) -> _Mapped:
    name = text_of(first_of(record, mapping.fields.event_name), mapping.fields.event_name[0])
    rule = mapping.rule_for(name)
    if rule is None:
        raise Reject(f"{mapping.fields.event_name[0]}: event {show(name)} is not mapped")
    data = _fill(record, rule)
    origins = {f"data.{k}": s.source for k, s in rule.data.items() if s.source}
    return _envelope(record, mapping, received_at, rule.type, data, origins)


def _set_attribute(
    record: dict[str, Any], mapping: VendorMapping, received_at: datetime | None
) -> _Mapped:
    entity = record.get("entity")
    if not isinstance(entity, str) or entity.strip().casefold() != "account":
        raise Reject(f"entity: only Account attributes are mapped, got {show(entity)}")
    pairs = _attribute_pairs(record)
    if not pairs:
        raise Reject("setAttribute: no attribute given (name/value or attr_<Name>)")
    data: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for attr, value in pairs:
        rule = mapping.attribute_for(attr)
        if rule is None:
            raise Reject(f"attribute {show(attr)} is not mapped")
        data[rule.field] = lookup(value, rule.values, f"attribute {attr}")
        origins[f"data.{rule.field}"] = f"attribute {attr}"
    return _envelope(record, mapping, received_at, "account.profile", data, origins)


def _attribute_pairs(record: dict[str, Any]) -> list[tuple[str, Any]]:
    for name_key, value_key in (("attr_name", "attr_value"), ("name", "value")):
        if name_key in record and value_key in record:
            return [(text_of(record[name_key], name_key), record[value_key])]
    return [
        (key[5:], value)
        for key, value in record.items()
        if key.startswith("attr_") and len(key) > 5
    ]


def _envelope(
    record: dict[str, Any],
    mapping: VendorMapping,
    received_at: datetime | None,
    event_type: str,
    data: dict[str, Any],
    origins: dict[str, str],
) -> _Mapped:
    f = mapping.fields
    account = text_of(first_of(record, f.account_id), f.account_id[0])
    occurred = _when(first_of(record, f.occurred_at), f, mapping, received_at)
    own_id = first_of(record, f.id)
    if own_id is not None:
        event_id = f"{mapping.id_prefix}-{text_of(own_id, f.id[0])}"
    else:
        content = {k: v for k, v in record.items() if k != "appKey"}
        content["@at"] = occurred.isoformat()
        raw = json.dumps(content, sort_keys=True, default=str, ensure_ascii=True)
        event_id = f"{mapping.id_prefix}-{hashlib.sha256(raw.encode()).hexdigest()[:40]}"
    event = {
        "id": event_id,
        "type": event_type,
        "source": mapping.source,
        "account_id": account,
        "occurred_at": occurred.isoformat(),
        "data": data,
    }
    origins = {**origins, "account_id": f.account_id[0]}
    if f.id:
        origins["id"] = f.id[0]
    return event, origins


def _fill(record: dict[str, Any], rule: EventRule) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, spec in rule.data.items():
        value = _field_value(record, key, spec)
        target = data
        *parents, leaf = key.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return data


def _field_value(record: dict[str, Any], key: str, spec: FieldSpec) -> Any:
    if spec.has_const:
        return spec.const
    path = spec.source or ""
    value = get_path(record, path)
    if value is None or (isinstance(value, str) and not value.strip()):
        if spec.optional:
            return spec.default
        raise Reject(f"{path}: required for data.{key}")
    value = lookup(value, spec.values, path)
    return coerce(value, spec.as_, path) if spec.as_ else value


def _when(
    value: Any, fields: EnvelopeFields, mapping: VendorMapping, received_at: datetime | None
) -> datetime:
    where = fields.occurred_at[0] if fields.occurred_at else "eventDate"
    if value is None or value == "":
        if received_at is None:
            raise Reject(f"{where}: required")
        return received_at.astimezone(UTC)
    moment = parse_time(value, where, naive=mapping.naive_dates)
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    return moment
