"""Messages and commands for the play_orchestrator service tests (unit and integration)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.messages.envelope import Envelope
from shared.messages.evidence import Evidence, Quote
from shared.messages.signals import AccountSnapshot, SignalMessage

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
# Monday 2 November 2026, 09:00 UTC
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PRODUCT = "Billing Automation"


def account(account_id: str = "001-acme", **kw: Any) -> AccountSnapshot:
    fields: dict[str, Any] = {
        "account_id": account_id,
        "name": f"Acme {account_id}",
        "health": "green",
        "csm_owner": "sam.csm",
        "ae_owner": "alex.ae",
        "core_product": "Workflow Suite",
        "core_acv": 120_000.0,
        "renewal_date": date(2027, 6, 30),
        "adoption_pct": 82.0,
        "total_acv": 150_000.0,
    }
    fields.update(kw)
    return AccountSnapshot(**fields)


def signal(
    account_id: str = "001-acme",
    *,
    signal_id: str | None = None,
    at: datetime = T0,
    product: str = PRODUCT,
    status: str = "qualified",
    opens_play: bool = True,
    type_: str = "usage_ceiling",
    source: str = "gainsight",
    surfaced_by: str = "csm",
    score: float = 60.0,
    qualified: tuple[str, ...] = (),
    quotes: tuple[Quote, ...] = (),
    **account_kw: Any,
) -> SignalMessage:
    sid = signal_id or f"sig-{account_id}-{type_}-{at.timestamp():.0f}"
    return SignalMessage(
        signal_id=sid,
        account_id=account_id,
        adjacent_product=product,
        type=type_,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        suppression_reasons=() if status == "qualified" else ("open_escalation",),
        score=score,
        evidence=Evidence(
            summary="active_seats at 86 of 100 (86%)",
            numbers={"value": 86, "limit": 100},
            quotes=quotes,
        ),
        source=source,
        surfaced_by=surfaced_by,  # type: ignore[arg-type]
        detected_at=at,
        play_score=score if opens_play else score / 2,
        play_threshold=50.0,
        opens_play=opens_play,
        qualified_signal_ids=(*qualified, sid) if status == "qualified" else qualified,
        adjacent_problem="Removes manual invoice reconciliation.",
        account=account(account_id, **account_kw),
    )


def pain_quote(at: datetime = T0 - 10 * DAY) -> Quote:
    return Quote(
        text="Reconciling invoices by hand every week is killing us",
        name="Dana Ruiz",
        role="Billing Operations Lead",
        contact_id="003-dana",
        ticket_id="T-1042",
        at=at,
        medium="written",
    )


def signal_envelope(message: SignalMessage, message_type: str = "SignalQualified") -> Envelope:
    kind = {"suppressed": "SignalSuppressed", "stale": "SignalStale"}.get(message.status)
    return Envelope(
        id=f"{message.signal_id}:{message.status}",
        type=kind or message_type,
        account_id=message.account_id,
        occurred_at=message.detected_at,
        source="signal_ingest",
        payload=message.model_dump(mode="json"),
    )


def account_event(
    account_id: str, event_type: str, data: dict[str, Any], at: datetime, event_id: str
) -> Envelope:
    return Envelope(
        id=f"csm:{event_id}",
        type=event_type,
        account_id=account_id,
        occurred_at=at,
        source="csm",
        payload=data,
    )


BRIEF_SPONSOR = {"sponsor": {"name": "Priya Natarajan", "title": "VP Finance"}}
MEETING = {
    "meeting_at": (T0 + 3 * DAY).isoformat(),
    "attendees": ["Dana Ruiz", "sam.csm", "alex.ae"],
    "agenda": "Map how invoices are reconciled today",
    "next_step": "Business case review with the VP Finance",
}
DISCOVERY = {
    "current_workflow": "Two analysts export invoices to spreadsheets weekly; 3-day cycle",
    "time_or_accuracy_loss": "40 analyst hours and two billing errors a month",
    "one_fix": "Automated reconciliation; the billing ops lead feels it first",
    "fit": True,
}
SPONSOR = {"name": "Priya Natarajan", "title": "VP Finance", "relationship_owner": "sam.csm"}
