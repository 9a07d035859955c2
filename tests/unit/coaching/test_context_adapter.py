"""The play orchestrator's side: signal messages as stored -> ``PlayContext`` (the pure part
of ``adapters/coaching.py``), the fallbacks for older messages, and Accept negotiation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.play_orchestrator.adapters.coaching import CoachingInputs, build_context
from services.play_orchestrator.api_coaching import negotiate
from services.play_orchestrator.coaching import PlayContext, build_hypothesis, build_talk_track
from services.play_orchestrator.domain import (
    Brief,
    ExecutiveSponsor,
    Play,
    SubmitBrief,
    open_play,
)
from services.play_orchestrator.ports import AccountFacts
from services.play_orchestrator.translate import account_info, signal_info, stored_signal
from shared.messages.signals import GateCheck, SignalMessage
from tests.unit.coaching.demo_account import JUN_QUOTE, SHIFT_NOTE, signals

NOW = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)
ACCOUNT = "001-cascadia"


def _inputs(
    messages: list[SignalMessage] | None = None,
    *,
    facts: AccountFacts | None = None,
    play: Play | None = None,
    snapshot: Any = "same",
) -> CoachingInputs:
    messages = messages or signals(ACCOUNT, NOW)
    stored = {m.signal_id: stored_signal(m) for m in messages}
    last = messages[-1]
    if play is None:
        info, account = signal_info(last, stored), account_info(last.account)
        play = open_play(info, account, "joint-14", NOW, "play-cm")
    return CoachingInputs(
        play=play,
        signals=tuple(stored[i] for i in play.signal.signal_ids if i in stored),
        snapshot=last.account if snapshot == "same" else snapshot,
        facts=facts,
    )


def _context(**kw: Any) -> PlayContext:
    return build_context(_inputs(**kw), NOW)


def test_the_demo_account_maps_to_display_names_evidence_and_people() -> None:
    ctx = _context()
    assert ctx.play.adjacent_product == ctx.catalog.adjacent_product == "Flowboard Shield"
    core = ctx.core
    assert (core.product, core.tier, core.acv, core.adoption_pct) == (
        "Flowboard Service Desk",
        "Professional",
        96_000,
        78,
    )
    assert ctx.account.ae_owner == "Daniel Ortiz" and ctx.account.health == "green"
    assert [s.type.value for s in ctx.signals] == [
        "strategic_shift",
        "adjacent_pain",
        "usage_ceiling",
    ]
    shift, pain, ceiling = ctx.signals
    assert shift.needs_verification and shift.notes[0].text == SHIFT_NOTE
    assert pain.window_days == 60 and [q.ticket_id for q in pain.quotes] == [
        "SD-4502",
        "SD-4471",
        "SD-4388",
    ]
    assert (
        pain.quotes[0].words == JUN_QUOTE and pain.quotes[0].requester_role == "Compliance Analyst"
    )
    metric = ceiling.metrics[0]
    assert (metric.metric, metric.value, metric.limit, metric.percent, metric.product) == (
        "agent_seats",
        42,
        50,
        84,
        "Flowboard Service Desk",
    )
    assert {p.name for p in ctx.stakeholders} >= {"Renee Okafor", "Jun Park", "Marcus Bell"}
    assert ctx.catalog.workflow == "quarterly access reviews"
    assert ctx.expected_amount_ratio == pytest.approx(0.42)


def test_gates_come_from_the_newest_judged_signal_with_fail_and_flag() -> None:
    messages = signals(ACCOUNT, NOW)
    gates = list(messages[-1].gates_checked)
    gates[2] = GateCheck(name="renewal_window", passed=False, detail="renewal in 40 days")
    last = messages[-1].model_copy(
        update={"gates_checked": tuple(gates), "flags": ("health_yellow",)}
    )
    ctx = _context(messages=[*messages[:-1], last])
    outcomes = {g.name: g.outcome for g in ctx.gates}
    assert outcomes["renewal_window"] == "fail" and outcomes["health_at_risk"] == "flag"
    assert outcomes["open_escalation"] == "pass"
    assert "Gate renewal_window failed: renewal in 40 days." in build_hypothesis(ctx).unverified


def test_open_escalation_and_negotiated_renewal_hold_the_talk_track() -> None:
    facts = AccountFacts(ACCOUNT, frozenset({"ESC-77"}), frozenset({"service_desk"}))
    ctx = _context(facts=facts)
    assert ctx.account.open_escalations == ("ESC-77",) and ctx.account.renewal_negotiating
    track = build_talk_track(ctx)
    assert track.opening is None and len(track.do_not_open) == 2
    assert "ESC-77" in track.to_markdown()


def test_the_sponsor_the_reps_recorded_is_a_stakeholder() -> None:
    inputs = _inputs()
    play = inputs.play
    sponsor = ExecutiveSponsor(name="Grace Liu", title="Chief Information Security Officer")
    play.execute(SubmitBrief(actor="k1", brief=Brief(sponsor=sponsor)), NOW)
    ctx = build_context(_inputs(play=play), NOW)
    added = [p for p in ctx.stakeholders if p.name == "Grace Liu"]
    assert added and added[0].persona == "executive_sponsor"
    buyer = build_hypothesis(ctx).economic_buyer
    assert buyer is not None and buyer.name == "Grace Liu"  # C-level outranks the VP


def test_older_messages_without_coaching_fields_still_give_a_hypothesis() -> None:
    bare = [
        m.model_copy(update={"adjacent": None, "gates_checked": (), "evidence_facts": {}})
        for m in signals(ACCOUNT, NOW)
    ]
    old_snapshot = bare[-1].account.model_copy(update={"core_product_name": "", "core_tier": None})
    bare[-1] = bare[-1].model_copy(update={"account": old_snapshot})
    ctx = _context(messages=bare, snapshot=old_snapshot)
    assert ctx.play.adjacent_product == "security_compliance"  # the id is all we know
    assert ctx.core.product == "service_desk" and ctx.gates == ()
    assert ctx.catalog.solves.startswith("Flowboard Shield removes:")  # the adjacent_problem
    hypothesis = build_hypothesis(ctx)
    assert hypothesis.strongest.numbers == ("42 of 50 units (84%)",)
    assert hypothesis.signals[-1].headline.startswith("note:")  # the summary stands in
    assert JUN_QUOTE in hypothesis.customer_phrases
    track = build_talk_track(ctx)
    assert track.opening is not None and JUN_QUOTE in track.opening


def test_a_snapshot_for_another_core_product_does_not_lend_its_tier_or_adoption() -> None:
    other = signals(ACCOUNT, NOW)[-1].account.model_copy(
        update={"core_product": "workflow_platform", "core_tier": "Enterprise", "adoption_pct": 40}
    )
    ctx = _context(snapshot=other)
    assert ctx.core.product == "service_desk"  # the play's own core, by id
    assert ctx.core.tier is None and ctx.core.adoption_pct is None
    assert ctx.account.name == "Cascadia Mutual Insurance"


def test_without_stored_signals_the_play_document_still_gives_a_context() -> None:
    inputs = _inputs()
    ctx = build_context(CoachingInputs(play=inputs.play, signals=()), NOW)
    (only,) = ctx.signals
    # the play's primary signal: highest score, the earliest on a tie (pain before ceiling)
    assert only.type.value == "adjacent_pain" and only.score == 25
    assert ctx.account.name == "Cascadia Mutual Insurance"  # from the brief's item 1
    assert JUN_QUOTE in build_hypothesis(ctx).customer_phrases


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "json"),
        ("", "json"),
        ("*/*", "json"),
        ("application/json", "json"),
        ("text/markdown", "markdown"),
        ("text/x-markdown", "markdown"),
        ("text/plain", "text"),
        ("text/plain; charset=utf-8", "text"),
        ("text/*", "markdown"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "json"),
        ("text/plain;q=0.5, text/markdown;q=0.9", "markdown"),
        ("*/*, text/plain", "text"),  # the more specific type wins a tie
        ("text/markdown;q=0, text/plain;q=0.1", "text"),
        ("text/plain;q=oops, application/json;q=0.2", "json"),
        ("image/png", None),
        ("text/markdown;q=0", None),
    ],
)
def test_accept_negotiation(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept) == expected


def test_the_talk_track_names_the_people_the_brief_names() -> None:
    inputs = _inputs()
    play = inputs.play
    # a Director the title ranking would not pick over the account's VP
    sponsor = ExecutiveSponsor(name="Omar Haddad", title="Director of IT")
    play.execute(SubmitBrief(actor="Sam Carter", brief=Brief(sponsor=sponsor)), NOW)
    ctx = build_context(_inputs(play=play), NOW)
    hypothesis = build_hypothesis(ctx)
    assert hypothesis.economic_buyer is not None
    assert hypothesis.economic_buyer.name == "Omar Haddad"
    champion = play.current_champion()
    assert champion is not None
    assert hypothesis.day_to_day_user is not None
    assert hypothesis.day_to_day_user.name == champion.name
    opening = build_talk_track(ctx).opening
    assert opening is not None and opening.startswith(f"Hi {champion.name.split()[0]},")
