"""Older events never overwrite newer facts; usage history stays in time order."""

from __future__ import annotations

from services.signal_ingest.domain import AccountState, evaluate_gates

from .builders import (
    ACCOUNT,
    ANALYTICS,
    T0,
    catalog,
    day,
    event,
    healthy_state,
    metric,
    owned,
    profile,
    run,
    ticket,
)


def test_an_older_profile_leaves_newer_fields_unchanged() -> None:
    state = AccountState(ACCOUNT)
    run(state, profile(day(5), health="red", csm_owner="New CSM", products=[owned(adoption=90)]))
    run(state, profile(day(1), health="green", csm_owner="Old CSM", products=[owned(adoption=40)]))
    assert state.profile.health == "red"
    assert state.profile.csm_owner == "New CSM"
    assert state.profile.health_at == day(5)
    assert state.products["workflow_platform"].adoption_pct == 90


def test_a_partial_profile_updates_only_its_fields() -> None:
    state = AccountState(ACCOUNT)
    run(state, event("account.profile", {"health": "yellow"}, day(5), source="churnzero"))
    run(state, profile(day(1), health="green", csm_owner="Casey"))
    assert state.profile.health == "yellow"  # newer
    assert state.profile.csm_owner == "Casey"  # only the older event knew it
    assert "workflow_platform" in state.products


def test_an_older_escalation_opening_keeps_it_resolved() -> None:
    state = healthy_state()
    run(state, event("account.escalation", {"escalation_id": "E7", "status": "resolved"}, day(2)))
    run(state, event("account.escalation", {"escalation_id": "E7", "status": "opened"}, day(1)))
    assert state.escalations["E7"].status == "resolved"
    assert evaluate_gates(state, ANALYTICS, catalog(), day(3)) == []


def test_same_instant_resolution_wins_whatever_the_arrival_order() -> None:
    for order in (("opened", "resolved"), ("resolved", "opened")):
        state = healthy_state()
        for status in order:
            run(
                state, event("account.escalation", {"escalation_id": "E", "status": status}, day(1))
            )
        assert state.escalations["E"].status == "resolved"


def test_usage_samples_are_kept_in_time_order() -> None:
    state = healthy_state()
    run(
        state,
        metric(30, None, day(3), name="active_seats"),
        metric(10, None, day(1), name="active_seats"),
        metric(20, None, day(2), name="active_seats"),
    )
    series = state.usage[("workflow_platform", "active_seats", "")]
    assert [s.value for s in series.samples] == [10, 20, 30]


def test_decline_uses_the_time_ordered_series() -> None:
    """Arriving newest-first, the series still reads as a decline."""
    state = healthy_state(day(-120))
    late_first = [metric(70, None, day(-d), name="active_seats") for d in (2, 10, 20)]
    old_later = [metric(100, None, day(-d), name="active_seats") for d in (35, 45, 55)]
    run(state, *late_first, *old_later)
    assert evaluate_gates(state, ANALYTICS, catalog(), T0) == ["declining_usage"]


def test_an_older_ticket_open_does_not_reopen_a_closed_ticket() -> None:
    state = healthy_state()
    run(state, ticket("ana", at=day(2), ticket_id="T-1", closed=True))
    run(state, ticket("ana", at=day(1), ticket_id="T-1"))
    t = state.tickets["T-1"]
    assert t.closed and t.opened_at == day(1)


def test_an_older_renewal_status_does_not_replace_a_newer_one() -> None:
    state = healthy_state()
    data = {"product": "workflow_platform", "renewal_date": "2027-09-30"}
    run(state, event("account.renewal", {**data, "status": "renewed"}, day(-40)))
    run(state, event("account.renewal", {**data, "status": "negotiating"}, day(-50)))
    assert state.renewals["workflow_platform"].status == "renewed"
    assert evaluate_gates(state, ANALYTICS, catalog(), T0) == []


def test_late_pain_ticket_still_completes_the_cohort() -> None:
    state = healthy_state()
    signals = run(
        state,
        ticket("ben", at=day(5)),
        ticket("cho", at=day(6)),
        ticket("ana", at=day(1)),
        now=day(6),
    )
    assert [s.candidate.type.value for s in signals] == ["adjacent_pain"]
