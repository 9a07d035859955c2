"""The schema registry's decode: the one-pass fast path and the general path
must agree on every valid message, and errors must still name the problem."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from pydantic import BaseModel

from shared.messages.envelope import DecodeError, Envelope, SchemaRegistry


class PingV2(BaseModel):
    target: str
    hops: int


class Note(BaseModel):
    text: str


def _registry() -> SchemaRegistry:
    registry = SchemaRegistry()
    registry.register(
        "ping", PingV2, version=2, upcasters={1: lambda p: {"target": p["to"], "hops": 0}}
    )
    registry.register("note", Note)
    registry.register("bare", None)
    return registry


def _raw(**fields: Any) -> bytes:
    base: dict[str, Any] = {
        "id": "m-1",
        "type": "note",
        "account_id": "001A",
        "occurred_at": "2026-11-02T14:00:00+00:00",
        "payload": {"text": "hello"},
    }
    base.update(fields)
    return orjson.dumps(base)


def test_fast_and_general_paths_agree_on_a_current_message() -> None:
    registry = _registry()
    raw = _raw(type="ping", schema_version=2, payload={"target": "x", "hops": 3}, source="csm")
    header, payload = registry.decode(raw)
    general_header, general_payload = registry._decode_general(raw)
    assert not isinstance(header, Envelope)  # the one-pass path, not the general one
    assert payload == general_payload == PingV2(target="x", hops=3)
    for field in ("id", "type", "schema_version", "account_id", "occurred_at", "source"):
        assert getattr(header, field) == getattr(general_header, field)


def test_a_missing_schema_version_means_version_one() -> None:
    header, payload = _registry().decode(_raw())
    assert header.schema_version == 1 and payload == Note(text="hello")


def test_an_older_version_is_upcast() -> None:
    header, payload = _registry().decode(_raw(type="ping", payload={"to": "y"}))
    assert payload == PingV2(target="y", hops=0)
    assert header.schema_version == 2


def test_occurred_at_is_converted_to_utc_on_both_paths() -> None:
    at = datetime(2026, 11, 2, 16, 0, tzinfo=timezone(timedelta(hours=2)))
    header, _ = _registry().decode(_raw(occurred_at=at.isoformat()))
    assert header.occurred_at == at and header.occurred_at.utcoffset() == timedelta(0)
    old, _ = _registry().decode(_raw(type="ping", payload={"to": "y"}, occurred_at=at.isoformat()))
    assert old.occurred_at.tzinfo is UTC


def test_a_type_without_a_model_decodes_to_no_payload() -> None:
    header, payload = _registry().decode(_raw(type="bare", payload={"anything": 1}))
    assert header.type == "bare" and payload is None


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json", "not an envelope"),
        (b"\xff\xfe", "not an envelope"),
        (_raw(occurred_at="2026-11-02T14:00:00"), "occurred_at needs a timezone"),
        (_raw(type="nope"), "unknown message type 'nope'"),
        (_raw(type="ping", schema_version=3), "ping v3 is newer than v2"),
        (_raw(payload={"text": 5}), "invalid note payload: text"),
        (_raw(account_id=""), "not an envelope: account_id"),
    ],
)
def test_bad_messages_are_refused_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        _registry().decode(raw)


def test_registering_later_rebuilds_the_fast_path() -> None:
    registry = SchemaRegistry()
    registry.register("note", Note)
    assert registry.decode(_raw())[1] == Note(text="hello")
    registry.register("ping", PingV2, version=2)
    header, payload = registry.decode(
        _raw(type="ping", schema_version=2, payload={"target": "z", "hops": 1})
    )
    assert payload == PingV2(target="z", hops=1)


def test_an_envelope_round_trips() -> None:
    envelope = Envelope(
        id="m-2",
        type="note",
        account_id="001A",
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        payload={"text": "round"},
    )
    header, payload = _registry().decode(envelope.encode())
    assert header.id == "m-2" and payload == Note(text="round")
