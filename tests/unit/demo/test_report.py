"""The demo's tables on canned API answers: the counts a user reads are right."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from crosssell.demo import report
from crosssell.demo.client import IngestTotals


def rows(table: Table) -> dict[str, list[str]]:
    """Rendered rows keyed by their first cell (what the user sees)."""
    console = Console(record=True, width=250, color_system=None)
    console.print(table)
    out: dict[str, list[str]] = {}
    for line in console.export_text().splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells and cells[0]:
            out[cells[0]] = cells[1:]
    return out


def signal(kind: str, status: str, *reasons: str) -> dict[str, Any]:
    return {"type": kind, "status": status, "suppression_reasons": list(reasons)}


SIGNALS = [
    signal("usage_ceiling", "qualified"),
    signal("usage_ceiling", "qualified"),
    signal("usage_ceiling", "suppressed", "renewal_window", "low_adoption"),
    signal("usage_ceiling", "suppressed", "health_at_risk"),
    signal("usage_ceiling", "stale"),
    signal("adjacent_pain", "suppressed", "renewal_window"),
    signal("adjacent_pain", "stale"),
    signal("brand_new_type", "qualified"),
]


def test_signals_by_type_counts_each_status() -> None:
    got = rows(report.signals_table(SIGNALS))
    assert got["usage_ceiling"] == ["2", "2", "1", "5"]
    assert got["adjacent_pain"] == ["0", "1", "1", "2"]
    assert got["brand_new_type"] == ["1", "0", "0", "1"]  # unknown types still shown
    assert "workaround" not in got  # nothing of that type: no row
    assert got["total"] == ["3", "3", "2", "8"]


def test_suppressions_count_every_reason_and_the_sole_ones() -> None:
    got = rows(report.suppressions_table(SIGNALS))
    assert got["renewal_window"] == ["2", "1"]
    assert got["low_adoption"] == ["1", "0"]
    assert got["health_at_risk"] == ["1", "1"]
    assert "open_escalation" not in got
    assert got["suppressed signals"][0] == "3"
    order = [k for k in got if k in report.GATES]
    assert order == ["renewal_window", "low_adoption", "health_at_risk"]  # the spec's order


def test_plays_by_state_and_product() -> None:
    plays = [
        {"state": "open", "adjacent_product": "insights_analytics"},
        {"state": "open", "adjacent_product": "automation_hub"},
        {"state": "won", "adjacent_product": "insights_analytics"},
        {"state": "won", "adjacent_product": "insights_analytics"},
        {"state": "paused", "adjacent_product": "automation_hub"},
    ]
    got = rows(report.plays_table(plays))
    # columns: automation_hub, insights_analytics, total
    assert got["open"] == ["1", "1", "2"]
    assert got["won"] == ["0", "2", "2"]
    assert got["paused"] == ["1", "0", "1"]
    assert got["total"] == ["2", "3", "5"]
    assert list(got)[:3] == ["open", "won", "paused"]  # state-machine order


def opportunity(name: str, stage: str, amount: float | None, hygiene: str | None) -> dict[str, Any]:
    return {
        "Id": f"006{name}",
        "Name": name,
        "StageName": stage,
        "Amount": amount,
        "Cross_Sell_Hygiene__c": hygiene,
        "Play_State__c": "open",
    }


def test_opportunities_first_fifteen_and_totals_by_hygiene() -> None:
    records = [
        opportunity(f"Acme {i:02d}", "Prospecting", 10_000.0, "Missing: Executive sponsor")
        for i in range(17)
    ]
    records += [
        opportunity("Zeta Won", "Closed Won", 50_400.0, "Complete"),
        opportunity("Beta New", "Prospecting", None, None),
    ]
    table = report.opportunities_table(records)
    got = rows(table)
    assert table.title == "Salesforce Opportunities (first 15 of 19)"
    shown = [k for k in got if k.startswith(("Acme", "Beta", "Zeta"))]
    assert len(shown) == 15 and shown[0] == "Acme 00" and "Zeta Won" not in shown
    assert got["Acme 00"] == ["Prospecting", "$10,000", "open", "Missing: Executive sponsor"]
    records.append(opportunity("Lost One", "Closed Lost", 9_000.0, "Complete"))
    hygiene = rows(report.hygiene_table(records))
    # amounts split open / won / lost: closed deals are not open pipeline
    assert hygiene["Complete"] == ["2", "$0", "$50,400", "$9,000"]
    assert hygiene["Missing: Executive sponsor"] == ["17", "$170,000", "$0", "$0"]
    assert hygiene["(not set)"] == ["1", "$0", "$0", "$0"]
    assert hygiene["total"] == ["20", "$170,000", "$50,400", "$9,000"]
    assert list(hygiene)[0] == "Complete"  # complete first


def test_pipeline_metrics_rows() -> None:
    metrics = {
        "since": "2026-08-04T00:00:00Z",
        "until": "2026-11-02T00:00:00Z",
        "eligible_accounts": 40,
        "accounts_touched": 12,
        "coverage_pct": 30.0,
        "plays_opened": 14,
        "opportunity_creation_rate_pct": 35.0,
        "won": 3,
        "lost": 2,
        "expired": 1,
        "win_rate_pct": 50.0,
        "win_rate_by_surfaced_by": {"csm": 100.0, "system": 40.0},
        "win_rate_by_signal_type": {"usage_ceiling": 50.0},
        "median_cycle_days": 9.25,
        "avg_uplift_pct": 41.6,
        "won_acv": 126_000.0,
        "book_arr": 9_000_000.0,
        "nrr_contribution_points": 1.4,
    }
    got = rows(report.pipeline_table(metrics))
    assert got["period"] == ["2026-08-04 .. 2026-11-02"]
    assert got["coverage"] == ["30.0%"]
    assert got["won / lost / expired"] == ["3 / 2 / 1"]
    assert got["median cycle (signal to signed order)"] == ["9.2 days"]
    assert got["won cross-sell ACV"] == ["$126,000"]
    assert got["NRR contribution"] == ["1.40 points"]
    assert got["win rate, surfaced by = csm"] == ["100.0%"]
    assert got["win rate, signal type = usage_ceiling"] == ["50.0%"]
    empty = rows(
        report.pipeline_table({**metrics, "win_rate_pct": None, "median_cycle_days": None})
    )
    assert empty["win rate"] == ["n/a"]
    assert empty["median cycle (signal to signed order)"] == ["n/a"]


def test_ingest_totals_by_source() -> None:
    totals = IngestTotals()
    batch = [{"id": f"evt-{i}"} for i in range(3)]
    totals.add(
        "product",
        {
            "accepted": 2,
            "duplicates": 0,
            "rejected": [{"index": 1, "error": "data.limit: Input should be greater than 0"}],
        },
        batch,
    )
    totals.add("product", {"accepted": 0, "duplicates": 3, "rejected": []}, batch)
    totals.add("support", {"accepted": 5, "duplicates": 1, "rejected": []}, batch)
    got = rows(report.ingest_table(totals))
    assert got["product"] == ["2", "3", "1"]
    assert got["total"] == ["7", "4", "1"]
    assert totals.reasons == ["product evt-1: data.limit: Input should be greater than 0"]
