"""Entry points the consumer calls: one event in, classified signals out.

    result = process_event(state, event, catalog, now)
    # persist state_to_dict(state) and result.signals; emit them
    if result.gates_touched & reasons_of_suppressed_signals(account):
        reevaluate_suppressed(state, suppressed, catalog, now)

Play lifecycle events (from ``crosssell.plays``) feed the play_open and
cooldown gates through ``record_play_event``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from shared.messages.inbound import CanonicalEvent

from .catalog import Catalog
from .gates import classify_candidate
from .rules import detect
from .signals import GateReason, Signal, SignalCandidate
from .state import AccountState, PlayRecord, Resemblance, prune
from .updates import apply_facts


@dataclass(frozen=True, slots=True)
class ApplyResult:
    candidates: list[SignalCandidate]
    # Gate reasons whose facts this event may have changed; re-evaluate the
    # account's suppressed signals that carry any of them.
    gates_touched: frozenset[str]


@dataclass(frozen=True, slots=True)
class EventOutcome:
    signals: list[Signal]
    gates_touched: frozenset[str]


def apply_event(
    state: AccountState,
    event: CanonicalEvent,
    catalog: Catalog,
    resembles: Mapping[str, Resemblance] | None = None,
) -> ApplyResult:
    """Fold the event into ``state`` (mutated in place) and detect the signals
    it triggers. Deterministic: depends only on the state, event, catalog and,
    for a ticket, how close its words came to each adjacent pain."""
    if event.account_id != state.account_id:
        raise ValueError(
            f"event {event.id} is for account {event.account_id}, state is {state.account_id}"
        )
    applied = apply_facts(state, event, catalog, resembles)
    candidates = detect(state, event, applied, catalog)
    prune(state, catalog.settings)
    return ApplyResult(candidates, frozenset(str(g) for g in applied.gates_touched))


def process_event(
    state: AccountState,
    event: CanonicalEvent,
    catalog: Catalog,
    now: datetime,
    resembles: Mapping[str, Resemblance] | None = None,
) -> EventOutcome:
    """``apply_event`` then classify every candidate at processing time ``now``."""
    result = apply_event(state, event, catalog, resembles)
    signals = [classify_candidate(state, c, catalog, now) for c in result.candidates]
    return EventOutcome(signals, result.gates_touched)


def record_play_event(
    state: AccountState, play_id: str, adjacent_product: str, play_state: str, at: datetime
) -> frozenset[str]:
    """Track a play's state for the play_open and cooldown gates. Older events
    for the same play never overwrite newer ones. Returns the gates touched."""
    known = state.plays.get(play_id)
    if known is not None and at < known.at:
        return frozenset()
    state.plays[play_id] = PlayRecord(adjacent_product, play_state, at)
    state.observe(at)
    return frozenset(
        {GateReason.PLAY_OPEN.value, GateReason.COOLDOWN.value, GateReason.ALREADY_OWNED.value}
    )
