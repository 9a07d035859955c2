"""The eight signal rules (SPEC section 5), run after an event is folded in.

Fire-once semantics:
- usage_ceiling: per (product, metric, module) series; fires when the newest
  sample reaches the fire threshold while armed, then stays disarmed until a
  newer sample falls below the re-arm threshold. Late (older) samples only
  feed history, never the arm state.
- seat_milestone: each (adjacent product, milestone) fires once per account.
- adjacent_pain / workaround: fire when the count inside the window reaches
  the threshold. After firing, only tickets/workarounds *newer than the
  firing* count towards the next one, so a re-fire needs a fresh cohort of
  the full threshold (3 new requesters, 3 new workarounds), not one more.
- stakeholder_expansion: when a contact becomes present with a mapped persona.
- notes: one signal per note and adjacent product it names.
A renewal (or profile, escalation, closed-ticket update) never fires.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.messages.inbound import (
    AccountNoteEvent,
    AccountStakeholderEvent,
    CanonicalEvent,
    UsageMetricEvent,
    UsageWorkaroundEvent,
)

from .catalog import Catalog
from .signals import SignalCandidate, SignalType, signal_id
from .state import AccountState, Ticket
from .updates import Applied, note_adjacent

MAX_EVIDENCE_ITEMS = 10
SOURCE_SURFACED_BY = {
    "csm": "csm",
    "gainsight": "csm",
    "churnzero": "csm",
    "partner": "partner",
    "salesforce": "ae",
}
NOTE_SIGNALS = {
    "strategic_shift": SignalType.STRATEGIC_SHIFT,
    "partner_flag": SignalType.PARTNER_FLAG,
    "competitor_evaluation": SignalType.COMPETITIVE_ADJACENT,
}


def detect(
    state: AccountState, event: CanonicalEvent, applied: Applied, catalog: Catalog
) -> list[SignalCandidate]:
    found: list[tuple[str, SignalType, dict[str, Any], str]] = []
    if isinstance(event, UsageMetricEvent):
        found = _usage(state, event, applied, catalog)
    elif applied.new_ticket is not None:
        found = _pain(state, applied.new_ticket, catalog)
    elif isinstance(event, UsageWorkaroundEvent):
        found = _workarounds(state, event, catalog)
    elif isinstance(event, AccountStakeholderEvent) and applied.stakeholder_added:
        d = event.data
        # A person adding a contact surfaced it; a CRM or vendor sync did not.
        surfaced = event.source if event.source in ("csm", "partner") else "system"
        who = f"{d.name}, {d.title}" if d.title else d.name
        evidence = {
            "summary": f"new {d.persona} stakeholder: {who}",
            "contact_id": d.contact_id,
            "name": d.name,
            "title": d.title,
            "persona": d.persona,
        }
        found = [
            (adj, SignalType.STAKEHOLDER_EXPANSION, evidence, surfaced)
            for adj in catalog.adjacent_for_persona(d.persona)
        ]
    elif isinstance(event, AccountNoteEvent) and event.data.kind in NOTE_SIGNALS:
        found = _note(event, catalog)
    return [
        SignalCandidate(
            id=signal_id(event.account_id, event.id, kind.value, adj),
            account_id=event.account_id,
            adjacent_product=adj,
            type=kind,
            score=catalog.weight(kind),
            evidence=dict(evidence),
            source=event.source,
            surfaced_by=surfaced,
            detected_at=event.occurred_at,
            event_id=event.id,
            needs_verification=kind is SignalType.STRATEGIC_SHIFT,
        )
        for adj, kind, evidence, surfaced in found
    ]


def _usage(
    state: AccountState, event: UsageMetricEvent, applied: Applied, catalog: Catalog
) -> list[tuple[str, SignalType, dict[str, Any], str]]:
    d, cfg = event.data, catalog.settings
    out: list[tuple[str, SignalType, dict[str, Any], str]] = []
    where = f"{d.product} {d.metric}" + (f" ({d.module})" if d.module else "")
    if applied.newest_sample and applied.series_key is not None and d.limit is not None:
        series = state.usage[applied.series_key]
        series.checked_at = event.occurred_at
        # value / limit >= pct / 100, compared without dividing (80 of 100 is exactly 80%).
        if series.armed and d.value * 100 >= cfg.usage_ceiling_fire_pct * d.limit:
            series.armed = False
            pct = round(d.value / d.limit * 100, 1)
            evidence = {
                "summary": f"{where} at {d.value:g} of {d.limit:g} ({pct:g}% of tier limit)",
                "product": d.product,
                "metric": d.metric,
                "module": d.module,
                "value": d.value,
                "limit": d.limit,
                "percent": pct,
                "threshold_pct": cfg.usage_ceiling_fire_pct,
            }
            for adj in catalog.adjacent_for_ceiling(d.product, d.metric):
                out.append((adj, SignalType.USAGE_CEILING, evidence, "system"))
        elif not series.armed and d.value * 100 < cfg.usage_ceiling_rearm_pct * d.limit:
            series.armed = True
    for adj, ms in catalog.milestones_for(d.product, d.metric):
        if ms.module is not None and ms.module != d.module:
            continue
        key = f"{adj}/{ms.key}"
        if d.value >= ms.value and key not in state.milestones:
            state.milestones[key] = event.occurred_at
            evidence = {
                "summary": f"{where} crossed {ms.value:g} (now {d.value:g})",
                "product": d.product,
                "metric": d.metric,
                "module": d.module,
                "value": d.value,
                "milestone": ms.value,
            }
            out.append((adj, SignalType.SEAT_MILESTONE, evidence, "system"))
    return out


def _counts(at: datetime, window_start: datetime, ref: datetime, fired: datetime | None) -> bool:
    """Inside [window_start, ref] and newer than the rule's last firing."""
    return window_start <= at <= ref and (fired is None or at > fired)


