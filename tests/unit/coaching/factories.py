"""Realistic play contexts for coaching tests (a logistics company on Core Analytics)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.play_orchestrator.coaching.context import (
    Account,
    CatalogEntry,
    CoreProduct,
    GateCheck,
    MetricEvidence,
    NoteEvidence,
    Play,
    PlayContext,
    QuoteEvidence,
    Signal,
    SignalType,
    Stakeholder,
    WorkaroundEvidence,
)

AS_OF = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
TODAY = AS_OF.date()

CATALOG = CatalogEntry(
    adjacent_product="Close Automation",
    solves=(
        "Matches invoices, payments and ledger lines automatically and queues only the "
        "exceptions for review, so the close no longer runs through spreadsheets."
    ),
    workflow="month-end close",
    problem_area="financial close and reconciliation",
    pain_phrases=("manual reconciliation", "month-end close", "spreadsheets"),
    integration_points=(
        "reads the ledger and invoice tables already modelled in Core Analytics",
        "writes reconciliation status back to the Core Analytics close dashboard",
        "uses the same SSO and user roles",
    ),
    typical_outcome="Close shortened by 2-4 days; reconciliation exceptions roughly halved",
    typical_timeline="First entity live in 3-4 weeks; first shorter close the month after",
    buyer_personas=("VP Finance", "Controller"),
    user_personas=("AP Specialist", "Analyst"),
)

CEILING = Signal(
    signal_id="sig-ceiling-1",
    type=SignalType.USAGE_CEILING,
    score=40,
    surfaced_by="csm",
    detected_at=AS_OF - timedelta(days=2),
    metrics=(
        MetricEvidence(
            metric="active_seats", value=42, limit=50, product="Core Analytics", module="Reporting"
        ),
    ),
)

PAIN = Signal(
    signal_id="sig-pain-1",
    type=SignalType.ADJACENT_PAIN,
    score=30,
    surfaced_by="system",
    detected_at=AS_OF - timedelta(days=1),
    window_days=60,
    quotes=(
        QuoteEvidence(
            requester_name="Dana Lee",
            requester_role="AP Specialist",
            subject="Reconciliation export times out",
            quote="manual reconciliation eats the first three days of every close",
            ticket_id="48213",
            opened_on=TODAY - timedelta(days=12),
        ),
        QuoteEvidence(
            requester_name="Omar Haddad",
            requester_role="Senior Analyst",
            subject="we paste every invoice batch into spreadsheets to match payments",
            ticket_id="48190",
            opened_on=TODAY - timedelta(days=20),
        ),
        QuoteEvidence(
            requester_name="Priya Nair",
            requester_role="Finance Operations Manager",
            subject="Need a status view of open reconciliation items",
            ticket_id="47977",
            opened_on=TODAY - timedelta(days=41),
        ),
    ),
)

SHIFT = Signal(
    signal_id="sig-shift-1",
    type=SignalType.STRATEGIC_SHIFT,
    score=10,
    surfaced_by="csm",
    detected_at=AS_OF - timedelta(days=5),
    needs_verification=True,
    notes=(
        NoteEvidence(
            text="The board wants a multi-entity close in place before the Benelux launch",
            kind="strategic_shift",
            author_role="csm",
            written_on=TODAY - timedelta(days=5),
        ),
    ),
)

WORKAROUND = Signal(
    signal_id="sig-wa-1",
    type=SignalType.WORKAROUND,
    score=25,
    detected_at=AS_OF - timedelta(days=3),
    workarounds=(WorkaroundEvidence(kind="export_to_spreadsheet", count=14, days=30),),
)

STAKEHOLDERS = (
    Stakeholder(name="Laura Brooks", title="VP Finance", persona="finance_leader"),
    Stakeholder(name="Tom Reyes", title="Director of IT"),
    Stakeholder(name="Dana Lee", title="AP Specialist", persona="operator"),
    Stakeholder(name="Priya Nair", title="Finance Operations Manager"),
)

GATES = (
    GateCheck(name="open_escalation", outcome="pass"),
    GateCheck(name="renewal_window", outcome="pass", detail="renewal in 240 days"),
    GateCheck(name="low_adoption", outcome="pass", detail="adoption 82%"),
    GateCheck(name="health_at_risk", outcome="pass", detail="health green"),
)


def core_product(**overrides: Any) -> CoreProduct:
    values: dict[str, Any] = {
        "product": "Core Analytics",
        "tier": "Growth",
        "acv": 120_000,
        "renewal_date": TODAY + timedelta(days=240),
        "adoption_pct": 82,
    }
    values.update(overrides)
    return CoreProduct(**values)


def account(**overrides: Any) -> Account:
    values: dict[str, Any] = {
        "account_id": "001Nw00000Q1aZ",
        "name": "Northwind Logistics",
        "health": "green",
        "products": (core_product(),),
        "csm_owner": "Maya Chen",
        "ae_owner": "Daniel Ortiz",
        "customer_since": date(2025, 5, 1),
        "teams": ("Finance Operations",),
    }
    values.update(overrides)
    return Account(**values)


def context(**overrides: Any) -> PlayContext:
    values: dict[str, Any] = {
        "as_of": AS_OF,
        "account": account(),
        "play": Play(
            play_id="play-nw-close-1",
            adjacent_product="Close Automation",
            opened_at=AS_OF - timedelta(days=1),
            deadline=AS_OF + timedelta(days=13),
        ),
        "signals": (CEILING, PAIN, SHIFT),
        "stakeholders": STAKEHOLDERS,
        "gates": GATES,
        "catalog": CATALOG,
    }
    values.update(overrides)
    return PlayContext(**values)
