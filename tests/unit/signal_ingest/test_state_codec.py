"""State serialisation round trip and bounded history."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from services.signal_ingest.domain import (
    AccountState,
    process_event,
    record_play_event,
    state_from_dict,
    state_to_dict,
)
from services.signal_ingest.domain.state import prune

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
