"""adjacent_pain and workaround: distinct voices, windows, re-fire rule."""

from __future__ import annotations

import pytest

from services.signal_ingest.domain import SignalType

from .builders import ANALYTICS, day, healthy_state, run, ticket, types, workaround


def _pain(signals: list) -> list:
    return [s for s in signals if s.candidate.type is SignalType.ADJACENT_PAIN]


@pytest.mark.parametrize(
    ("requesters", "fires"),
    [
        (["ana", "ben"], False),
        (["ana", "ben", "cho"], True),
        (["ana", "ana", "ana"], False),  # one person three times is one voice
        (["ana", "ana", "ben", "ben"], False),
        (["ana", "ben", "ana", "cho"], True),
    ],
)
def test_adjacent_pain_needs_three_distinct_requesters(requesters: list[str], fires: bool) -> None:
    state = healthy_state()
    signals = run(state, *(ticket(r, at=day(i)) for i, r in enumerate(requesters)))
    assert len(_pain(signals)) == (1 if fires else 0)


@pytest.mark.parametrize(("age_days", "fires"), [(61, False), (60, True), (30, True)])
def test_adjacent_pain_window_is_60_days(age_days: int, fires: bool) -> None:
    state = healthy_state(day(-age_days))
    signals = run(
        state,
        ticket("ana", at=day(-age_days)),
        ticket("ben", at=day(0)),
        ticket("cho", at=day(0)),
    )
    assert len(_pain(signals)) == (1 if fires else 0)


def test_adjacent_pain_matches_topics_and_phrases_case_insensitively() -> None:
    state = healthy_state()
    signals = run(
        state,
        ticket("ana", topics=["Reporting"], subject="Slow board", description="x"),
        ticket("ben", topics=[], subject="How do I BUILD A DASHBOARD?", description=""),
        ticket("cho", topics=["misc"], subject="Help", description="Need a Pivot Table view."),
    )
    assert [s.adjacent_product for s in _pain(signals)] == [ANALYTICS]


def test_unrelated_tickets_do_not_count() -> None:
    state = healthy_state()
    signals = run(
        state,
        *(
            ticket(r, topics=["billing"], subject="Invoice copy", description="Please resend.")
            for r in ("ana", "ben", "cho")
        ),
    )
    assert signals == []


def test_adjacent_pain_refires_only_for_a_fresh_cohort() -> None:
    state = healthy_state()
    first = run(state, *(ticket(r, at=day(i)) for i, r in enumerate(["a", "b", "c"])))
    more = run(state, ticket("d", at=day(4)), ticket("e", at=day(5)))
    fresh = run(state, ticket("f", at=day(6)))
    assert len(_pain(first)) == 1
    assert _pain(more) == []  # one or two more voices do not re-fire
    assert len(_pain(fresh)) == 1  # three new voices since the last firing


def test_adjacent_pain_evidence_keeps_the_customers_words() -> None:
    state = healthy_state()
    signals = run(
        state,
        ticket(
            "ana",
            subject="Cross-project report please",
            role="PMO Lead",
            description="Hello. Our weekly status deck takes a day to build. Thanks!",
        ),
        ticket("ben", subject="Dashboards for the board", role="Head of Ops"),
        ticket("cho", subject="KPI view", role="Analyst"),
    )
    (signal,) = _pain(signals)
    ev = signal.candidate.evidence
    assert ev["distinct_requesters"] == 3
    subjects = {t["subject"] for t in ev["tickets"]}
    assert subjects == {"Cross-project report please", "Dashboards for the board", "KPI view"}
    ana = next(t for t in ev["tickets"] if t["requester"]["contact_id"] == "ana")
    assert ana["requester"] == {"contact_id": "ana", "name": "Name ana", "role": "PMO Lead"}
    assert ana["quote"] == "Our weekly status deck takes a day to build."
    assert "Name ana (PMO Lead)" in ev["summary"]
    assert signal.candidate.surfaced_by == "system"


@pytest.mark.parametrize(
    ("days", "fires"),
    [
        ([0, 10], False),
        ([0, 10, 20], True),
        ([0, 10, 31], False),  # the first one is outside 30 days
        ([0, 15, 30], True),
        ([0, 0, 0], True),
    ],
)
def test_workaround_needs_three_in_30_days(days: list[int], fires: bool) -> None:
    state = healthy_state()
    signals = run(state, *(workaround(at=day(d)) for d in days))
    assert types(signals) == (["workaround"] if fires else [])
    if fires:
        assert signals[0].adjacent_product == ANALYTICS
        assert signals[0].candidate.evidence["count"] == 3


def test_workaround_kinds_the_product_does_not_remove_do_not_count() -> None:
    state = healthy_state()
    signals = run(
        state,
        workaround(at=day(0), kind="export_to_spreadsheet"),
        workaround(at=day(1), kind="third_party_tool"),
        workaround(at=day(2), kind="manual_reconciliation"),
    )
    # only two of the three are removed by insights_analytics
    assert signals == []


def test_workaround_on_a_product_the_adjacent_does_not_extend_is_ignored() -> None:
    state = healthy_state()
    signals = run(
        state,
        *(workaround(at=day(i), kind="third_party_tool", product="service_desk") for i in range(3)),
    )
    assert signals == []  # automation_hub only extends workflow_platform
