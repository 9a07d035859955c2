"""Measure a book from its events alone, the way the engine would read them.

Independent of the plan that generated the book: a generator bug that writes
the wrong events shows up here even if the plan looked right.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from services.signal_ingest.domain.catalog import Catalog, load_catalog

ROOT = Path(__file__).resolve().parents[3]
CATALOG_PATH = ROOT / "services" / "signal_ingest" / "catalog" / "sample.yaml"
PRIMARY = {"workflow_platform": "active_seats", "service_desk": "agent_seats"}


def catalog() -> Catalog:
    return load_catalog(CATALOG_PATH)


def when(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["occurred_at"].replace("Z", "+00:00"))


def final_profiles(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per account, each profile field as of its newest event."""
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for event in sorted(events, key=when):
        if event["type"] == "account.profile":
            out[event["account_id"]].update({k: v for k, v in event["data"].items() if v})
    return out


def accounts_red(events: list[dict[str, Any]]) -> set[str]:
    return {a for a, p in final_profiles(events).items() if p.get("health") == "red"}


def accounts_renewing_within(events: list[dict[str, Any]], today: date, days: int) -> set[str]:
    out = set()
    for account, profile in final_profiles(events).items():
        for holding in profile.get("products", []):
            if today <= date.fromisoformat(holding["renewal_date"]) <= today + timedelta(days):
                out.add(account)
    return out


def accounts_low_adoption(events: list[dict[str, Any]], cores: set[str]) -> set[str]:
    return {
        account
        for account, profile in final_profiles(events).items()
        if any(h["product"] in cores and h["adoption_pct"] < 60 for h in profile["products"])
    }


def _series(
    events: list[dict[str, Any]],
) -> dict[tuple[str, ...], list[tuple[datetime, float, Any]]]:
    out: dict[tuple[str, ...], list[tuple[datetime, float, Any]]] = defaultdict(list)
    for event in events:
        if event["type"] == "usage.metric":
            d = event["data"]
            key = (event["account_id"], d["product"], d["metric"], d.get("module") or "")
            out[key].append((when(event), d["value"], d["limit"]))
    for samples in out.values():
        samples.sort(key=lambda s: s[0])
    return out


def ceiling_crossings(events: list[dict[str, Any]]) -> dict[str, list[datetime]]:
    """Per account, when a series reached 80% of its limit while armed (re-arm < 70%)."""
    out: dict[str, list[datetime]] = defaultdict(list)
    for (account, *_), samples in _series(events).items():
        armed = True
        for at, value, limit in samples:
            if limit is None:
                continue
            if armed and value * 100 >= 80 * limit:
                out[account].append(at)
                armed = False
            elif not armed and value * 100 < 70 * limit:
                armed = True
    return out


def accounts_declining(events: list[dict[str, Any]], now: datetime) -> set[str]:
    out = set()
    span = timedelta(days=30)
    for (account, product, metric, _), samples in _series(events).items():
        if PRIMARY.get(product) != metric:
            continue
        before = [v for at, v, _ in samples if now - 2 * span < at <= now - span]
        recent = [v for at, v, _ in samples if now - span < at <= now]
        if before and recent:
            b, r = sum(before) / len(before), sum(recent) / len(recent)
            if b > 0 and (b - r) * 100 >= 20 * b:
                out.add(account)
    return out


def pain_requesters(
    events: list[dict[str, Any]], cat: Catalog, since: datetime
) -> dict[tuple[str, str], set[str]]:
    """(account, adjacent product) -> distinct requesters of matching tickets since ``since``."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for event in events:
        if event["type"] != "ticket.opened" or when(event) < since:
            continue
        d = event["data"]
        for adj in cat.adjacent_products:
            if adj.pain_match(d["topics"], d["subject"], d["description"]):
                out[(event["account_id"], adj.id)].add(d["requester"]["contact_id"])
    return out
