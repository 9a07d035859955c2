"""Domain signal -> ``crosssell.signals`` message (the shared contract).

The message carries what play_orchestrator needs to open, brief and coach a
play without reading our tables: the play score of the (account, adjacent
product) pair at decision time, an account snapshot, the evidence in the shared
shape with the numbers and the customer's own words (plus the named facts the
numbers cannot carry), every readiness gate with its result, and the catalog's
description of the adjacent product.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from services.signal_ingest.domain import (
    GATE_ORDER,
    HEALTH_YELLOW_FLAG,
    AccountState,
    Catalog,
    GateReason,
    Signal,
    SignalStatus,
    missing_facts,
    play_score,
)
from shared.messages.evidence import Evidence, Quote
from shared.messages.signals import (
    AccountSnapshot,
    AdjacentProductInfo,
    GateCheck,
    SignalMessage,
    Stakeholder,
)

MAX_QUOTES = 10
MAX_STAKEHOLDERS = 25
MAX_FACT_CHARS = 2000
# Named evidence facts worth carrying (the rules' evidence keys with string values).
FACT_KEYS = (
    "product",
    "metric",
    "module",
    "contact_id",
    "name",
    "title",
    "persona",
    "note_kind",
    "text",
    "author_role",
    "competitor",
)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _at(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def to_evidence(signal: Signal) -> Evidence:
    """Keep the summary, every number, and each customer's words with who and when."""
    raw = signal.candidate.evidence
    numbers = {k: n for k, v in raw.items() if (n := _number(v)) is not None}
    quotes: list[Quote] = []
    for ticket in raw.get("tickets") or ():
        requester = ticket.get("requester") or {}
        words = ticket.get("quote") or ticket.get("subject") or ""
        if not words:
            continue
        quotes.append(
            Quote(
                text=words[:4000],
                name=requester.get("name", ""),
                role=requester.get("role", ""),
                contact_id=requester.get("contact_id"),
                ticket_id=ticket.get("ticket_id"),
                at=_at(ticket.get("opened_at")),
                medium="written",
            )
        )
    if raw.get("note_kind") and raw.get("text"):
        quotes.append(
            Quote(
                text=str(raw["text"])[:4000],
                role=raw.get("author_role") or "",
                at=signal.detected_at,
                medium="note",
            )
        )
    return Evidence(
        summary=str(raw.get("summary", ""))[:2000],
        numbers=numbers,
        quotes=tuple(quotes[:MAX_QUOTES]),
    )


def evidence_facts(signal: Signal) -> dict[str, str]:
    """The evidence's words and names; ``kinds`` (workarounds) joined with ", "."""
    raw = signal.candidate.evidence
    facts = {
        key: value[:MAX_FACT_CHARS]
        for key in FACT_KEYS
        if isinstance(value := raw.get(key), str) and value.strip()
    }
    kinds = raw.get("kinds")
    if isinstance(kinds, list | tuple) and kinds:
        facts["kinds"] = ", ".join(str(k) for k in kinds)[:MAX_FACT_CHARS]
    return facts


def account_snapshot(
    state: AccountState, adjacent_product: str, catalog: Catalog
) -> AccountSnapshot:
    """The core product is the owned product the adjacent one extends with the
    largest ACV (else the largest owned product, else the first it extends)."""
    products = state.products
    adj = catalog.adjacent(adjacent_product)
    extends = list(adj.extends) if adj is not None else []
    owned_core = [p for p in extends if p in products] or list(products)
    core = max(owned_core, key=lambda p: products[p].acv) if owned_core else None
    held = products.get(core) if core is not None else None
    core_id = core or (extends[0] if extends else "")
    core_def = catalog.core(core_id) if core_id else None
    profile = state.profile
    people = sorted(
        ((cid, s) for cid, s in state.stakeholders.items() if s.present), key=lambda x: x[0]
    )[:MAX_STAKEHOLDERS]
    return AccountSnapshot(
        account_id=state.account_id,
        name=profile.name or "",
        health=profile.health,
        csm_owner=profile.csm_owner,
        ae_owner=profile.ae_owner,
        core_product=core_id,
        core_product_name=core_def.name if core_def is not None else "",
        core_tier=held.tier if held else None,
        core_acv=held.acv if held else 0.0,
        renewal_date=held.renewal_date if held else None,
        adoption_pct=held.adoption_pct if held else None,
        total_acv=sum(p.acv for p in products.values()),
        stakeholders=tuple(
            Stakeholder(contact_id=cid, name=s.name, title=s.title, persona=s.persona)
            for cid, s in people
        ),
    )


def adjacent_problem(adjacent_product: str, catalog: Catalog) -> str:
    """The catalog's wording of the pain the adjacent product removes."""
    adj = catalog.adjacent(adjacent_product)
    if adj is None:
        return ""
    pain = adj.pain_phrases[:4] or adj.pain_topics[:4]
    text = f"{adj.name} removes: {'; '.join(pain)}" if pain else adj.name
    if adj.workaround_kinds:
        text += f" (workarounds it replaces: {', '.join(adj.workaround_kinds[:3])})"
    return text


def adjacent_info(adjacent_product: str, catalog: Catalog) -> AdjacentProductInfo | None:
    adj = catalog.adjacent(adjacent_product)
    if adj is None:
        return None
    return AdjacentProductInfo(
        name=adj.name,
        solves=adj.solves,
        workflow=adj.workflow,
        problem_area=adj.problem_area,
        integration_points=tuple(adj.integration_points),
        typical_outcome=adj.typical_outcome,
        typical_timeline=adj.typical_timeline,
        pain_phrases=tuple(adj.pain_phrases),
        buyer_personas=tuple(adj.buyer_personas),
        user_personas=tuple(adj.user_personas),
    )


