"""One realistic account as signal_ingest would announce it on ``crosssell.signals``.

Cascadia Mutual Insurance runs Flowboard Service Desk (Professional tier, $96,000 ACV,
adoption 78%, renewal in 150 days). Three qualified signals for Flowboard Shield, in the
order they arrive: a CSM's strategic-shift note (needs verification), three operators'
tickets about access reviews and audit evidence, and 42 of 50 agent seats in use (84%),
which takes the pair over the play threshold (20 in this catalog) and opens the play.

The adjacent product's description and the gate results come from signal_ingest's own
outbound code and the sample catalog, so the test data cannot drift from what is emitted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from services.signal_ingest.domain import (
    Signal,
    SignalCandidate,
    SignalStatus,
    SignalType,
    load_catalog,
)
from services.signal_ingest.outbound import adjacent_info, adjacent_problem, gate_checks
from shared.messages.envelope import Envelope
from shared.messages.evidence import Evidence, Quote
from shared.messages.signals import AccountSnapshot, SignalMessage, Stakeholder

ROOT = Path(__file__).resolve().parents[3]
CATALOG = load_catalog(ROOT / "services" / "signal_ingest" / "catalog" / "sample.yaml")
PRODUCT = "security_compliance"  # Flowboard Shield
PRODUCT_NAME = "Flowboard Shield"
THRESHOLD = 20.0

# The customer's own words (ticket text), newest first.
JUN_QUOTE = (
    "The auditors asked who changed the escalation rules in March and we had no audit "
    "trail to show them"
)
MARCUS_QUOTE = (
    "Every quarter we export agent permissions to a spreadsheet and chase 40 team leads "
    "to sign off the access review"
)
TOM_QUOTE = "New agents share one login for their first week because accounts are set up by hand"
SHIFT_NOTE = (
    "Their board approved a SOC 2 Type II audit for next fiscal year; the service desk "
    "will be in scope"
)

STAKEHOLDERS = (
    Stakeholder(contact_id="003-renee", name="Renee Okafor", title="VP Security", persona="ciso"),
    Stakeholder(contact_id="003-alicia", name="Alicia Gomez", title="Director of Customer Support"),
    Stakeholder(
        contact_id="003-marcus",
        name="Marcus Bell",
        title="Service Desk Administrator",
        persona="it_admin",
    ),
    Stakeholder(contact_id="003-jun", name="Jun Park", title="Compliance Analyst"),
)


def snapshot(account_id: str, now: datetime) -> AccountSnapshot:
    return AccountSnapshot(
        account_id=account_id,
        name="Cascadia Mutual Insurance",
        health="green",
        csm_owner="Maya Chen",
        ae_owner="Daniel Ortiz",
        core_product="service_desk",
        core_product_name="Flowboard Service Desk",
        core_tier="Professional",
        core_acv=96_000.0,
        renewal_date=(now + timedelta(days=150)).date(),
        adoption_pct=78.0,
        total_acv=131_000.0,
        stakeholders=STAKEHOLDERS,
    )


def _quote(name: str, role: str, contact: str, ticket: str, text: str, at: datetime) -> Quote:
    return Quote(text=text, name=name, role=role, contact_id=contact, ticket_id=ticket, at=at)


def signals(account_id: str, now: datetime) -> list[SignalMessage]:
    """The three messages in arrival order; the last one opens the play."""
    account = snapshot(account_id, now)
    shift_at, pain_at, ceiling_at = now - timedelta(days=3), now - timedelta(days=2), now
    ids = [f"sig-{account_id}-{kind}" for kind in ("shift", "pain", "ceiling")]
    shift = SignalMessage(
        signal_id=ids[0],
        account_id=account_id,
        adjacent_product=PRODUCT,
        type="strategic_shift",
        status="qualified",
        score=5,
        evidence=Evidence(
            summary=SHIFT_NOTE,
            quotes=(Quote(text=SHIFT_NOTE, role="csm", at=shift_at, medium="note"),),
        ),
        evidence_facts={"note_kind": "strategic_shift", "text": SHIFT_NOTE, "author_role": "csm"},
        source="csm",
        surfaced_by="csm",
        detected_at=shift_at,
        needs_verification=True,
        play_score=5,
        play_threshold=THRESHOLD,
        qualified_signal_ids=(ids[0],),
        account=account,
    )
    pain = shift.model_copy(
        update={
            "signal_id": ids[1],
            "type": "adjacent_pain",
            "score": 10,
            "evidence": Evidence(
                summary="3 people raised this in 60 days: Jun Park (Compliance Analyst), "
                "Marcus Bell (Service Desk Administrator), Tom Reyes (Support Team Lead)",
                numbers={"distinct_requesters": 3, "window_days": 60},
                quotes=(
                    _quote(
                        "Jun Park",
                        "Compliance Analyst",
                        "003-jun",
                        "SD-4502",
                        JUN_QUOTE,
                        now - timedelta(days=5),
                    ),
                    _quote(
                        "Marcus Bell",
                        "Service Desk Administrator",
                        "003-marcus",
                        "SD-4471",
                        MARCUS_QUOTE,
                        now - timedelta(days=9),
                    ),
                    _quote(
                        "Tom Reyes",
                        "Support Team Lead",
                        "003-tom",
                        "SD-4388",
                        TOM_QUOTE,
                        now - timedelta(days=23),
                    ),
                ),
            ),
            "evidence_facts": {},
            "source": "support",
            "surfaced_by": "system",
            "detected_at": pain_at,
            "needs_verification": False,
            "play_score": 15,
            "qualified_signal_ids": tuple(ids[:2]),
        }
    )
    ceiling = shift.model_copy(
        update={
            "signal_id": ids[2],
            "type": "usage_ceiling",
            "score": 10,
            "evidence": Evidence(
                summary="service_desk agent_seats at 42 of 50 (84% of tier limit)",
                numbers={"value": 42, "limit": 50, "percent": 84, "threshold_pct": 80},
            ),
            "evidence_facts": {"product": "service_desk", "metric": "agent_seats"},
            "source": "gainsight",
            "surfaced_by": "csm",
            "detected_at": ceiling_at,
            "needs_verification": False,
            "play_score": 25,
            "opens_play": True,
            "qualified_signal_ids": tuple(ids),
        }
    )
    return [_as_emitted(m, now) for m in (shift, pain, ceiling)]


def _as_emitted(message: SignalMessage, now: datetime) -> SignalMessage:
    """Add what signal_ingest's outbound code adds: the catalog copy and every gate."""
    decided = Signal(
        SignalCandidate(
            id=message.signal_id,
            account_id=message.account_id,
            adjacent_product=message.adjacent_product,
            type=SignalType(message.type),
            score=message.score,
            evidence={},
            source=message.source,
            surfaced_by=message.surfaced_by,
            detected_at=message.detected_at,
            event_id=message.signal_id,
        ),
        SignalStatus.QUALIFIED,
    )
    return message.model_copy(
        update={
            "adjacent": adjacent_info(PRODUCT, CATALOG),
            "gates_checked": gate_checks(decided, message.account, CATALOG, now),
            "adjacent_problem": adjacent_problem(PRODUCT, CATALOG),
        }
    )


def envelope(message: SignalMessage) -> Envelope:
    return Envelope(
        id=f"{message.signal_id}:{message.status}",
        type="SignalQualified",
        account_id=message.account_id,
        occurred_at=message.detected_at,
        source="signal_ingest",
        payload=message.model_dump(mode="json"),
    )
