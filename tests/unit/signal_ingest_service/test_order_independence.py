"""Property: one account's events, applied in any order the edge could have
accepted them and cut into any batches, give the same final signal statuses
and reasons once all facts are in (SPEC section 5: gates fail closed, and a
suppressed signal is re-evaluated when its facts arrive)."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.signal_ingest.handlers import handle_events
from shared.messages.inbound import CanonicalEvent
from tests.unit.signal_ingest.builders import (
    ANALYTICS,
    catalog,
    day,
    event,
    metric,
    note,
    owned,
    profile,
)

from .fakes import World

NOW = day(1)


@st.composite
def histories(draw: st.DrawFn) -> list[CanonicalEvent]:
    """A profile (any health, adoption, renewal; maybe owning the adjacent product),
    a ceiling, and any of the event-fed bad facts, each at its own time."""
    products: list[dict[str, Any]] = [
        owned(
            adoption=draw(st.sampled_from([45, 59, 60, 85])),
            renewal=draw(st.sampled_from(["2026-12-20", "2027-01-20", "2027-09-30"])),
        )
    ]
    if draw(st.booleans()):
        products.append(owned(ANALYTICS))
    health = draw(st.sampled_from(["green", "yellow", "red"]))
    events = [profile(day(-2), health=health, products=products), metric(90, at=day(0))]
    if draw(st.booleans()):
        events.append(
            event("account.escalation", {"escalation_id": "E1", "status": "opened"}, day(-1))
        )
    if draw(st.booleans()):
        data = {
            "product": "workflow_platform",
            "status": "negotiating",
            "renewal_date": "2027-09-30",
        }
        events.append(event("account.renewal", data, day(-1.5)))
    if draw(st.booleans()):
        events.append(
            note("competitor_purchase", "They bought Looker.", day(-30), competitor="Looker")
        )
    return events


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[list[CanonicalEvent], list[list[CanonicalEvent]]]:
    events = draw(histories())
    order = draw(st.permutations(events))
    cuts = sorted(draw(st.sets(st.integers(1, len(order) - 1), max_size=len(order) - 1)))
    bounds = [0, *cuts, len(order)]
    return events, [list(order[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]


async def _final(batches: list[list[CanonicalEvent]]) -> dict[str, tuple[str, tuple[str, ...]]]:
    world = World()
    for batch in batches:
        await handle_events(world.ports, batch, catalog(), NOW)
    return {i: (s.status.value, s.suppression_reasons) for i, s in world.signals.rows.items()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arrivals())
def test_any_arrival_order_gives_the_same_final_signals(
    arrival: tuple[list[CanonicalEvent], list[list[CanonicalEvent]]],
) -> None:
    events, batches = arrival
    facts_first = [e for e in events if e.type != "usage.metric"] + [
        e for e in events if e.type == "usage.metric"
    ]
    expected = asyncio.run(_final([facts_first]))
    assert expected  # the ceiling always makes a signal
    assert asyncio.run(_final(batches)) == expected
