"""Stakeholder and note rules, surfaced_by, and the renewal non-signal."""

from __future__ import annotations

import pytest

from services.signal_ingest.domain import SignalType

from .builders import (
    ANALYTICS,
    AUTOMATION,
    SECURITY,
    T0,
    day,
    event,
    healthy_state,
    note,
    run,
    types,
)


@pytest.mark.parametrize("status", ["negotiating", "renewed", "churned"])
def test_a_renewal_never_produces_a_signal(status: str) -> None:
    state = healthy_state()
    renewal = event(
        "account.renewal",
        {"product": "workflow_platform", "status": status, "renewal_date": "2026-11-30"},
        T0,
        source="salesforce",
    )
    assert run(state, renewal) == []


def _stakeholder(contact: str, persona: str, change: str = "added", at=T0, source="salesforce"):
    return event(
        "account.stakeholder",
        {
            "contact_id": contact,
            "name": "Dana Ruiz",
            "title": "VP Security",
            "persona": persona,
            "change": change,
        },
        at,
        source=source,
    )


def test_stakeholder_with_a_mapped_persona_signals_once() -> None:
    state = healthy_state()
    first = run(state, _stakeholder("c1", "vp_security"))
    again = run(state, _stakeholder("c1", "vp_security", at=day(1)))
    assert [(s.adjacent_product, s.candidate.type.value) for s in first] == [
        (SECURITY, "stakeholder_expansion")
    ]
    assert first[0].candidate.evidence["title"] == "VP Security"
    assert first[0].candidate.surfaced_by == "system"
    assert again == []


@pytest.mark.parametrize(
    ("persona", "change", "expected"),
    [("VP Security", "added", [SECURITY]), ("intern", "added", []), ("ciso", "removed", [])],
)
def test_stakeholder_personas(persona: str, change: str, expected: list[str]) -> None:
    signals = run(healthy_state(), _stakeholder("c2", persona, change))
    assert [s.adjacent_product for s in signals] == expected


def test_strategic_shift_names_the_product_and_needs_verification() -> None:
    signals = run(
        healthy_state(),
        note(
            "strategic_shift",
            "Board wants SOC 2 next year; Shield came up.",
            author_role="ae",
            source="salesforce",
        ),
    )
    (signal,) = signals
    assert signal.adjacent_product == SECURITY
    assert signal.candidate.type is SignalType.STRATEGIC_SHIFT
    assert signal.candidate.needs_verification is True
    assert signal.candidate.surfaced_by == "ae"
    assert "SOC 2" in signal.candidate.evidence["text"]


def test_strategic_shift_without_a_product_named_is_not_a_signal() -> None:
    assert run(healthy_state(), note("strategic_shift", "Expanding to Brazil.")) == []


def test_partner_flag_and_competitive_adjacent() -> None:
    state = healthy_state()
    partner = run(
        state,
        note(
            "partner_flag",
            "SI sees data team struggling with reports.",
            adjacent_product=ANALYTICS,
            author_role="partner",
            source="partner",
        ),
    )
    competitive = run(
        state,
        note("competitor_evaluation", "Ops is trialling Zapier.", competitor="Zapier", at=day(1)),
    )
    assert [
        (s.adjacent_product, s.candidate.type.value, s.candidate.surfaced_by) for s in partner
    ] == [(ANALYTICS, "partner_flag", "partner")]
    assert [
        (s.adjacent_product, s.candidate.type.value, s.candidate.surfaced_by) for s in competitive
    ] == [(AUTOMATION, "competitive_adjacent", "csm")]
    assert competitive[0].candidate.evidence["competitor"] == "Zapier"
    assert competitive[0].candidate.needs_verification is False


@pytest.mark.parametrize("kind", ["qbr", "competitor_purchase"])
def test_other_notes_do_not_signal(kind: str) -> None:
    assert run(healthy_state(), note(kind, "Talked about Zapier.", competitor="Zapier")) == []


def test_signal_ids_are_deterministic_per_event() -> None:
    e = note("partner_flag", "Needs Insights.", adjacent_product=ANALYTICS)
    a = run(healthy_state(), e)
    b = run(healthy_state(), e)
    assert [s.id for s in a] == [s.id for s in b]
    assert types(a) == ["partner_flag"]
