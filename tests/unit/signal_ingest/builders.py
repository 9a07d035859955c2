"""Event and state builders for the signal_ingest domain tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from services.signal_ingest.domain import (
    AccountState,
    Catalog,
    Signal,
    load_catalog,
    process_event,
)
from shared.messages.inbound import CanonicalEvent, parse_event

ROOT = Path(__file__).resolve().parents[3]
SAMPLE_CATALOG = ROOT / "services" / "signal_ingest" / "catalog" / "sample.yaml"
MAPPINGS = ROOT / "services" / "signal_ingest" / "mappings"
T0 = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
ACCOUNT = "001A000001"
ANALYTICS = "insights_analytics"
AUTOMATION = "automation_hub"
SECURITY = "security_compliance"
_ids = itertools.count(1)


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return load_catalog(SAMPLE_CATALOG)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def event(
    type_: str,
    data: dict[str, Any],
    at: datetime = T0,
    source: str = "product",
    id_: str | None = None,
) -> CanonicalEvent:
    return parse_event(
        {
            "id": id_ or f"evt-{next(_ids)}",
            "type": type_,
            "source": source,
            "account_id": ACCOUNT,
            "occurred_at": at.isoformat(),
            "data": data,
        }
    )


def metric(
    value: float,
    limit: float | None = 100,
    at: datetime = T0,
    product: str = "workflow_platform",
    name: str = "api_calls",
    module: str | None = None,
) -> CanonicalEvent:
    data: dict[str, Any] = {"product": product, "metric": name, "value": value, "limit": limit}
    if module:
        data["module"] = module
    return event("usage.metric", data, at)


def ticket(
    requester: str,
    at: datetime = T0,
    subject: str = "Need a custom report for the exec team",
    description: str = "Every Friday we export to Excel and the numbers don't match.",
    topics: list[str] | None = None,
    ticket_id: str | None = None,
    closed: bool = False,
    escalation: bool = False,
    role: str = "Ops Manager",
) -> CanonicalEvent:
    return event(
        "ticket.closed" if closed else "ticket.opened",
        {
            "ticket_id": ticket_id or f"T-{next(_ids)}",
            "requester": {"contact_id": requester, "name": f"Name {requester}", "role": role},
            "subject": subject,
            "description": description,
            "topics": topics if topics is not None else ["reporting"],
            "escalation": escalation,
        },
        at,
        source="support",
    )


def workaround(
    at: datetime = T0, kind: str = "export_to_spreadsheet", product: str = "workflow_platform"
) -> CanonicalEvent:
    return event(
        "usage.workaround", {"product": product, "kind": kind, "detail": "weekly export"}, at
    )


def profile(
    at: datetime = T0,
    health: str | None = "green",
    products: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> CanonicalEvent:
    data: dict[str, Any] = {"name": "Acme", "csm_owner": "Casey", "ae_owner": "Alex", **fields}
    if health is not None:
        data["health"] = health
    data["products"] = products if products is not None else [owned()]
    return event("account.profile", data, at, source="salesforce")


def owned(
    product: str = "workflow_platform",
    adoption: float = 85,
    renewal: str = "2027-09-30",
    acv: float = 120_000,
) -> dict[str, Any]:
    return {
        "product": product,
        "tier": "business",
        "acv": acv,
        "renewal_date": renewal,
        "adoption_pct": adoption,
    }


def note(
    kind: str,
    text: str = "Customer is opening a new region next year.",
    at: datetime = T0,
    source: str = "csm",
    **fields: Any,
) -> CanonicalEvent:
    return event("account.note", {"kind": kind, "text": text, **fields}, at, source=source)


def healthy_state(at: datetime = T0) -> AccountState:
    """An account with a clean profile: no gate applies."""
    state = AccountState(ACCOUNT)
    run(state, profile(at - timedelta(days=1)), now=at)
    return state


def run(state: AccountState, *events: CanonicalEvent, now: datetime | None = None) -> list[Signal]:
    cat = catalog()
    out: list[Signal] = []
    for e in events:
        out.extend(process_event(state, e, cat, now or e.occurred_at).signals)
    return out


def types(signals: list[Signal]) -> list[str]:
    return [s.candidate.type.value for s in signals]