def _pain(
    state: AccountState, ticket: Ticket, catalog: Catalog
) -> list[tuple[str, SignalType, dict[str, Any], str]]:
    cfg = catalog.settings
    ref = state.latest_event_at or ticket.opened_at
    window_start = ref - timedelta(days=cfg.adjacent_pain_window_days)
    out: list[tuple[str, SignalType, dict[str, Any], str]] = []
    for adj in ticket.pain:
        fired = state.last_fired.get(f"adjacent_pain/{adj}")
        matching = [
            t
            for t in state.tickets.values()
            if adj in t.pain and _counts(t.opened_at, window_start, ref, fired)
        ]
        requesters = {t.requester_id for t in matching}
        if len(requesters) < cfg.adjacent_pain_min_requesters:
            continue
        state.last_fired[f"adjacent_pain/{adj}"] = ref
        matching.sort(key=lambda t: t.opened_at, reverse=True)
        tickets = [
            {
                "ticket_id": t.ticket_id,
                "subject": t.subject,
                "quote": t.quote,
                "requester": {
                    "contact_id": t.requester_id,
                    "name": t.requester_name,
                    "role": t.requester_role,
                },
                "opened_at": t.opened_at.isoformat(),
                "matched": t.pain[adj],
                **_resemblance(t, adj),
            }
            for t in matching[:MAX_EVIDENCE_ITEMS]
        ]
        names = ", ".join(
            dict.fromkeys(
                f"{t.requester_name} ({t.requester_role})" if t.requester_role else t.requester_name
                for t in matching
            )
        )
        evidence = {
            "summary": f"{len(requesters)} people raised this in "
            f"{cfg.adjacent_pain_window_days} days: {names}",
            "distinct_requesters": len(requesters),
            "window_days": cfg.adjacent_pain_window_days,
            "tickets": tickets,
        }
        out.append((adj, SignalType.ADJACENT_PAIN, evidence, "system"))
    return out


def _resemblance(ticket: Ticket, adj: str) -> dict[str, Any]:
    """For a ticket matched by meaning: the catalog example its words came
    closest to, and how close (cosine similarity, and the thresholded score)."""
    near = ticket.resembles.get(adj)
    if near is None:
        return {}
    return {
        "resembles": {
            "example": near.example,
            "similarity": round(near.similarity, 3),
            "score": round(near.score, 3),
        }
    }


def _workarounds(
    state: AccountState, event: UsageWorkaroundEvent, catalog: Catalog
) -> list[tuple[str, SignalType, dict[str, Any], str]]:
    cfg = catalog.settings
    ref = state.latest_event_at or event.occurred_at
    window_start = ref - timedelta(days=cfg.workaround_window_days)
    out: list[tuple[str, SignalType, dict[str, Any], str]] = []
    for adj in catalog.adjacent_products:
        if not adj.removes_workaround(event.data.kind) or event.data.product not in adj.extends:
            continue
        fired = state.last_fired.get(f"workaround/{adj.id}")
        hits = [
            w
            for w in state.workarounds
            if _counts(w.at, window_start, ref, fired)
            and w.product in adj.extends
            and adj.removes_workaround(w.kind)
        ]
        if len(hits) < cfg.workaround_min_events:
            continue
        state.last_fired[f"workaround/{adj.id}"] = ref
        kinds = sorted({w.kind for w in hits})
        evidence = {
            "summary": f"{len(hits)} workarounds ({', '.join(kinds)}) in "
            f"{cfg.workaround_window_days} days",
            "count": len(hits),
            "kinds": kinds,
            "window_days": cfg.workaround_window_days,
            "events": [
                {"kind": w.kind, "product": w.product, "detail": w.detail, "at": w.at.isoformat()}
                for w in hits[-MAX_EVIDENCE_ITEMS:]
            ],
        }
        out.append((adj.id, SignalType.WORKAROUND, evidence, "system"))
    return out


def _note(
    event: AccountNoteEvent, catalog: Catalog
) -> list[tuple[str, SignalType, dict[str, Any], str]]:
    n = event.data
    kind = NOTE_SIGNALS[n.kind]
    if kind is SignalType.COMPETITIVE_ADJACENT:
        adjacent = note_adjacent(catalog, n.adjacent_product, n.competitor, n.text)
    else:
        adjacent = note_adjacent(catalog, n.adjacent_product, None, n.text)
    surfaced = n.author_role or SOURCE_SURFACED_BY.get(event.source, "system")
    evidence = {
        "summary": n.text[:200],
        "note_kind": n.kind,
        "text": n.text[:2000],
        "author_role": n.author_role,
        "competitor": n.competitor,
    }
    return [(adj, kind, evidence, surfaced) for adj in adjacent]
