"""Readiness gates, classification and re-evaluation (SPEC section 5).

Gates are evaluated at processing time ``now`` against the account state; a
signal is suppressed with *every* reason that applies, listed in the spec's
table order. Yellow health is not a gate: it is returned as a flag.

"Core products" of an adjacent product are the products it extends that the
account owns. Until a profile has told us what the account owns, they are all
the products it extends (so declining usage can still gate).

Gates fail closed: a gate whose fact is unknown (no health yet, no core product
with its adoption and renewal date) never counts as passing. The signal is
suppressed with ``facts_missing``, and its flags name what is missing
(``missing_fact:health``); the profile that brings the facts re-evaluates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from .catalog import Catalog
from .signals import (
    GATE_ORDER,
    HEALTH_YELLOW_FLAG,
    MISSING_FACT_FLAG,
    GateReason,
    MissingFact,
    Signal,
    SignalCandidate,
    SignalStatus,
)
from .state import CLOSED_RENEWAL, COOLDOWN_OUTCOMES, AccountState


@dataclass(frozen=True, slots=True)
class GateAssessment:
    reasons: tuple[str, ...]
    flags: tuple[str, ...]


def assess_gates(
    state: AccountState, adjacent_product: str, catalog: Catalog, now: datetime
) -> GateAssessment:
    cfg = catalog.settings
    found: set[str] = set()
    adj = catalog.adjacent(adjacent_product)
    extends = adj.extends if adj is not None else []
    if state.products_at is None:
        core = list(extends)
    else:
        core = [p for p in extends if p in state.products]

    if any(e.status == "opened" for e in state.escalations.values()) or any(
        t.escalation and not t.closed for t in state.tickets.values()
    ):
        found.add(GateReason.OPEN_ESCALATION)
    if any(r.status == "negotiating" for r in state.renewals.values()):
        found.add(GateReason.RENEWAL_NEGOTIATION)
    if _in_renewal_window(state, catalog, now):
        found.add(GateReason.RENEWAL_WINDOW)
    if any(
        p in state.products and state.products[p].adoption_pct < cfg.low_adoption_pct for p in core
    ):
        found.add(GateReason.LOW_ADOPTION)
    if _declining(state, catalog, core, now):
        found.add(GateReason.DECLINING_USAGE)
    if state.profile.health == "red":
        found.add(GateReason.HEALTH_AT_RISK)
    plays = [p for p in state.plays.values() if p.adjacent_product == adjacent_product]
    # A won play means the product was just bought, before any profile says so.
    if adjacent_product in state.products or any(p.state == "won" for p in plays):
        found.add(GateReason.ALREADY_OWNED)
    lookback = timedelta(days=cfg.competitor_bought_lookback_days)
    if any(
        adjacent_product in c.adjacent_products and now - c.at < lookback
        for c in state.competitor_purchases
    ):
        found.add(GateReason.COMPETITOR_BOUGHT)
    if any(p.is_open for p in plays):
        found.add(GateReason.PLAY_OPEN)
    cooldown = timedelta(days=cfg.cooldown_days)
    if any(p.state in COOLDOWN_OUTCOMES and now - p.at < cooldown for p in plays):
        found.add(GateReason.COOLDOWN)

    missing = unknown_facts(state, extends)
    if missing:
        found.add(GateReason.FACTS_MISSING)
    flags = ((HEALTH_YELLOW_FLAG,) if state.profile.health == "yellow" else ()) + tuple(
        MISSING_FACT_FLAG + m for m in missing
    )
    return GateAssessment(tuple(g for g in GATE_ORDER if g in found), flags)


def unknown_facts(state: AccountState, extends: list[str]) -> tuple[str, ...]:
    """The profile facts the gates need that are not known yet, in a fixed order."""
    missing: list[str] = []
    if state.profile.health is None:
        missing.append(MissingFact.HEALTH)
    if state.products_at is None or not any(p in state.products for p in extends):
        # no core product known: neither its adoption nor its renewal date is
        missing += [MissingFact.CORE_PRODUCT, MissingFact.ADOPTION, MissingFact.RENEWAL_DATE]
    return tuple(missing)


def evaluate_gates(
    state: AccountState, adjacent_product: str, catalog: Catalog, now: datetime
) -> list[str]:
    return list(assess_gates(state, adjacent_product, catalog, now).reasons)


def _in_renewal_window(state: AccountState, catalog: Catalog, now: datetime) -> bool:
    cfg = catalog.settings
    quiet = timedelta(days=cfg.renewal_quiet_days_after_close)
    for r in state.renewals.values():
        if r.last_closed_at is not None and now - r.last_closed_at < quiet:
            return True
    upcoming: dict[str, date] = {p: o.renewal_date for p, o in state.products.items()}
    for product, r in state.renewals.items():
        known = upcoming.get(product)
        if r.status in CLOSED_RENEWAL:
            # The renewal the profile still shows has been closed; the next one
            # is unknown until a newer profile arrives.
            if known is not None and known <= r.renewal_date:
                del upcoming[product]
        elif known is None or r.at >= (state.products_at or r.at):
            upcoming[product] = r.renewal_date
    today = now.date()
    horizon = today + timedelta(days=cfg.renewal_window_days_ahead)
    return any(today <= d <= horizon for d in upcoming.values())


def _declining(state: AccountState, catalog: Catalog, core: list[str], now: datetime) -> bool:
    cfg = catalog.settings
    span = timedelta(days=cfg.declining_usage_window_days)
    metrics = {}
    for product in core:
        definition = catalog.core(product)
        if definition is not None:
            metrics[product] = definition.primary_metric
    for (product, metric, _module), series in state.usage.items():
        if metrics.get(product) != metric:
            continue
        before = series.mean_between(now - 2 * span, now - span)
        recent = series.mean_between(now - span, now)
        if before and recent is not None and before > 0:
            if (before - recent) * 100 >= cfg.declining_usage_pct * before:
                return True
    return False


def classify(
    candidate: SignalCandidate | Signal,
    gates: list[str] | tuple[str, ...],
    now: datetime,
    window: timedelta,
) -> SignalStatus:
    """stale beats suppressed: an old signal opens nothing whatever the gates."""
    if now - candidate.detected_at > window:
        return SignalStatus.STALE
    return SignalStatus.SUPPRESSED if gates else SignalStatus.QUALIFIED


def classify_candidate(
    state: AccountState, candidate: SignalCandidate, catalog: Catalog, now: datetime
) -> Signal:
    assessment = assess_gates(state, candidate.adjacent_product, catalog, now)
    window = timedelta(days=catalog.settings.play_window_days)
    status = classify(candidate, assessment.reasons, now, window)
    reasons = assessment.reasons if status is SignalStatus.SUPPRESSED else ()
    return Signal(candidate, status, reasons, assessment.flags)


class Reevaluation(NamedTuple):
    signal: Signal  # already carrying the new status and reasons
    status: SignalStatus
    reasons: tuple[str, ...]


def reevaluate_suppressed(
    state: AccountState, suppressed_signals: list[Signal], catalog: Catalog, now: datetime
) -> list[Reevaluation]:
    """Re-check suppressed signals after a gate fact changed (or on a sweep).

    Returns only the signals whose status or reasons changed: ``qualified`` when
    every gate is clear inside the window, ``stale`` once outside the window,
    else still ``suppressed`` with the new list of reasons.
    """
    out: list[Reevaluation] = []
    for signal in suppressed_signals:
        if signal.status is not SignalStatus.SUPPRESSED:
            continue
        updated = classify_candidate(state, signal.candidate, catalog, now)
        if (updated.status, updated.suppression_reasons) != (
            signal.status,
            signal.suppression_reasons,
        ):
            out.append(Reevaluation(updated, updated.status, updated.suppression_reasons))
    return out