FACT_WORDS = {
    "health": "health",
    "core_product": "which core product it owns",
    "adoption": "core-product adoption",
    "renewal_date": "renewal date",
}


def gate_checks(
    signal: Signal, snapshot: AccountSnapshot, catalog: Catalog, now: datetime
) -> tuple[GateCheck, ...]:
    """Every gate, in the spec's order, with the result the decision used.

    A stale signal was never judged on its gates (staleness decides first), so it
    carries none. The details state the fact behind a pass, or the rule that held.
    """
    if signal.status is SignalStatus.STALE:
        return ()
    cfg = catalog.settings
    failed = set(signal.suppression_reasons)
    adj = catalog.adjacent(signal.adjacent_product)
    product = adj.name if adj is not None else signal.adjacent_product
    core = snapshot.core_product_name or snapshot.core_product or "the core product"
    renewal = snapshot.renewal_date
    if renewal is not None and renewal < now.date():
        renewal = None  # a past date the profile has not replaced yet says nothing
    adoption = snapshot.adoption_pct
    health = snapshot.health or "unknown"
    passed_detail = {
        GateReason.OPEN_ESCALATION: "no open escalation",
        GateReason.RENEWAL_NEGOTIATION: "no renewal being negotiated",
        GateReason.RENEWAL_WINDOW: (
            f"{core} renews {renewal.isoformat()} ({(renewal - now.date()).days} days out); "
            f"no renewal closed in the last {cfg.renewal_quiet_days_after_close} days"
            if renewal is not None
            else f"no renewal known within {cfg.renewal_window_days_ahead} days"
        ),
        GateReason.LOW_ADOPTION: (
            f"{core} adoption {adoption:g}% (gate: below {cfg.low_adoption_pct:g}%)"
            if adoption is not None
            else f"{core} adoption not reported yet"
        ),
        GateReason.DECLINING_USAGE: (
            f"core usage not down {cfg.declining_usage_pct:g}% or more over "
            f"{cfg.declining_usage_window_days} days"
        ),
        GateReason.HEALTH_AT_RISK: (
            "health yellow: allowed, but flagged"
            if HEALTH_YELLOW_FLAG in signal.flags
            else f"health {health}"
        ),
        GateReason.ALREADY_OWNED: f"does not own {product}",
        GateReason.COMPETITOR_BOUGHT: (
            f"no competitor product in this category bought in the last "
            f"{cfg.competitor_bought_lookback_days} days"
        ),
        GateReason.PLAY_OPEN: f"no play open for {product}",
        GateReason.COOLDOWN: f"no play for {product} lost or expired in the last "
        f"{cfg.cooldown_days} days",
        GateReason.FACTS_MISSING: f"health, {core}, its adoption and renewal date are known",
    }
    failed_detail = {
        GateReason.OPEN_ESCALATION: "an escalation is open",
        GateReason.RENEWAL_NEGOTIATION: "a renewal is being negotiated",
        GateReason.RENEWAL_WINDOW: (
            f"a renewal is due within {cfg.renewal_window_days_ahead} days or closed less "
            f"than {cfg.renewal_quiet_days_after_close} days ago"
        ),
        GateReason.LOW_ADOPTION: f"{core} adoption below {cfg.low_adoption_pct:g}%",
        GateReason.DECLINING_USAGE: (
            f"core usage down {cfg.declining_usage_pct:g}% or more over the last "
            f"{cfg.declining_usage_window_days} days"
        ),
        GateReason.HEALTH_AT_RISK: "health red",
        GateReason.ALREADY_OWNED: f"already owns {product}",
        GateReason.COMPETITOR_BOUGHT: (
            f"a competitor product in this category was bought in the last "
            f"{cfg.competitor_bought_lookback_days} days"
        ),
        GateReason.PLAY_OPEN: f"a play for {product} is already open",
        GateReason.COOLDOWN: (
            f"a play for {product} was lost or expired in the last {cfg.cooldown_days} days"
        ),
        GateReason.FACTS_MISSING: "not known yet: "
        + ", ".join(FACT_WORDS.get(m, m) for m in missing_facts(signal.flags)),
    }
    return tuple(
        GateCheck(
            name=name,
            passed=name not in failed,
            detail=(failed_detail if name in failed else passed_detail)[GateReason(name)],
        )
        for name in GATE_ORDER
    )


def to_message(
    signal: Signal,
    state: AccountState,
    live: Iterable[Signal],
    catalog: Catalog,
    now: datetime,
) -> SignalMessage:
    """``live``: the account's signals as they stand after this decision."""
    c = signal.candidate
    score = play_score(live, c.account_id, c.adjacent_product, catalog, now)
    snapshot = account_snapshot(state, c.adjacent_product, catalog)
    return SignalMessage(
        signal_id=c.id,
        account_id=c.account_id,
        adjacent_product=c.adjacent_product,
        type=c.type.value,
        status=signal.status.value,
        suppression_reasons=signal.suppression_reasons,
        flags=signal.flags,
        score=c.score,
        evidence=to_evidence(signal),
        source=c.source,
        surfaced_by=c.surfaced_by,  # type: ignore[arg-type]
        detected_at=c.detected_at,
        needs_verification=c.needs_verification,
        play_score=score.score,
        play_threshold=score.threshold,
        opens_play=signal.status.value == "qualified" and score.opens,
        qualified_signal_ids=score.signal_ids,
        adjacent_problem=adjacent_problem(c.adjacent_product, catalog),
        account=snapshot,
        adjacent=adjacent_info(c.adjacent_product, catalog),
        gates_checked=gate_checks(signal, snapshot, catalog, now),
        evidence_facts=evidence_facts(signal),
    )
