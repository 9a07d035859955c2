"""One function per kind of input: load the accounts, call the domain, save, emit.

Every handler works on a whole batch: the accounts it touches are loaded in
one call, the items are applied in order, then every changed state, every new
or changed signal and every decision is written in one call each.

Per item: fold it into the account state (``process_event`` or
``record_play_event``), re-evaluate the account's suppressed signals whose
reasons intersect the gates the item touched, and add the new signals. After
the last item, every signal the batch created or re-evaluated is classified
once more against the account's final state, and each change of status becomes
one ``crosssell.signals`` message scored against the account's live signals as
the batch left them: one account's events give the same outcome in whatever
order they sit in the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from services.signal_ingest.domain import (
    GATE_ORDER,
    Catalog,
    GateReason,
    Signal,
    SignalStatus,
    classify_candidate,
    process_event,
    record_play_event,
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
# Gates whose facts come from the account, not from its plays or its usage trend:
# when one of them turns, qualified signals are checked again too.
FACT_GATES = frozenset(GATE_ORDER) - {
    GateReason.DECLINING_USAGE,
    GateReason.PLAY_OPEN,
    GateReason.COOLDOWN,
}


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
    """Inbound usage/ticket/account events, in stream order."""

    def step(record: AccountRecord, event: CanonicalEvent) -> tuple[list[Signal], frozenset[str]]:
        outcome = process_event(record.state, event, catalog, now)
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
    # Signals the batch created or re-evaluated, their status before it (None:
    # new) and their latest form. They are decided once, against the account as
    # the whole batch left it, so the outcome does not depend on the order of one
    # account's events inside the batch (a profile and an escalation right after
    # a usage event).
    before: dict[str, SignalStatus | None] = {}
    latest: dict[str, dict[str, Signal]] = {}
    dirty: dict[str, AccountRecord] = {}
    for item in items:
        account_id = account_of(item)
        record = records[account_id]
        new, touched = step(record, item)
        reevaluated = _reevaluate(record, touched, catalog, now)
        if save_unchanged or new or reevaluated:
            dirty[account_id] = record
        mine = latest.setdefault(account_id, {})
        for previous, signal in reevaluated:
            before.setdefault(signal.id, previous)
            mine[signal.id] = signal
        for signal in new:
            before.setdefault(signal.id, None)
            mine[signal.id] = signal
            if signal.status in LIVE:
                record.signals.append(signal)
        result.new_signals += len(new)
    changed: list[Signal] = []
    for account_id, signals in latest.items():
        record = records[account_id]
        finals = _settle(record, signals, before, catalog, now)
        changed += finals
        # Each is scored with the live signals that arose before it and itself.
        pending = {s.id for s in finals}
        for signal in finals:
            pending.discard(signal.id)
            kind = _announcement(before[signal.id], signal.status)
            if kind:  # "" = still suppressed with other reasons: saved, not announced
                live = [s for s in record.signals if s.id not in pending]
                message = to_message(signal, record.state, live, catalog, now)
                result.decisions.append(Decision(kind, message))
    # Whoever changes an account's signals writes its state row too, so every
    # process's cached copy of the account is invalidated.
    await ports.accounts.save(list(dirty.values()))
    if changed:
        await ports.signals.save(changed)
    if result.decisions:
        await ports.sink.emit(result.decisions)
    result.accounts = len(dirty)
    return result


def _settle(
    record: AccountRecord,
    signals: dict[str, Signal],
    before: dict[str, SignalStatus | None],
    catalog: Catalog,
    now: datetime,
) -> list[Signal]:
    """Classify the batch's signals of one account against its final state (a
    stale one stays stale, one qualified before the batch answers only to
    account facts); keep the live ones on the record."""
    finals: dict[str, Signal] = {}
    for i, s in signals.items():
        final = s
        if s.status is not SignalStatus.STALE:
            final = classify_candidate(record.state, s.candidate, catalog, now)
            if before[i] is SignalStatus.QUALIFIED:
                final = _only_fact_gates(final)
        finals[i] = final
    record.signals = [
        final for s in record.signals if (final := finals.get(s.id, s)).status in LIVE
    ]
    return list(finals.values())


def _announcement(previous: SignalStatus | None, final: SignalStatus) -> str:
    if previous is None:
        return FIRST_DECISION[final]
    if final is previous:
        return ""
    return "SignalRequalified" if final is SignalStatus.QUALIFIED else FIRST_DECISION[final]


def _live(signal: Signal, now: datetime, window: timedelta) -> bool:
    if signal.status is SignalStatus.SUPPRESSED:
        return True
    return signal.status is SignalStatus.QUALIFIED and now - signal.detected_at <= window


def _only_fact_gates(signal: Signal) -> Signal:
    """A qualified signal turns suppressed only by an account fact, never by the
    play it opened itself (play_open) or by the usage trend."""
    if signal.status is not SignalStatus.SUPPRESSED:
        return signal
    reasons = tuple(r for r in signal.suppression_reasons if r in FACT_GATES)
    if not reasons:
        return signal.with_status(SignalStatus.QUALIFIED, ())
    return signal.with_status(SignalStatus.SUPPRESSED, reasons)


def _reevaluate(
    record: AccountRecord, touched: frozenset[str], catalog: Catalog, now: datetime
) -> list[tuple[SignalStatus, Signal]]:
    """Re-check the record's signals after ``touched`` gates changed: suppressed
    ones whose reasons they are, and, when an account fact turned (an escalation,
    a negotiation, the profile), every live one, so a fact that arrives after the
    trigger gives the reasons it would have given before. Returns (status
    before, signal now) for those whose status or reasons changed; the record
    keeps the live ones."""
    if not touched:
        return []
    facts_turned = bool(touched & FACT_GATES)
    candidates = [
        s
        for s in record.signals
        if (s.status is SignalStatus.SUPPRESSED and touched.intersection(s.suppression_reasons))
        or (facts_turned and s.status in LIVE)
    ]
    if not candidates:
        return []
    changed: dict[str, tuple[SignalStatus, Signal]] = {}
    for signal in candidates:
        new = classify_candidate(record.state, signal.candidate, catalog, now)
        if signal.status is SignalStatus.QUALIFIED:
            new = _only_fact_gates(new)
        if (new.status, new.suppression_reasons) != (signal.status, signal.suppression_reasons):
            changed[signal.id] = (signal.status, new)
    if changed:
        record.signals = [
            new
            for s in record.signals
            if (new := changed[s.id][1] if s.id in changed else s).status in LIVE
        ]
    return list(changed.values())
