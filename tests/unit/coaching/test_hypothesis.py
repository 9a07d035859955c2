"""Expansion hypothesis: strongest signal with numbers, buyer/user picks, unverified items and
the give-get rule table."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from services.play_orchestrator.coaching.context import (
    GateCheck,
    QuoteEvidence,
    Signal,
    SignalType,
    Stakeholder,
)
from services.play_orchestrator.coaching.hypothesis import build_hypothesis
from tests.unit.coaching.factories import (
    CEILING,
    GATES,
    PAIN,
    SHIFT,
    STAKEHOLDERS,
    TODAY,
    WORKAROUND,
    account,
    context,
    core_product,
)


def test_strongest_signal_is_named_with_its_numbers() -> None:
    hyp = build_hypothesis(context())
    assert hyp.strongest.type is SignalType.USAGE_CEILING
    assert hyp.strongest.numbers == ("42 of 50 seats (84%)",)
    assert hyp.why_now.startswith(
        "Strongest signal: usage_ceiling (score 40), 42 of 50 seats (84%) in the Reporting "
        "module of Core Analytics."
    )
    assert [s.signal_id for s in hyp.signals] == ["sig-ceiling-1", "sig-pain-1", "sig-shift-1"]
    assert "3 people opened 3 tickets about month-end close in the last 60 days" in hyp.why_now


def test_highest_score_leads_and_brings_the_customers_words() -> None:
    louder_pain = PAIN.model_copy(update={"score": 55})
    hyp = build_hypothesis(context(signals=(CEILING, louder_pain)))
    assert hyp.strongest.type is SignalType.ADJACENT_PAIN
    assert 'In their words: "manual reconciliation eats the first three days' in hyp.why_now


def test_equal_scores_prefer_concrete_evidence_and_order_is_input_independent() -> None:
    tied = WORKAROUND.model_copy(update={"score": 40})
    first = build_hypothesis(context(signals=(tied, CEILING)))
    second = build_hypothesis(context(signals=(CEILING, tied)))
    assert first == second
    assert first.strongest.type is SignalType.USAGE_CEILING


def test_adjacent_problem_uses_ticket_phrases_pain_matches_first() -> None:
    hyp = build_hypothesis(context())
    assert (
        hyp.customer_phrases[0] == "manual reconciliation eats the first three days of every close"
    )
    assert (
        hyp.customer_phrases[1]
        == "we paste every invoice batch into spreadsheets to match payments"
    )
    assert (
        '"manual reconciliation eats the first three days of every close"' in hyp.adjacent_problem
    )
    assert hyp.adjacent_problem.startswith("Month-end close")


def test_economic_buyer_and_day_to_day_user() -> None:
    hyp = build_hypothesis(context())
    assert hyp.economic_buyer is not None and hyp.economic_buyer.name == "Laura Brooks"
    assert "VP-level" in hyp.economic_buyer.reason
    assert hyp.day_to_day_user is not None and hyp.day_to_day_user.name == "Dana Lee"
    assert "named the pain in 1 ticket" in hyp.day_to_day_user.reason


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (Stakeholder(name="Ruth Okafor", title="Chief Financial Officer"), "Ruth Okafor"),
        (Stakeholder(name="Sam Ito", title="Vice President, Finance Systems"), "Laura Brooks"),
        (Stakeholder(name="Al Berg", title="Head of Data"), "Laura Brooks"),
    ],
)
def test_more_senior_title_wins_the_buyer_pick(extra: Stakeholder, expected: str) -> None:
    hyp = build_hypothesis(context(stakeholders=(*STAKEHOLDERS, extra)))
    assert hyp.economic_buyer is not None and hyp.economic_buyer.name == expected


def test_without_stakeholders_the_user_is_the_ticket_requester_and_buyer_is_unverified() -> None:
    hyp = build_hypothesis(context(stakeholders=()))
    assert hyp.economic_buyer is None
    assert hyp.day_to_day_user is not None
    assert hyp.day_to_day_user.name == "Dana Lee"
    assert hyp.day_to_day_user.title == "AP Specialist"
    assert any("No economic buyer identified" in item for item in hyp.unverified)


def test_unverified_lists_projected_need_stale_pain_and_flagged_gates() -> None:
    old_quotes = tuple(
        q.model_copy(update={"opened_on": TODAY - timedelta(days=75)}) for q in PAIN.quotes
    )
    gates = (*GATES[:3], GateCheck(name="health_at_risk", outcome="flag", detail="health yellow"))
    hyp = build_hypothesis(
        context(
            signals=(CEILING, PAIN.model_copy(update={"quotes": old_quotes}), SHIFT),
            gates=gates,
            account=account(health="yellow"),
        )
    )
    text = "\n".join(hyp.unverified)
    assert "strategic_shift (sig-shift-1, surfaced by csm) may be a projected need" in text
    assert "75 days old (over 60)" in text
    assert "Gate health_at_risk flagged: health yellow." in text
    assert hyp.gates == gates


def test_unverified_is_empty_when_everything_is_backed() -> None:
    hyp = build_hypothesis(context(signals=(CEILING, PAIN)))
    assert hyp.unverified == ()
    hyp = build_hypothesis(context(signals=(CEILING,)))
    assert hyp.unverified == ("No operator has named the pain in writing or on a recorded call.",)


# (core overrides, health, signals, expected option)
GIVE_GET_TABLE = [
    ({"adoption_pct": 65}, "green", (CEILING, PAIN), "pilot"),
    ({}, "green", (SHIFT,), "pilot"),  # strongest signal needs verification
    ({"renewal_date": TODAY + timedelta(days=120)}, "green", (CEILING, PAIN), "renewal_bundle"),
    ({"renewal_date": TODAY + timedelta(days=60)}, "green", (CEILING, PAIN), "renewal_bundle"),
    ({"renewal_date": TODAY + timedelta(days=180)}, "yellow", (CEILING,), "renewal_bundle"),
    ({"renewal_date": TODAY + timedelta(days=181)}, "green", (CEILING, PAIN), "multi_year"),
    ({"renewal_date": TODAY + timedelta(days=59)}, "green", (CEILING, PAIN), "multi_year"),
    ({"acv": 100_000}, "green", (CEILING, PAIN), "multi_year"),
    ({"acv": 99_999}, "green", (CEILING, PAIN), "services_included"),
    ({}, "yellow", (CEILING, PAIN), "services_included"),
    (
        {"adoption_pct": 65, "renewal_date": TODAY + timedelta(days=90)},
        "green",
        (CEILING,),
        "pilot",
    ),
]


@pytest.mark.parametrize(("core", "health", "signals", "option"), GIVE_GET_TABLE)
def test_give_get_rule_table(
    core: dict[str, object], health: str, signals: tuple[Signal, ...], option: str
) -> None:
    ctx = context(account=account(health=health, products=(core_product(**core),)), signals=signals)
    give_get = build_hypothesis(ctx).give_get
    assert give_get.option == option
    assert give_get.give and give_get.get and give_get.rule


def test_give_get_texts_name_the_products() -> None:
    ctx = context(
        account=account(products=(core_product(renewal_date=TODAY + timedelta(days=100)),))
    )
    give_get = build_hypothesis(ctx).give_get
    assert give_get.option == "renewal_bundle"
    assert "Close Automation co-termed with the Core Analytics renewal" in give_get.give
    assert give_get.rule == "core renewal 60-180 days out"


def test_to_dict_is_json_ready() -> None:
    data = build_hypothesis(context()).to_dict()
    encoded = json.loads(json.dumps(data))
    assert encoded["signals"][0]["type"] == "usage_ceiling"
    assert encoded["economic_buyer"]["name"] == "Laura Brooks"
    assert encoded["give_get"]["option"] == "multi_year"
    assert set(encoded) >= {
        "why_now",
        "adjacent_problem",
        "customer_phrases",
        "day_to_day_user",
        "gates",
        "unverified",
    }


def test_quote_without_role_or_date_is_handled() -> None:
    bare = QuoteEvidence(requester_name="Kim", subject="month-end close takes a week")
    pain = PAIN.model_copy(update={"quotes": (bare,)})
    hyp = build_hypothesis(context(signals=(pain,), stakeholders=()))
    assert hyp.customer_phrases == ("month-end close takes a week",)
    assert hyp.day_to_day_user is not None and hyp.day_to_day_user.name == "Kim"
