"""State serialisation round trip and bounded history."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.signal_ingest.domain import (
    AccountState,
    process_event,
    record_play_event,
    state_from_dict,
    state_to_dict,
)
from services.signal_ingest.domain.codec import FORMAT_VERSION
from services.signal_ingest.domain.state import Sample, from_us, prune

from .builders import (
    ACCOUNT,
    ANALYTICS,
    catalog,
    day,
    event,
    healthy_state,
    metric,
    note,
    profile,
    run,
    ticket,
    workaround,
)


def _busy_state() -> AccountState:
    state = healthy_state()
    run(
        state,
        metric(85, at=day(0), module="workflow"),
        metric(55, limit=None, name="active_seats", module="workflow", at=day(0)),
        ticket("ana", at=day(1)),
        ticket("ben", at=day(1), escalation=True),
        workaround(at=day(1)),
        event("account.escalation", {"escalation_id": "E1", "status": "opened"}, day(1)),
        event(
            "account.renewal",
            {"product": "workflow_platform", "status": "renewed", "renewal_date": "2026-10-30"},
            day(1),
        ),
        event(
            "account.stakeholder",
            {
                "contact_id": "c1",
                "name": "Dana",
                "title": "CISO",
                "persona": "ciso",
                "change": "added",
            },
            day(1),
        ),
        note("competitor_purchase", "Bought Vanta", day(1), competitor="Vanta"),
    )
    record_play_event(state, "p1", ANALYTICS, "open", day(2))
    return state


def test_round_trip_is_lossless_and_json_compatible() -> None:
    state = _busy_state()
    raw = state_to_dict(state)
    text = json.dumps(raw)  # JSONB-ready: plain types only
    back = state_from_dict(json.loads(text))
    assert back == state
    assert state_to_dict(back) == raw


def test_restored_state_behaves_the_same() -> None:
    state = _busy_state()
    restored = state_from_dict(json.loads(json.dumps(state_to_dict(state))))
    e = metric(90, at=day(3), module="workflow")
    a = process_event(state, e, catalog(), day(3)).signals
    b = process_event(restored, e, catalog(), day(3)).signals
    assert a == b == []  # the series is still disarmed after the earlier crossing
    assert state == restored


def test_usage_samples_are_stored_as_epoch_microsecond_rows() -> None:
    state = _busy_state()
    raw = state_to_dict(state)
    assert raw["v"] == FORMAT_VERSION == 2
    by_metric = {u["metric"]: u for u in raw["usage"]}
    assert by_metric["api_calls"]["samples"] == [[1_793_628_000_000_000, 85.0, 100.0]]
    assert by_metric["active_seats"]["samples"] == [[1_793_628_000_000_000, 55.0, None]]
    assert by_metric["api_calls"]["checked_at"] == day(0).isoformat()  # the rest: unchanged


# A document as format v1 stored it (sample times as ISO-8601 strings).
_V1_DOCUMENT: dict[str, Any] = {
    "v": 1,
    "account_id": ACCOUNT,
    "latest_event_at": "2026-11-04T08:00:00+00:00",
    "pruned_at": "2026-11-04T08:00:00+00:00",
    "profile": {"name": None, "csm_owner": None, "ae_owner": None, "health": None, "field_at": {}},
    "products": {},
    "products_at": None,
    "usage": [
        {
            "product": "workflow_platform",
            "metric": "api_calls",
            "module": "",
            "armed": False,
            "checked_at": "2026-11-04T08:00:00+00:00",
            "samples": [
                ["2026-11-02T14:00:00.000250+00:00", 40.5, 100.0, 3],
                ["2026-11-03T09:30:00+00:00", 41.0, None],
                ["2026-11-04T08:00:00+00:00", 47.0, 100.0],
            ],
        },
        {
            "product": "workflow_platform",
            "metric": "active_seats",
            "module": "workflow",
            "armed": True,
            "checked_at": None,
            "samples": [],
        },
    ],
    "milestones": {},
    "tickets": {},
    "workarounds": [],
    "escalations": {},
    "renewals": {},
    "stakeholders": {},
    "notes": [],
    "competitor_purchases": [],
    "plays": {},
    "last_fired": {},
}


def _as_v1(document: dict[str, Any]) -> dict[str, Any]:
    """The v1 form of a v2 document: sample times as ISO-8601 strings."""
    old = copy.deepcopy(document)
    old["v"] = 1
    for u in old["usage"]:
        for row in u["samples"]:
            row[0] = from_us(row[0]).isoformat()
    return old


def test_a_stored_v1_document_still_decodes() -> None:
    state = state_from_dict(json.loads(json.dumps(_V1_DOCUMENT)))
    series = state.usage[("workflow_platform", "api_calls", "")]
    assert series.samples == [
        Sample(datetime(2026, 11, 2, 14, 0, 0, 250, tzinfo=UTC), 40.5, 100.0, 3),
        Sample(datetime(2026, 11, 3, 9, 30, tzinfo=UTC), 41.0, None),
        Sample(datetime(2026, 11, 4, 8, tzinfo=UTC), 47.0, 100.0),
    ]
    assert series.armed is False and series.checked_at == datetime(2026, 11, 4, 8, tzinfo=UTC)
    v2 = state_to_dict(state)
    assert v2["v"] == 2
    assert v2["usage"][0]["samples"] == [
        [1_793_628_000_000_250, 40.5, 100.0, 3],
        [1_793_698_200_000_000, 41.0, None],
        [1_793_779_200_000_000, 47.0, 100.0],
    ]
    assert state_from_dict(json.loads(json.dumps(v2))) == state
    assert _as_v1(v2) == _V1_DOCUMENT


def test_v1_and_v2_documents_of_a_state_decode_the_same() -> None:
    state = _busy_state()
    run(state, *(metric(50 + i % 7, at=day(3 + i / 10)) for i in range(40)))
    prune(state, catalog().settings, force=True)  # some samples now have counts > 1
    v2 = json.loads(json.dumps(state_to_dict(state)))
    assert any(len(row) == 4 for u in v2["usage"] for row in u["samples"])
    from_v1 = state_from_dict(json.loads(json.dumps(_as_v1(v2))))
    assert from_v1 == state_from_dict(v2) == state
    assert state_to_dict(from_v1) == v2


def test_history_is_bounded_relative_to_event_time() -> None:
    state = AccountState(ACCOUNT)
    run(state, *(metric(10 + i % 5, at=day(i)) for i in range(0, 200, 2)))
    run(
        state,
        *(
            ticket(f"r{i}", at=day(i), topics=["misc"], subject="x", description="")
            for i in range(0, 200, 5)
        ),
    )
    run(state, *(workaround(at=day(i)) for i in range(0, 200, 7)))
    prune(state, catalog().settings, force=True)
    newest = day(198)
    samples = state.usage[("workflow_platform", "api_calls", "")].samples
    assert min(s.at for s in samples) >= newest - (day(70) - day(0))
    assert min(t.opened_at for t in state.tickets.values()) >= newest - (day(90) - day(0))
    assert min(w.at for w in state.workarounds) >= newest - (day(45) - day(0))


def test_open_escalated_tickets_survive_pruning() -> None:
    state = AccountState(ACCOUNT)
    run(state, ticket("ana", at=day(0), ticket_id="T-old", escalation=True))
    run(state, metric(1, at=day(200)))
    prune(state, catalog().settings, force=True)
    assert "T-old" in state.tickets


_events = st.sampled_from(
    [
        lambda d: metric(60 + (d * 7) % 40, at=day(d)),
        lambda d: metric(30 + d, None, day(d), name="active_seats", module="workflow"),
        lambda d: ticket(f"r{d % 4}", at=day(d)),
        lambda d: ticket(f"r{d % 4}", at=day(d), ticket_id=f"T{d % 3}", closed=d % 2 == 0),
        lambda d: workaround(at=day(d)),
        lambda d: event(
            "account.escalation",
            {"escalation_id": "E", "status": "opened" if d % 2 else "resolved"},
            day(d),
        ),
        lambda d: profile(day(d), health=("green", "yellow", "red")[d % 3]),
        lambda d: note("competitor_evaluation", "Looking at Zapier", day(d), competitor="Zapier"),
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_events, st.integers(0, 80)), max_size=25))
def test_any_event_order_round_trips(steps: list) -> None:
    state = AccountState(ACCOUNT)
    for make, d in steps:
        process_event(state, make(d), catalog(), day(d))
    assert state_from_dict(json.loads(json.dumps(state_to_dict(state)))) == state


def test_account_view_shows_usage_against_limits_and_gates() -> None:
    from services.signal_ingest.domain import account_view

    state = _busy_state()
    view = account_view(state, catalog(), day(3))
    json.dumps(view)
    api = next(u for u in view["usage"] if u["metric"] == "api_calls")
    assert (api["value"], api["limit"], api["percent_of_limit"]) == (85, 100, 85)
    assert api["ceiling_armed"] is False
    assert "open_escalation" in view["gates"][ANALYTICS]["reasons"]
    assert "play_open" in view["gates"][ANALYTICS]["reasons"]
    assert "ticket:" in " ".join(view["open_escalations"])


def _fresh(text: str) -> str:
    """An equal string that is a distinct object, as a parsed message carries."""
    return "".join(list(text))


def _folded_state() -> AccountState:
    state = AccountState(ACCOUNT)
    run(
        state,
        profile(day(0), health=_fresh("yellow"), csm_owner=_fresh("Casey Quinn")),
        metric(50, product=_fresh("workflow_platform"), name=_fresh("api_calls")),
        metric(5, None, day(0), name=_fresh("active_seats"), module=_fresh("workflow")),
        ticket(
            _fresh("c-ana"), at=day(1), role=_fresh("Ops Manager"), topics=[_fresh("reporting")]
        ),
        workaround(
            day(1), kind=_fresh("export_to_spreadsheet"), product=_fresh("workflow_platform")
        ),
        event("account.escalation", {"escalation_id": "E1", "status": _fresh("opened")}, day(1)),
        event(
            "account.stakeholder",
            {
                "contact_id": "c1",
                "name": "Dana",
                "title": _fresh("CISO"),
                "persona": _fresh("ciso"),
                "change": "added",
            },
            day(1),
        ),
        note("qbr", "Quarterly review.", day(1), author_role="csm"),
    )
    return state


def _categorical(state: AccountState) -> list[str]:
    p = state.profile
    out = [x for key in state.usage for x in key] + [p.health or "", p.csm_owner or ""]
    for t in state.tickets.values():
        out += [t.requester_id, t.requester_role, *t.topics]
        out += [x for adj, terms in t.pain.items() for x in (adj, *terms)]
    out += [x for w in state.workarounds for x in (w.kind, w.product)]
    out += [e.status for e in state.escalations.values()]
    out += [x for s in state.stakeholders.values() for x in (s.title, s.persona)]
    out += [x for n in state.notes for x in (n.kind, n.author_role or "")]
    return out


def test_categorical_strings_are_shared_between_states() -> None:
    assert _fresh("ciso") is not _fresh("ciso")
    built_a, built_b = _folded_state(), _folded_state()
    text = json.dumps(state_to_dict(built_a))
    loaded_a, loaded_b = state_from_dict(json.loads(text)), state_from_dict(json.loads(text))
    strings = _categorical(built_a)
    assert "reporting" in strings and "Casey Quinn" in strings and "ciso" in strings
    assert any(t.pain for t in built_a.tickets.values())  # pain terms are covered
    for other in (built_b, loaded_a, loaded_b):
        assert _categorical(other) == strings
        assert all(x is y for x, y in zip(_categorical(other), strings, strict=True))
