"""Canonical inbound events: validation reasons name the field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.messages.inbound import (
    UsageMetricEvent,
    parse_batch,
    parse_event,
    validation_error_reason,
)

GOOD: dict[str, Any] = {
    "id": "evt-1",
    "type": "usage.metric",
    "source": "product",
    "account_id": "001A",
    "occurred_at": "2026-11-02T16:00:00+02:00",
    "data": {"product": "workflow_platform", "metric": "api_calls", "value": 5, "limit": 10},
}


def _reason(**changes: Any) -> str:
    obj = {**GOOD, **changes}
    with pytest.raises(ValidationError) as err:
        parse_event(obj)
    return validation_error_reason(err.value)


def test_good_event_parses_and_normalises_time_to_utc() -> None:
    e = parse_event({**GOOD, "data": {**GOOD["data"], "unknown": 1}})
    assert isinstance(e, UsageMetricEvent)
    assert e.occurred_at == datetime(2026, 11, 2, 14, tzinfo=UTC)
    assert e.occurred_at.tzinfo is UTC
    assert e.data.limit == 10
    assert e.to_json_dict()["occurred_at"] == "2026-11-02T14:00:00Z"
    with pytest.raises(ValidationError):
        e.id = "x"  # type: ignore[misc]  # frozen


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"type": "usage.foo"}, "type: unknown event type 'usage.foo'"),
        ({"type": None}, "type:"),
        ({"source": "hubspot"}, "source: Input should be"),
        ({"id": ""}, "id: String should have at least 1 character"),
        ({"account_id": "x" * 65}, "account_id: String should have at most 64 characters"),
        ({"occurred_at": "2026-11-02T14:00:00"}, "occurred_at: Input should have timezone info"),
        ({"data": {**GOOD["data"], "limit": 0}}, "data.limit: Input should be greater than 0"),
        (
            {"data": {**GOOD["data"], "value": -1}},
            "data.value: Input should be greater than or equal to 0",
        ),
        ({"data": {**GOOD["data"], "value": True}}, "data.value: Input should be a number"),
        ({"data": {"product": "p", "value": 1, "limit": None}}, "data.metric: Field required"),
        ({"type": "account.profile", "data": {"health": "blue"}}, "data.health:"),
        ({"type": "account.profile", "data": {}}, "data: at least one profile field is required"),
        ({"type": "account.note", "data": {"kind": "gossip", "text": "x"}}, "data.kind:"),
        (
            {"type": "account.note", "data": {"kind": "qbr", "text": "x" * 20_001}},
            "data.text: String should have at most 20000 characters",
        ),
        (
            {
                "type": "ticket.opened",
                "data": {"ticket_id": "T", "subject": "s", "requester": {"contact_id": "c"}},
            },
            "data.requester.name: Field required",
        ),
        (
            {
                "type": "account.profile",
                "data": {
                    "products": [
                        {
                            "product": "p",
                            "tier": "t",
                            "acv": 1,
                            "renewal_date": "2027-01-01",
                            "adoption_pct": 101,
                        }
                    ]
                },
            },
            "data.products[0].adoption_pct: Input should be less than or equal to 100",
        ),
    ],
)
def test_reasons_name_the_field(changes: dict[str, Any], reason: str) -> None:
    assert reason in _reason(**changes)


def test_not_an_object() -> None:
    with pytest.raises(ValidationError) as err:
        parse_event([1, 2])
    assert validation_error_reason(err.value).startswith("event:")


def test_batches_keep_valid_items_and_reject_the_others() -> None:
    accepted, rejected = parse_batch({"events": [GOOD, {**GOOD, "type": "x.y"}, GOOD]})
    assert [i for i, _ in accepted] == [0, 2]
    assert [(r.index, r.error) for r in rejected] == [(1, "type: unknown event type 'x.y'")]
    _, too_many = parse_batch({"events": [GOOD] * 1001})
    assert "at most 1000" in too_many[0].error
    single, _ = parse_batch(GOOD)
    assert len(single) == 1


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=5),
    max_leaves=20,
)
_envelope_like = st.fixed_dictionaries(
    {},
    optional={
        "id": _json | st.just("e-1"),
        "type": _json | st.sampled_from(["usage.metric", "ticket.opened", "account.note"]),
        "source": st.sampled_from(["product", "csm", "x"]),
        "account_id": _json | st.just("001"),
        "occurred_at": _json | st.just("2026-11-02T14:00:00Z"),
        "data": _json,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_json, _envelope_like))
def test_any_json_either_parses_or_gets_a_reason(obj: Any) -> None:
    try:
        parse_event(obj)
    except ValidationError as exc:
        assert validation_error_reason(exc)
