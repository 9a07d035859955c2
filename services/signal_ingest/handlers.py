"""One function per kind of input: load the accounts, call the domain, save, emit.

Every handler works on a whole batch: the accounts it touches are loaded in
one call, the items are applied in order, then every changed state, every new
or changed signal and every decision is written in one call each.

Per item: fold it into the account state (``process_event`` or
``record_play_event``), re-evaluate the account's suppressed signals whose
reasons intersect the gates the item touched, add the new signals, and turn
each decision into a ``crosssell.signals`` message scored against the
account's live signals as they stand right after the item.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from services.signal_ingest.domain import (
    GATE_ORDER,
    Catalog,
    Signal,
    SignalStatus,
    process_event,
    record_play_event,
    reevaluate_suppressed,
)
from services.signal_ingest.outbound import to_message
from services.signal_ingest.ports import AccountRecord, Decision, Ports
from shared.messages.inbound import CanonicalEvent

ALL_GATES = frozenset(GATE_ORDER)
FIRST_DECISION = {
    SignalStatus.QUALIFIED: "SignalQualified",
    SignalStatus.SUPPRESSED: "SignalSuppressed",
    SignalStatus.STALE: "SignalStale",
}
LIVE = (SignalStatus.QUALIFIED, SignalStatus.SUPPRESSED)


@dataclass(frozen=True, slots=True)
class PlayUpdate:
    """What the gates need from a ``crosssell.plays`` message."""

    account_id: str
    play_id: str
    adjacent_product: str
    state: str
    at: datetime


@dataclass(slots=True)
class BatchResult:
    accounts: int = 0
    new_signals: int = 0
    decisions: list[Decision] = field(default_factory=list)


Item = TypeVar("Item")
# (record, item) -> (new signals, gates touched)
Step = Callable[[AccountRecord, Item], tuple[list[Signal], frozenset[str]]]


async def handle_events(
    ports: Ports, events: Sequence[CanonicalEvent], catalog: Catalog, now: datetime
) -> BatchResult:
    """Inbound usage/ticket/account events, in stream order. The batch's ticket
    texts are read for meaning first, in one call."""
    readings = await ports.pain.read(catalog, events) if ports.pain is not None else {}

    def step(record: AccountRecord, event: CanonicalEvent) -> tuple[list[Signal], frozenset[str]]:
        outcome = process_event(record.state, event, catalog, now, readings.get(event.id))
        return outcome.signals, outcome.gates_touched

    return await _run(ports, events, lambda e: e.account_id, step, catalog, now)


async def handle_play_updates(
    ports: Ports, updates: Sequence[PlayUpdate], catalog: Catalog, now: datetime
) -> BatchResult:
    """Play lifecycle events feed the play_open and cooldown gates."""

    def step(record: AccountRecord, u: PlayUpdate) -> tuple[list[Signal], frozenset[str]]:
        touched = record_play_event(record.state, u.play_id, u.adjacent_product, u.state, u.at)
        return [], touched

    return await _run(ports, updates, lambda u: u.account_id, step, catalog, now)


async def sweep_suppressed(
    ports: Ports, account_ids: Sequence[str], catalog: Catalog, now: datetime
) -> BatchResult:
    """Re-check every suppressed signal of these accounts against the clock:
    time-based gates lapse (renewal window, cooldown) and old signals go stale."""

    def step(record: AccountRecord, _: str) -> tuple[list[Signal], frozenset[str]]:
        return [], ALL_GATES

    return await _run(ports, account_ids, lambda a: a, step, catalog, now, save_unchanged=False)


async def _run(
    ports: Ports,
    items: Sequence[Item],
    account_of: Callable[[Item], str],
    step: Step[Item],
    catalog: Catalog,
    now: datetime,
    *,
    save_unchanged: bool = True,
) -> BatchResult:
    """``save_unchanged=False``: write only the accounts whose signals changed
    (the sweep); inbound items always change the state they fold into."""
    result = BatchResult()
    if not items:
        return result
    ids = list(dict.fromkeys(account_of(i) for i in items))
    window = timedelta(days=catalog.settings.play_window_days)
    records = await ports.accounts.load(ids, now - window)
    for record in records.values():
        record.signals = [s for s in record.signals if _live(s, now, window)]
    changed: dict[str, Signal] = {}
    dirty: dict[str, AccountRecord] = {}
    for item in items:
        account_id = account_of(item)
        record = records[account_id]
        new, touched = step(record, item)
        decided = _reevaluate(record, touched, catalog, now)
        if save_unchanged or new or decided:
            dirty[account_id] = record
        for signal in new:
            decided.append((FIRST_DECISION[signal.status], signal))
            if signal.status in LIVE:
                record.signals.append(signal)
        for kind, signal in decided:
            changed[signal.id] = signal
            if kind:  # "" = still suppressed with other reasons: saved, not announced
                message = to_message(signal, record.state, record.signals, catalog, now)
                result.decisions.append(Decision(kind, message))
        result.new_signals += len(new)
    # Whoever changes an account's signals writes its state row too, so every
    # process's cached copy of the account is invalidated.
    await ports.accounts.save(list(dirty.values()))
    if changed:
        await ports.signals.save(list(changed.values()))
    if result.decisions:
        await ports.sink.emit(result.decisions)
    result.accounts = len(dirty)
    return result


def _live(signal: Signal, now: datetime, window: timedelta) -> bool:
    if signal.status is SignalStatus.SUPPRESSED:
        return True
    return signal.status is SignalStatus.QUALIFIED and now - signal.detected_at <= window


def _reevaluate(
    record: AccountRecord, touched: frozenset[str], catalog: Catalog, now: datetime
) -> list[tuple[str, Signal]]:
    """Status changes of the record's suppressed signals after ``touched`` gates
    changed. Reason-only changes are saved but emit nothing (the status did not
    change); a signal leaving ``suppressed`` is announced once."""
    if not touched:
        return []
    candidates = [
        s
        for s in record.signals
        if s.status is SignalStatus.SUPPRESSED and touched.intersection(s.suppression_reasons)
    ]
    if not candidates:
        return []
    reevaluated = reevaluate_suppressed(record.state, candidates, catalog, now)
    if not reevaluated:
        return []
    updated = {r.signal.id: r.signal for r in reevaluated}
    out: list[tuple[str, Signal]] = []
    kept: list[Signal] = []
    for signal in record.signals:
        new = updated.get(signal.id, signal)
        if new.status in LIVE:
            kept.append(new)
        if new is signal:
            continue
        if new.status is SignalStatus.QUALIFIED:
            out.append(("SignalRequalified", new))
        elif new.status is SignalStatus.STALE:
            out.append(("SignalStale", new))
        else:
            out.append(("", new))
    record.signals = kept
    return out
