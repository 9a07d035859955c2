"""Readiness gates: each alone, several together, yellow flag, stale."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from services.signal_ingest.domain import (
    HEALTH_YELLOW_FLAG,
    AccountState,
    SignalStatus,
    assess_gates,
    evaluate_gates,
    record_play_event,
)

from .builders import (
    ANALYTICS,
    T0,
    catalog,
    day,
    event,
    healthy_state,
    metric,
    note,
    owned,
    profile,
    run,
)


def _escalation(state: AccountState) -> None:
    run(state, event("account.escalation", {"escalation_id": "E1", "status": "opened"}, day(-3)))


def _negotiation(state: AccountState) -> None:
    run(
        state,
        event(
            "account.renewal",
            {"product": "workflow_platform", "status": "negotiating", "renewal_date": "2027-09-30"},
            day(-3),
        ),
    )


def _renewal_due(state: AccountState) -> None:
    run(state, profile(day(-0.5), products=[owned(renewal="2026-12-20")]))


def _renewal_just_closed(state: AccountState) -> None:
    run(
        state,
        event(
            "account.renewal",
            {"product": "workflow_platform", "status": "renewed", "renewal_date": "2026-10-25"},
            day(-10),
        ),
    )


def _low_adoption(state: AccountState) -> None:
    run(state, profile(day(-0.5), products=[owned(adoption=55)]))


def _declining(state: AccountState) -> None:
    samples = [metric(100, None, day(-d), name="active_seats") for d in range(55, 31, -3)]
    samples += [metric(75, None, day(-d), name="active_seats") for d in range(28, 0, -3)]
    run(state, *samples)


def _red(state: AccountState) -> None:
    run(state, event("account.profile", {"health": "red"}, day(-0.5), source="gainsight"))


def _owned(state: AccountState) -> None:
    run(state, event("account.profile", {"products": [owned(), owned(ANALYTICS)]}, day(-0.5)))


def _competitor(state: AccountState) -> None:
    run(
        state,
        note("competitor_purchase", "They signed with Tableau.", day(-100), competitor="Tableau"),
    )


def _play_open(state: AccountState) -> None:
    record_play_event(state, "play-1", ANALYTICS, "meeting_booked", day(-2))


def _cooldown(state: AccountState) -> None:
    record_play_event(state, "play-0", ANALYTICS, "lost", day(-30))


GATES: list[tuple[str, Callable[[AccountState], None]]] = [
    ("open_escalation", _escalation),
    ("renewal_negotiation", _negotiation),
    ("renewal_window", _renewal_due),
    ("renewal_window", _renewal_just_closed),
    ("low_adoption", _low_adoption),
    ("declining_usage", _declining),
    ("health_at_risk", _red),
    ("already_owned", _owned),
    ("competitor_bought", _competitor),
    ("play_open", _play_open),
    ("cooldown", _cooldown),
]


def test_a_healthy_account_has_no_gate() -> None:
    assert evaluate_gates(healthy_state(), ANALYTICS, catalog(), T0) == []


@pytest.mark.parametrize(("reason", "setup"), GATES, ids=[f"{r}-{s.__name__}" for r, s in GATES])
def test_each_gate_alone_suppresses_with_exactly_its_reason(
    reason: str, setup: Callable[[AccountState], None]
) -> None:
    state = healthy_state(day(-120))
    setup(state)
    assert evaluate_gates(state, ANALYTICS, catalog(), T0) == [reason]
    (signal,) = run(state, metric(90, at=T0), now=T0)
    assert signal.status is SignalStatus.SUPPRESSED
    assert signal.suppression_reasons == (reason,)


@pytest.mark.parametrize(
    ("setup", "clear_at"),
    [
        (_competitor, day(-100 + 548)),  # 18 months later
        (_cooldown, day(-30 + 90)),  # 90 days after the loss
        (_renewal_just_closed, day(-10 + 30)),  # 30 days after closing
    ],
)
def test_time_bound_gates_clear(setup: Callable[[AccountState], None], clear_at) -> None:
    state = healthy_state(day(-120))
    setup(state)
    assert evaluate_gates(state, ANALYTICS, catalog(), clear_at - timedelta(hours=1)) != []
    assert evaluate_gates(state, ANALYTICS, catalog(), clear_at) == []


@pytest.mark.parametrize(("recent", "gated"), [(79, True), (80, True), (81, False), (100, False)])
def test_declining_usage_is_20_percent(recent: float, gated: bool) -> None:
    state = healthy_state(day(-120))
    run(state, *(metric(100, None, day(-d), name="active_seats") for d in (50, 40, 35)))
    run(state, *(metric(recent, None, day(-d), name="active_seats") for d in (20, 10, 1)))
    assert ("declining_usage" in evaluate_gates(state, ANALYTICS, catalog(), T0)) is gated


def test_several_gates_are_all_listed_in_table_order() -> None:
    state = healthy_state(day(-120))
    for setup in (_cooldown, _red, _escalation, _negotiation, _owned):
        setup(state)
    assert evaluate_gates(state, ANALYTICS, catalog(), T0) == [
        "open_escalation",
        "renewal_negotiation",
        "health_at_risk",
        "already_owned",
        "cooldown",
    ]
    (signal,) = run(state, metric(95, at=T0))
    assert signal.suppression_reasons == (
        "open_escalation",
        "renewal_negotiation",
        "health_at_risk",
        "already_owned",
        "cooldown",
    )


def test_yellow_health_is_allowed_but_flagged() -> None:
    state = healthy_state()
    run(state, profile(day(-0.5), health="yellow"))
    assessment = assess_gates(state, ANALYTICS, catalog(), T0)
    assert assessment.reasons == ()
    assert assessment.flags == (HEALTH_YELLOW_FLAG,)
    (signal,) = run(state, metric(90))
    assert signal.status is SignalStatus.QUALIFIED
    assert signal.flags == (HEALTH_YELLOW_FLAG,)


def test_an_open_escalated_ticket_is_an_open_escalation_until_closed() -> None:
    from .builders import ticket

    state = healthy_state()
    run(
        state,
        ticket(
            "ana",
            at=day(-2),
            ticket_id="T-9",
            escalation=True,
            topics=["billing"],
            subject="Outage",
            description="Down",
        ),
    )
    assert evaluate_gates(state, ANALYTICS, catalog(), T0) == ["open_escalation"]
    run(
        state,
        ticket(
            "ana",
            at=day(-1),
            ticket_id="T-9",
            escalation=True,
            closed=True,
            topics=["billing"],
            subject="Outage",
            description="Down",
        ),
    )
    assert evaluate_gates(state, ANALYTICS, catalog(), T0) == []


def test_play_closed_as_won_clears_play_open_and_the_product_is_owned() -> None:
    # The customer just bought it: the same signals must not open a second play
    # before the next account.profile lists the product.
    state = healthy_state()
    _play_open(state)
    record_play_event(state, "play-1", ANALYTICS, "won", day(-1))
    assert evaluate_gates(state, ANALYTICS, catalog(), T0) == ["already_owned"]


@pytest.mark.parametrize(
    ("processed_after", "status"),
    [
        (timedelta(0), SignalStatus.QUALIFIED),
        (timedelta(days=14), SignalStatus.QUALIFIED),
        (timedelta(days=14, seconds=1), SignalStatus.STALE),
        (timedelta(days=40), SignalStatus.STALE),
    ],
)
def test_a_signal_older_than_the_play_window_is_stale(processed_after, status) -> None:
    state = healthy_state()
    (signal,) = run(state, metric(90, at=T0), now=T0 + processed_after)
    assert signal.status is status
    assert signal.suppression_reasons == ()


def test_stale_beats_suppressed() -> None:
    state = healthy_state()
    _red(state)
    (signal,) = run(state, metric(90, at=T0), now=day(20))
    assert signal.status is SignalStatus.STALE
