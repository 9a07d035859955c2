"""What a replayed catalog did, and how it compares with the plays that closed.

Counted inside the period only (the history before it is replayed to build
the accounts' state): signals by first decision, plays by opening, real plays
by closing. A simulated play matches a real one for the same account and
adjacent product when their openings are at most a play window apart.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.signal_ingest.backtest.memory import MemoryWorld, WouldOpen
from services.signal_ingest.backtest.source import RealPlay

WON = "won"
AVOIDABLE = ("lost", "expired")


@dataclass(frozen=True, slots=True)
class Period:
    since: datetime | None
    until: datetime

    def holds(self, at: datetime | None) -> bool:
        return at is not None and (self.since is None or at >= self.since) and at <= self.until


def signals_in(world: MemoryWorld, period: Period) -> list[dict[str, Any]]:
    first = world.signals.first_seen
    out = []
    for s in world.signals.rows.values():
        if not period.holds(first.get(s.id)):
            continue
        out.append(
            {
                "id": s.id,
                "account_id": s.account_id,
                "adjacent_product": s.adjacent_product,
                "type": s.candidate.type.value,
                "status": s.status.value,
                "suppression_reasons": list(s.suppression_reasons),
                "detected_at": s.detected_at.isoformat(),
            }
        )
    out.sort(key=lambda s: (s["detected_at"], s["id"]))
    return out


def breakdown(world: MemoryWorld, period: Period) -> list[dict[str, Any]]:
    """Per (adjacent product, signal type): qualified, stale, suppressed by
    reason, and the plays that would open (by the type of the opening signal)."""
    rows: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"qualified": 0, "suppressed": 0, "stale": 0, "reasons": Counter(), "plays": 0}
    )
    for s in signals_in(world, period):
        row = rows[(s["adjacent_product"], s["type"])]
        row[s["status"]] += 1
        row["reasons"].update(s["suppression_reasons"])
    for w in opened_in(world, period):
        rows[(w.adjacent_product, w.signal_type)]["plays"] += 1
    return [
        {"adjacent_product": adj, "signal_type": type_, **r, "reasons": dict(r["reasons"])}
        for (adj, type_), r in sorted(rows.items())
    ]


def opened_in(world: MemoryWorld, period: Period) -> list[WouldOpen]:
    return [w for w in world.sink.opened if period.holds(w.at)]


def _matches(w: WouldOpen, p: RealPlay, window: timedelta) -> bool:
    return (
        w.account_id == p.account_id
        and w.adjacent_product == p.adjacent_product
        and abs(w.at - p.opened_at) <= window
    )


def outcomes(
    world: MemoryWorld, plays: Sequence[RealPlay], period: Period, window: timedelta
) -> dict[str, Any]:
    """Against the real plays that closed in the period: the wins this catalog
    would also have opened (recall), the lost/expired it would have avoided,
    and the plays it would open that never were."""
    opened_all = world.sink.opened
    by_pair: dict[tuple[str, str], list[WouldOpen]] = defaultdict(list)
    for w in opened_all:
        by_pair[(w.account_id, w.adjacent_product)].append(w)

    def found(p: RealPlay) -> bool:
        return any(_matches(w, p, window) for w in by_pair[(p.account_id, p.adjacent_product)])

    closed = [p for p in plays if period.holds(p.closed_at)]
    wins = [p for p in closed if p.state == WON]
    bad = [p for p in closed if p.state in AVOIDABLE]
    wins_found = sum(1 for p in wins if found(p))
    avoided = sum(1 for p in bad if not found(p))
    real_by_pair: dict[tuple[str, str], list[RealPlay]] = defaultdict(list)
    for p in plays:
        real_by_pair[(p.account_id, p.adjacent_product)].append(p)
    opened = opened_in(world, period)
    new = [
        w
        for w in opened
        if not any(_matches(w, p, window) for p in real_by_pair[(w.account_id, w.adjacent_product)])
    ]
    return {
        "plays_would_open": len(opened),
        "closed_plays": len(closed),
        "won": len(wins),
        "won_found": wins_found,
        "recall_of_wins": round(wins_found / len(wins), 4) if wins else None,
        "lost_or_expired": len(bad),
        "lost_or_expired_avoided": avoided,
        "new_plays": len(new),
    }
