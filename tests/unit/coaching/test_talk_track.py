"""Talk track: signal-led opening in the customer's words, hand-off, ordered discovery
questions, value map, renderings, and the do-not-open cases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from services.play_orchestrator.coaching.context import (
    GateCheck,
    MetricEvidence,
    NoteEvidence,
    QuoteEvidence,
    Signal,
    SignalType,
    Stakeholder,
)
from services.play_orchestrator.coaching.evidence import evidence_phrases
from services.play_orchestrator.coaching.language import check_language
from services.play_orchestrator.coaching.talk_track import TalkTrack, build_talk_track
from tests.unit.coaching.factories import (
    AS_OF,
    CEILING,
    PAIN,
    SHIFT,
    TODAY,
    WORKAROUND,
    account,
    context,
)

QUOTE = "manual reconciliation eats the first three days of every close"


def track(**overrides: object) -> TalkTrack:
    return build_talk_track(context(**overrides))


def test_opening_leads_with_numbers_and_the_customers_own_phrase() -> None:
    opening = track().opening
    assert opening is not None
    assert opening.startswith("Hi Dana,\n\nYour team is now at 42 of 50 seats (84%)")
    assert f'"{QUOTE}" in ticket 48213' in opening
    assert "sketch out how your Finance Operations team runs month-end close today?" in opening
    assert "If what we find says it doesn't fit, I'll say that plainly" in opening
    assert "Close Automation" in opening  # named once, as the thing to test for fit


def test_generated_opening_passes_the_language_check() -> None:
    ctx = context()
    result = build_talk_track(ctx)
    assert result.opening_check is not None and result.opening_check.ok
    independent = check_language(result.opening or "", signal_phrases=evidence_phrases(ctx))
    assert independent.findings == ()


def _signal(kind: SignalType, **fields: Any) -> Signal:
    return Signal(signal_id=f"sig-{kind.value}", type=kind, score=20, detected_at=AS_OF, **fields)


SIGNAL_MIXES = {
    "workaround only": (WORKAROUND,),
    "pain only": (PAIN,),
    "strategic shift only": (SHIFT,),
    "seat milestone without limit": (
        _signal(
            SignalType.SEAT_MILESTONE,
            metrics=(MetricEvidence(metric="active_seats", value=50, module="Workflow"),),
        ),
    ),
    "stakeholder expansion": (
        _signal(
            SignalType.STAKEHOLDER_EXPANSION,
            stakeholders_added=(Stakeholder(name="Ines Vidal", title="Director of Accounting"),),
        ),
    ),
    "partner flag": (
        _signal(
            SignalType.PARTNER_FLAG,
            surfaced_by="partner",
            notes=(
                NoteEvidence(text="Team is rebuilding intercompany matching", kind="partner_flag"),
            ),
        ),
    ),
    "competitive evaluation": (
        _signal(
            SignalType.COMPETITIVE_ADJACENT,
            notes=(NoteEvidence(text="Trialling a reconciliation tool from another vendor"),),
        ),
    ),
    "everything": (CEILING, PAIN, SHIFT, WORKAROUND),
}


@pytest.mark.parametrize("mix", sorted(SIGNAL_MIXES))
def test_opening_is_clean_for_every_kind_of_signal(mix: str) -> None:
    ctx = context(signals=SIGNAL_MIXES[mix])
    result = build_talk_track(ctx)
    assert result.opening_check is not None
    assert result.opening_check.ok, (result.opening, result.opening_check.rule_ids())


def test_projected_need_is_asked_about_not_asserted() -> None:
    opening = track(signals=(SHIFT,)).opening or ""
    assert '"The board wants a multi-entity close in place before the Benelux launch"' in opening
    assert "or still taking shape?" in opening


def test_quote_with_vendor_language_is_not_put_in_our_mouth() -> None:
    loaded = QuoteEvidence(
        requester_name="Omar Haddad",
        requester_role="Senior Analyst",
        subject="we need a demo of our month-end close for the auditors",
        ticket_id="48300",
        opened_on=TODAY - timedelta(days=1),
    )
    pain = PAIN.model_copy(update={"quotes": (loaded, *PAIN.quotes)})
    result = track(signals=(CEILING, pain))
    assert "auditors" not in (result.opening or "")
    assert QUOTE in (result.opening or "")
    assert result.opening_check is not None and result.opening_check.ok


def test_discovery_questions_are_in_order_and_filled() -> None:
    questions = track().discovery_questions
    assert [q.number for q in questions] == [1, 2, 3]
    first, second, third = (q.text for q in questions)
    assert "how Finance Operations runs month-end close today" in first
    assert "who owns it" in first and "tools" in first and "one cycle takes" in first
    assert "month-end close" in second and "time or accuracy" in second
    assert "last quarter" in second
    assert "next two quarters" in third and "month-end close" in third
    assert "who in Finance Operations would notice the difference" in third
    for text in (first, second, third):
        assert "[" not in text and "{" not in text


def test_handoff_is_filled_with_this_account() -> None:
    handoff = track().handoff or ""
    assert handoff.startswith("Northwind Logistics, over the last 18 months your team has made")
    for part in (
        "Core Analytics",
        "Finance Operations",
        "Daniel Ortiz",
        "month-end close",
        "financial close and reconciliation",
        "whether Close Automation belongs in your setup",
    ):
        assert part in handoff
    assert handoff.endswith("Daniel, go ahead.")


def test_handoff_without_ae_or_team_still_reads() -> None:
    handoff = track(account=account(ae_owner=None, teams=(), customer_since=None)).handoff or ""
    assert "They have three questions" in handoff
    assert "part of how your team works" in handoff
    assert handoff.endswith("Please go ahead.")


def test_value_map() -> None:
    value_map = track().value_map
    assert value_map is not None
    assert value_map.need_in_their_words[0] == QUOTE
    assert "queues only the exceptions" in value_map.how_it_helps
    assert any("Core Analytics close dashboard" in p for p in value_map.integration_points)
    assert value_map.expected_outcome.startswith("Close shortened by 2-4 days")
    assert "3-4 weeks" in value_map.timeline
    assert "$50,400" in value_map.investment and "42%" in value_map.investment
    assert "$120,000 Core Analytics ACV" in value_map.investment
    assert value_map.give_get.startswith("multi_year.")


def test_markdown_and_text_render_every_section_in_order() -> None:
    result = track()
    markdown = result.to_markdown()
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    assert headings == [
        "# Talk track: Northwind Logistics - Close Automation "
        "(core: Core Analytics; play play-nw-close-1)",
        "## Opening (CSM)",
        "## CSM-to-AE hand-off",
        "## Discovery questions (AE asks, in this order)",
        "## Value map",
    ]
    numbered = [line[:3] for line in markdown.splitlines() if line[:1].isdigit()]
    assert numbered == ["1. ", "2. ", "3. "]
    assert "> Hi Dana," in markdown
    assert "| **Investment** | Expected around $50,400 a year" in markdown
    text = result.to_text()
    assert text.index("OPENING (CSM)") < text.index("CSM-TO-AE HAND-OFF")
    assert text.index("CSM-TO-AE HAND-OFF") < text.index("DISCOVERY QUESTIONS")
    assert text.index("DISCOVERY QUESTIONS") < text.index("VALUE MAP")
    assert QUOTE in text and "#" not in text.split("\n", 1)[1].replace("ticket 48213", "")


def test_renewal_negotiation_means_do_not_open() -> None:
    result = track(account=account(renewal_negotiating=True))
    assert not result.can_open
    assert result.opening is None and result.handoff is None
    assert result.discovery_questions == ()
    assert "Core Analytics renewal is being negotiated" in result.do_not_open[0]
    markdown = result.to_markdown()
    assert "## Do not open this conversation now" in markdown
    assert "## Opening" not in markdown
    assert "DO NOT OPEN THIS CONVERSATION NOW" in result.to_text()


def test_open_escalation_means_do_not_open_and_says_which() -> None:
    result = track(account=account(open_escalations=("ESC-311",)))
    assert result.do_not_open == (
        "Escalation ESC-311 is still open. Resolve it before any cross-sell conversation; while "
        "the customer is escalating they are judging the product they already own.",
    )


def test_failed_gates_also_stop_the_opening() -> None:
    gates = (
        GateCheck(name="open_escalation", outcome="fail", detail="ESC-9 opened"),
        GateCheck(name="renewal_negotiation", outcome="fail"),
    )
    result = track(gates=gates)
    assert len(result.do_not_open) == 2
    assert result.to_dict()["opening"] is None
