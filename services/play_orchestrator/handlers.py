"""One function per command or event: load, call the domain, save, emit.

Used by the API (one command), the consumers (one batch of messages) and the
deadline sweeper (one batch of due timers). Each runs inside the caller's
transaction (``uow``); saving a play also stores its timers, writes its events
to the outbox and files its review items, in that same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from services.play_orchestrator.domain import (
    ACTIVE_STATES,
    Command,
    DomainError,
    InvalidCommand,
    Pause,
    Play,
    PlayState,
    Resume,
    ReviewDue,
    ReviewResolved,
    Template,
    TimerKind,
    commands_from_crm,
    fire,
    open_play,
)
from services.play_orchestrator.ports import (
    AccountFacts,
    CrmLink,
    Emission,
    FactChange,
    PlayNotFound,
    UnitOfWork,
)
from services.play_orchestrator.translate import (
    account_info,
    account_record,
    crm_update,
    origin_of,
    signal_info,
    stored_signal,
)
from shared.logs import get_logger
from shared.messages.crm import OpportunityChanged
from shared.messages.signals import SignalMessage

log = get_logger(__name__)
_KIND_ORDER = {kind: index for index, kind in enumerate(TimerKind)}


def new_play_id() -> str:
    return f"play-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class OpeningPolicy:
    template: Template = Template.JOINT_14
    expected_amount_ratio: float = 0.42
    new_id: Callable[[], str] = field(default=new_play_id)


@dataclass(frozen=True)
class SignalReceived:
    message: SignalMessage
    occurred_at: datetime  # the envelope's: when the snapshot was true


# ---- saving ---------------------------------------------------------------------


async def _flush(uow: UnitOfWork, plays: Sequence[Play], versions: dict[str, int]) -> None:
    """Timers, outbox events and review items of plays just saved."""
    emissions = [
        Emission(p, uow.plays.origin(p.id), versions[p.id], tuple(p.collect_events()))
        for p in plays
    ]
    await uow.timers.sync(plays)
    await uow.events.emit([e for e in emissions if e.events])
    reviews = [(e.play, ev) for e in emissions for ev in e.events if isinstance(ev, ReviewDue)]
    if reviews:
        await uow.reviews.add_many(reviews)
    resolved = [
        (e.play, ev) for e in emissions for ev in e.events if isinstance(ev, ReviewResolved)
    ]
    if resolved:
        await uow.reviews.resolve_many(resolved)


async def save(uow: UnitOfWork, plays: Iterable[Play]) -> None:
    changed = list({p.id: p for p in plays}.values())
    if changed:
        await _flush(uow, changed, await uow.plays.save_many(changed))


# ---- API commands -----------------------------------------------------------------


async def execute(uow: UnitOfWork, play_id: str, command: Command, now: datetime) -> Play:
    """Apply one command; domain errors propagate (the API maps them)."""
    play = (await uow.plays.get_many([play_id])).get(play_id)
    if play is None:
        raise PlayNotFound(play_id)
    play.execute(command, now)
    await save(uow, [play])
    log.info(
        "play_command",
        play_id=play.id,
        account_id=play.account_id,
        command=command.trigger.value,
        actor=command.actor,
        state=play.state.value,
    )
    return play


# ---- pausing from account facts -------------------------------------------------


def reconcile_pause(play: Play, facts: AccountFacts | None, now: datetime) -> bool:
    """Pause for every open reason the play is not paused for yet; resume each
    reason that cleared (the domain resumes once none remains)."""
    if play.state not in ACTIVE_STATES:
        return False
    wanted = set(facts.pause_reasons()) if facts is not None else set()
    current = set(play.pauses[-1].reasons) if play.state is PlayState.PAUSED else set()
    for reason in sorted(wanted - current):
        play.execute(Pause(reason=reason), now)
    for reason in sorted(current - wanted):
        play.execute(Resume(reason=reason), now)
    return wanted != current


async def on_account_facts(
    uow: UnitOfWork, changes: Sequence[FactChange], now: datetime
) -> list[Play]:
    """Escalations and renewals: update the facts, then pause/resume the plays."""
    if not changes:
        return []
    accounts = sorted({c.account_id for c in changes})
    facts = await uow.facts.lock_many(accounts)
    for change in changes:
        current = facts.get(change.account_id) or AccountFacts(change.account_id)
        facts[change.account_id] = current.with_change(change)
    await uow.facts.save_many([facts[a] for a in accounts])
    plays = await uow.plays.active_for_accounts(accounts)
    changed = [p for p in plays if reconcile_pause(p, facts.get(p.account_id), now)]
    await save(uow, changed)
    for play in changed:
        log.info(
            "play_pause_reconciled",
            play_id=play.id,
            account_id=play.account_id,
            state=play.state.value,
        )
    return changed


# ---- signals ----------------------------------------------------------------------


async def on_signals(
    uow: UnitOfWork, received: Sequence[SignalReceived], now: datetime, policy: OpeningPolicy
) -> list[Play]:
    """Remember the signals and accounts; open a play for each pair whose
    score reached the threshold and has no active play (at most one)."""
    if not received:
        return []
    latest = {r.message.signal_id: r.message for r in received}
    await uow.signals.record_many([stored_signal(m) for m in latest.values()])
    await uow.accounts.upsert_many([account_record(r.message, r.occurred_at) for r in received])
    candidates = [
        r.message for r in received if r.message.status == "qualified" and r.message.opens_play
    ]
    if not candidates:
        return []
    # lock order everywhere: account facts, then plays (by id) - no deadlocks
    facts = await uow.facts.lock_many({m.account_id for m in candidates})
    pairs = {(m.account_id, m.adjacent_product) for m in candidates}
    active = await uow.plays.active_for_pairs(pairs)
    known = await uow.signals.get_many({s for m in candidates for s in m.qualified_signal_ids})
    opened = {}
    for message in candidates:
        pair = (message.account_id, message.adjacent_product)
        if pair in active or pair in opened:
            log.info(
                "play_already_open",
                account_id=pair[0],
                adjacent_product=pair[1],
                signal_id=message.signal_id,
            )
            continue
        info = signal_info(message, known)
        try:
            play = open_play(
                info,
                account_info(message.account),
                policy.template,
                now,
                policy.new_id(),
                expected_amount_ratio=policy.expected_amount_ratio,
            )
        except InvalidCommand as exc:
            log.info(
                "signal_opens_nothing",
                signal_id=message.signal_id,
                account_id=message.account_id,
                reason=str(exc),
            )
            continue
        reconcile_pause(play, facts.get(message.account_id), now)
        opened[pair] = (play, origin_of(info))
    inserted = await uow.plays.add_many(list(opened.values()))
    new = [play for play, _ in opened.values() if play.id in inserted]
    await _flush(uow, new, {p.id: 1 for p in new})
    for play in new:
        log.info(
            "play_opened",
            play_id=play.id,
            account_id=play.account_id,
            adjacent_product=play.adjacent_product,
            state=play.state.value,
        )
    return new


# ---- Salesforce -------------------------------------------------------------------


async def on_crm_changes(
    uow: UnitOfWork, changes: Sequence[OpportunityChanged], now: datetime
) -> list[Play]:
    """Rep edits in Salesforce become the same commands a user would send; a
    change the play cannot take is logged and acknowledged, never retried."""
    if not changes:
        return []
    plays = await uow.plays.get_many({c.play_id for c in changes})
    changed: dict[str, Play] = {}
    for change in changes:
        play = plays.get(change.play_id)
        if play is None:
            log.warning(
                "crm_change_unknown_play",
                play_id=change.play_id,
                opportunity_id=change.opportunity_id,
            )
            continue
        try:
            commands = commands_from_crm(play, crm_update(change), now)
        except (DomainError, ValidationError) as exc:
            log.warning("crm_change_refused", play_id=play.id, error=str(exc)[:300])
            continue
        for command in commands:
            try:
                play.execute(command, now)
            except (DomainError, ValidationError) as exc:
                log.warning(
                    "crm_command_refused",
                    play_id=play.id,
                    account_id=play.account_id,
                    command=command.trigger.value,
                    state=play.state.value,
                    error=str(exc)[:300],
                )
                continue
            changed[play.id] = play
    await save(uow, changed.values())
    return list(changed.values())


async def on_crm_synced(uow: UnitOfWork, links: Sequence[CrmLink]) -> None:
    if links:
        await uow.plays.record_crm_links(links)


# ---- the deadline sweeper ---------------------------------------------------------


async def fire_due(uow: UnitOfWork, now: datetime, limit: int) -> list[tuple[str, str]]:
    """Fire the timers due at ``now`` (at most ``limit``); return the rows marked
    fired. A stale row (the deadline moved, the state moved on) is re-synced
    rather than fired."""
    due = await uow.timers.claim_due(now, limit)
    if not due:
        return []
    plays = await uow.plays.get_many({d.play_id for d in due})
    fired: list[tuple[str, str]] = []
    changed: dict[str, Play] = {}
    for timer in sorted(due, key=lambda d: (d.due_at, _KIND_ORDER[d.kind], d.play_id)):
        play = plays.get(timer.play_id)
        if play is None:
            fired.append((timer.play_id, timer.kind.value))
            continue
        try:
            events = fire(play, timer.kind, now)
        except DomainError as exc:  # never let one play block the sweep
            log.error("timer_failed", play_id=play.id, kind=timer.kind.value, error=str(exc))
            fired.append((timer.play_id, timer.kind.value))
            continue
        if timer.kind.value in play.fired_timers:
            fired.append((timer.play_id, timer.kind.value))
            changed[play.id] = play
        if events:
            log.info(
                "timer_fired",
                play_id=play.id,
                account_id=play.account_id,
                kind=timer.kind.value,
                state=play.state.value,
            )
    await uow.timers.mark_fired(fired, now)
    await save(uow, changed.values())
    stale = [p for p in plays.values() if p.id not in changed]
    if stale:
        await uow.timers.sync(stale)
    return fired
