"""Read model of one account for ``GET /v1/accounts/{account_id}``: products,
usage against limits, and the gates open for each adjacent product."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .catalog import Catalog
from .gates import assess_gates
from .state import AccountState


def account_view(state: AccountState, catalog: Catalog, now: datetime) -> dict[str, Any]:
    """JSON-compatible; signals are listed by the caller from its own table."""
    p = state.profile
    usage = []
    for (product, metric, module), series in sorted(state.usage.items()):
        latest = series.latest
        if latest is None:
            continue
        pct = round(latest.value / latest.limit * 100, 1) if latest.limit else None
        usage.append(
            {
                "product": product,
                "metric": metric,
                "module": module or None,
                "value": latest.value,
                "limit": latest.limit,
                "percent_of_limit": pct,
                "at": latest.at.isoformat(),
                "ceiling_armed": series.armed,
            }
        )
    gates = {}
    for adj in catalog.adjacent_products:
        assessment = assess_gates(state, adj.id, catalog, now)
        gates[adj.id] = {"reasons": list(assessment.reasons), "flags": list(assessment.flags)}
    return {
        "account_id": state.account_id,
        "name": p.name,
        "csm_owner": p.csm_owner,
        "ae_owner": p.ae_owner,
        "health": p.health,
        "health_at": p.health_at.isoformat() if p.health_at else None,
        "products": [
            {
                "product": name,
                "tier": o.tier,
                "acv": o.acv,
                "renewal_date": o.renewal_date.isoformat(),
                "adoption_pct": o.adoption_pct,
            }
            for name, o in sorted(state.products.items())
        ],
        "usage": usage,
        "open_escalations": sorted(
            [k for k, e in state.escalations.items() if e.status == "opened"]
            + [f"ticket:{k}" for k, t in state.tickets.items() if t.escalation and not t.closed]
        ),
        "renewals": {
            k: {"status": r.status, "renewal_date": r.renewal_date.isoformat()}
            for k, r in sorted(state.renewals.items())
        },
        "gates": gates,
        "last_event_at": state.latest_event_at.isoformat() if state.latest_event_at else None,
    }
