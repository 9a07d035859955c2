"""What signal_ingest puts in ``crosssell.signals`` for coaching (adjacent product copy,
every gate with its result, the named evidence facts), that older messages and catalogs
still load, and the whole chain: real signal rules -> message -> play_orchestrator's
context -> a hypothesis that names the ceiling with its numbers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.play_orchestrator.adapters.coaching import CoachingInputs, build_context
from services.play_orchestrator.coaching import build_hypothesis, build_talk_track
from services.play_orchestrator.domain import open_play
from services.play_orchestrator.translate import account_info, signal_info, stored_signal
from services.signal_ingest.domain import parse_catalog
from services.signal_ingest.handlers import handle_events
from shared.messages.signals import SignalMessage
from tests.unit.signal_ingest.builders import (
    SECURITY,
    T0,
    catalog,
    day,
    event,
    metric,
    note,
    owned,
    profile,
    ticket,
    workaround,
)
from tests.unit.signal_ingest_service.fakes import World

GATES = (
    "open_escalation",
    "renewal_negotiation",
    "renewal_window",
    "low_adoption",
    "declining_usage",
    "health_at_risk",
    "already_owned",
    "competitor_bought",
    "play_open",
    "cooldown",
    "facts_missing",
)
DESK = [owned("service_desk", adoption=78, acv=96_000, renewal="2027-04-01")]


def _stakeholder(contact: str, name: str, title: str, persona: str) -> Any:
    data = {"contact_id": contact, "name": name, "title": title, "persona": persona}
    return event("account.stakeholder", {**data, "change": "added"}, day(0.5), source="csm")


async def _messages(*events: Any, now: Any = None, health: str = "green") -> list[SignalMessage]:
    world = World()
    batch = [profile(day(-1), health=health, products=DESK), *events]
    await handle_events(world.ports, batch, catalog(), now or day(1))
    return [d.message for d in world.sink.decisions]


def _seats(value: float = 42) -> Any:
    return metric(value, limit=50, product="service_desk", name="agent_seats", at=day(0.2))


async def test_a_ceiling_message_carries_the_catalog_copy_the_gates_and_the_metric() -> None:
    (message,) = await _messages(_seats())
    assert message.type == "usage_ceiling" and message.adjacent_product == SECURITY
    adjacent = message.adjacent
    assert adjacent is not None and adjacent.name == "Flowboard Shield"
    assert adjacent.workflow == "quarterly access reviews"
    assert "VP Security" in adjacent.buyer_personas
    assert "Service Desk Administrator" in adjacent.user_personas
    assert len(adjacent.integration_points) == 3 and adjacent.typical_timeline
    assert "audit trail" in adjacent.pain_phrases
    assert [g.name for g in message.gates_checked] == list(GATES)
    assert all(g.passed and g.detail for g in message.gates_checked)
    details = {g.name: g.detail for g in message.gates_checked}
    assert details["low_adoption"] == "Flowboard Service Desk adoption 78% (gate: below 60%)"
    assert details["renewal_window"].startswith("Flowboard Service Desk renews 2027-04-01")
    assert message.evidence_facts == {"product": "service_desk", "metric": "agent_seats"}
    assert message.account.core_product_name == "Flowboard Service Desk"
    assert message.account.core_tier == "business"


async def test_suppressing_gates_are_reported_failed_and_yellow_health_flagged() -> None:
    escalation = event("account.escalation", {"escalation_id": "E1", "status": "opened"}, T0)
    (suppressed,) = await _messages(escalation, _seats(), health="yellow")
    assert suppressed.status == "suppressed"
    checks = {g.name: g for g in suppressed.gates_checked}
    assert checks["open_escalation"].passed is False
    assert checks["open_escalation"].detail == "an escalation is open"
    assert checks["health_at_risk"].passed and "flagged" in checks["health_at_risk"].detail
    assert "health_yellow" in suppressed.flags
    assert sum(not g.passed for g in suppressed.gates_checked) == 1


async def test_stale_signals_carry_no_gates() -> None:
    (stale,) = await _messages(_seats(), now=day(30))
    assert stale.status == "stale" and stale.gates_checked == ()


async def test_notes_stakeholders_and_workarounds_keep_their_words_as_facts() -> None:
    text = "Board approved a SOC 2 audit next year; Shield was named in the QBR"
    shift = note("strategic_shift", text, day(0.1), author_role="csm", adjacent_product=SECURITY)
    messages = await _messages(
        shift, _stakeholder("003-r", "Renee Okafor", "VP Security", "vp_security")
    )
    by_type = {m.type: m for m in messages}
    facts = by_type["strategic_shift"].evidence_facts
    assert facts == {"note_kind": "strategic_shift", "text": text, "author_role": "csm"}
    assert by_type["strategic_shift"].needs_verification
    person = by_type["stakeholder_expansion"].evidence_facts
    assert (person["name"], person["title"], person["persona"]) == (
        "Renee Okafor",
        "VP Security",
        "vp_security",
    )
    (wa,) = await _messages(
        *(workaround(day(i / 10), kind="manual_access_review") for i in (1, 2, 3))
    )
    assert wa.type == "workaround" and wa.evidence_facts["kinds"] == "manual_access_review"


def test_older_messages_and_catalogs_still_load() -> None:
    old = {
        "signal_id": "sig-old",
        "account_id": "001",
        "adjacent_product": "insights_analytics",
        "type": "usage_ceiling",
        "status": "qualified",
        "score": 10,
        "evidence": {"summary": "api_calls at 90 of 100"},
        "source": "product",
        "surfaced_by": "system",
        "detected_at": T0.isoformat(),
        "account": {"account_id": "001", "name": "Acme", "core_product": "workflow_platform"},
    }
    message = SignalMessage.model_validate(old)
    assert message.adjacent is None and message.gates_checked == ()
    assert message.evidence_facts == {} and message.account.core_product_name == ""
    bare = parse_catalog(
        {
            "core_products": [
                {"id": "core", "name": "Core", "metrics": ["seats"], "primary_metric": "seats"}
            ],
            "adjacent_products": [{"id": "addon", "name": "Add-on", "extends": ["core"]}],
        }
    )
    addon = bare.adjacent("addon")
    assert addon is not None and addon.workflow == "" and addon.integration_points == []


async def test_real_signals_become_a_hypothesis_that_names_the_ceiling_and_their_words() -> None:
    tickets = [
        ticket(
            who,
            at=day(0.3 + i / 10),
            subject=subject,
            description="",
            topics=["audit_log"],
            role=role,
        )
        for i, (who, role, subject) in enumerate(
            [
                ("003-m", "Service Desk Administrator", "Chasing 40 leads for the access review"),
                ("003-j", "Compliance Analyst", "Auditors asked who changed the SLA rules"),
                ("003-t", "Support Team Lead", "New agents share one login for a week"),
            ]
        )
    ]
    people = [
        _stakeholder("003-r", "Renee Okafor", "VP Security", "ciso"),
        _stakeholder("003-m", "Name 003-m", "Service Desk Administrator", "it_admin"),
    ]
    messages = await _messages(_seats(), *tickets, *people)
    shield = [m for m in messages if m.adjacent_product == SECURITY and m.opens_play]
    last = shield[-1]
    now = last.detected_at + timedelta(hours=1)
    stored = {m.signal_id: stored_signal(m) for m in messages}
    play = open_play(signal_info(last, stored), account_info(last.account), "joint-14", now, "p-1")
    inputs = CoachingInputs(
        play=play,
        signals=tuple(stored[i] for i in play.signal.signal_ids if i in stored),
        snapshot=last.account,
    )
    hypothesis = build_hypothesis(build_context(inputs, now))
    assert hypothesis.strongest.type.value == "usage_ceiling"
    assert hypothesis.strongest.numbers == ("42 of 50 agent seats (84%)",)
    assert "in Flowboard Service Desk" in hypothesis.why_now
    assert "Auditors asked who changed the SLA rules" in hypothesis.customer_phrases
    assert hypothesis.economic_buyer is not None
    assert hypothesis.economic_buyer.name == "Renee Okafor"
    assert [g.name for g in hypothesis.gates] == list(GATES)
    # item 5 of the brief quotes one of the same customer statements
    assert play.brief.pain is not None and play.brief.pain.quote in hypothesis.customer_phrases
    track = build_talk_track(build_context(inputs, now))
    assert track.opening_check is not None and track.opening_check.ok
