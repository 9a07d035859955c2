"""The demo's tables, built from the public APIs' answers (pure: data in, tables out)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.table import Table

from crosssell.demo.client import IngestTotals

SIGNAL_TYPES = (
    "usage_ceiling",
    "seat_milestone",
    "adjacent_pain",
    "workaround",
    "stakeholder_expansion",
    "strategic_shift",
    "partner_flag",
    "competitive_adjacent",
)
STATUSES = ("qualified", "suppressed", "stale")
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
PLAY_STATES = (
    "open",
    "briefed",
    "meeting_booked",
    "discovery_done",
    "sponsor_engaged",
    "won",
    "lost",
    "paused",
    "withdrawn",
    "expired",
    "disqualified",
)
OPPORTUNITY_ROWS = 15


def _ordered(known: Iterable[str], seen: Iterable[str]) -> list[str]:
    """The known names in their order, then any others the API returned."""
    known = list(known)
    return known + sorted(set(seen) - set(known))


def ingest_table(totals: IngestTotals) -> Table:
    table = Table("source", "accepted", "duplicates", "rejected", title="Events pushed")
    for source, t in sorted(totals.by_source.items()):
        table.add_row(source, f"{t.accepted:,}", f"{t.duplicates:,}", f"{t.rejected:,}")
    table.add_section()
    table.add_row(
        "total",
        *(f"{totals.total(n):,}" for n in ("accepted", "duplicates", "rejected")),
        style="bold",
    )
    return table


def signals_table(signals: Sequence[Mapping[str, Any]]) -> Table:
    """Signals by type: qualified / suppressed / stale counts."""
    counts = Counter((s["type"], s["status"]) for s in signals)
    table = Table("signal type", *STATUSES, "total", title="Signals by type")
    types = _ordered(SIGNAL_TYPES, (s["type"] for s in signals))
    for kind in types:
        row = [counts[(kind, status)] for status in STATUSES]
        if sum(row):
            table.add_row(kind, *map(str, row), str(sum(row)))
    table.add_section()
    totals = [sum(counts[(k, status)] for k in types) for status in STATUSES]
    table.add_row("total", *map(str, totals), str(sum(totals)), style="bold")
    return table


def suppressions_table(signals: Sequence[Mapping[str, Any]]) -> Table:
    """Suppressed signals by reason (a signal counts under every reason it carries)."""
    suppressed = [s for s in signals if s["status"] == "suppressed"]
    reasons = Counter(r for s in suppressed for r in s.get("suppression_reasons") or ())
    only = Counter(
        s["suppression_reasons"][0]
        for s in suppressed
        if len(s.get("suppression_reasons") or ()) == 1
    )
    table = Table("reason", "signals", "as the only reason", title="Suppressions by reason")
    for reason in _ordered(GATES, reasons):
        if reasons[reason]:
            table.add_row(reason, str(reasons[reason]), str(only[reason]))
    table.add_section()
    table.add_row("suppressed signals", str(len(suppressed)), "", style="bold")
    return table


def plays_table(plays: Sequence[Mapping[str, Any]]) -> Table:
    """Plays by state, split by adjacent product."""
    products = sorted({p["adjacent_product"] for p in plays})
    counts = Counter((p["state"], p["adjacent_product"]) for p in plays)
    table = Table("state", *products, "total", title="Plays by state")
    for state in _ordered(PLAY_STATES, (p["state"] for p in plays)):
        row = [counts[(state, product)] for product in products]
        if sum(row):
            table.add_row(state, *map(str, row), str(sum(row)))
    table.add_section()
    per_product = Counter(p["adjacent_product"] for p in plays)
    table.add_row("total", *(str(per_product[p]) for p in products), str(len(plays)), style="bold")
    return table


def _money(value: Any) -> str:
    return "" if value is None else f"${float(value):,.0f}"


def _hygiene(record: Mapping[str, Any]) -> str:
    return str(record.get("Cross_Sell_Hygiene__c") or "(not set)")


def opportunities_table(
    records: Sequence[Mapping[str, Any]], rows: int = OPPORTUNITY_ROWS
) -> Table:
    """The first ``rows`` cross-sell Opportunities (by name), as Salesforce holds them."""
    shown = sorted(records, key=lambda r: (str(r.get("Name") or ""), str(r.get("Id") or "")))
    table = Table(
        "Name",
        "StageName",
        "Amount",
        "Play_State__c",
        "Cross_Sell_Hygiene__c",
        title=f"Salesforce Opportunities (first {min(rows, len(records))} of {len(records)})",
    )
    for record in shown[:rows]:
        table.add_row(
            str(record.get("Name") or record.get("Id") or ""),
            str(record.get("StageName") or ""),
            _money(record.get("Amount")),
            str(record.get("Play_State__c") or ""),
            _hygiene(record),
        )
    return table


def hygiene_table(records: Sequence[Mapping[str, Any]]) -> Table:
    """Opportunities and their amount by ``Cross_Sell_Hygiene__c`` value."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        groups.setdefault(_hygiene(record), []).append(record)
    table = Table(
        "Cross_Sell_Hygiene__c", "opportunities", "amount", title="Opportunities by hygiene"
    )
    for value in sorted(groups, key=lambda v: (v != "Complete", v)):
        members = groups[value]
        amount = sum(float(r.get("Amount") or 0) for r in members)
        table.add_row(value, str(len(members)), _money(amount))
    table.add_section()
    total = sum(float(r.get("Amount") or 0) for r in records)
    table.add_row("total", str(len(records)), _money(total), style="bold")
    return table


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{float(value):.1f}%"


def pipeline_table(metrics: Mapping[str, Any]) -> Table:
    """``GET /v1/metrics/pipeline``, one figure per row."""
    days = metrics.get("median_cycle_days")
    nrr = metrics.get("nrr_contribution_points")
    rows = [
        ("period", f"{str(metrics.get('since', ''))[:10]} .. {str(metrics.get('until', ''))[:10]}"),
        ("eligible accounts", str(metrics.get("eligible_accounts", 0))),
        ("accounts touched", str(metrics.get("accounts_touched", 0))),
        ("coverage", _pct(metrics.get("coverage_pct"))),
        ("plays opened", str(metrics.get("plays_opened", 0))),
        ("opportunity creation rate", _pct(metrics.get("opportunity_creation_rate_pct"))),
        (
            "won / lost / expired",
            f"{metrics.get('won', 0)} / {metrics.get('lost', 0)} / {metrics.get('expired', 0)}",
        ),
        ("win rate", _pct(metrics.get("win_rate_pct"))),
        ("median cycle (signal to signed order)", "n/a" if days is None else f"{days:.1f} days"),
        ("average uplift of core ACV", _pct(metrics.get("avg_uplift_pct"))),
        ("won cross-sell ACV", _money(metrics.get("won_acv", 0))),
        ("book ARR", _money(metrics.get("book_arr", 0))),
        ("NRR contribution", "n/a" if nrr is None else f"{float(nrr):.2f} points"),
    ]
    for name in ("win_rate_by_surfaced_by", "win_rate_by_signal_type"):
        for group, rate in sorted((metrics.get(name) or {}).items()):
            label = name.removeprefix("win_rate_by_").replace("_", " ")
            rows.append((f"win rate, {label} = {group}", _pct(rate)))
    table = Table("metric", "value", title="Pipeline metrics")
    for name, value in rows:
        table.add_row(name, value)
    return table
