"""Salesforce notifications (Outbound Messages and webhooks) -> enforcement and feedback.

In one transaction with recording the Notification Ids (a redelivered id has
no second effect), for each new Opportunity notification, in order:

1. Find the play: by Opportunity id, else by ``Cross_Sell_Play_Id__c``. An
   Opportunity no play owns is none of our business; a notification stamped
   before the one we already applied (``SystemModstamp``) is stale.
2. Remember what Salesforce now holds (``sf_current``).
3. An echo of our own write (``is_echo`` against every value we wrote or are
   writing, and our integration user) stops here: no write, no feedback.
   That, and enforcement writing only what differs, is why nothing loops.
4. Enforcement (``enforce``): the hygiene value, the strict-mode roll-back
   (never of our own user's change) and the hygiene Task. The writes are
   urgent: they go out even when ordinary writes wait for API allocation.
   The hygiene Task is opened when a person's change leaves something
   missing, not on our own writes (the play fills those fields itself) nor
   while our integration user is still unknown; updated and closed whoever
   made the change. An Opportunity a rep re-typed away from Cross-Sell is no
   longer enforced.
5. Feedback (``feedback_commands``): discovery answers, sponsor, and a
   Closed Won/Lost that stands -> one ``OpportunityChanged`` via the outbox.

Outbound Messages leave null fields out: a field the rule sends
(``absent_is_blank``) that is missing reads as blank. Webhooks send JSON
nulls, so there a missing field is unchanged.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.crm_sync.domain import (
    EnforcementConfig,
    Notification,
    OpportunityChange,
    TaskAction,
    TaskPurpose,
    enforce,
    feedback_commands,
    is_echo,
    is_older,
    task_key,
)
from services.crm_sync.domain import fields as f
from services.crm_sync.domain.feedback import same_salesforce_id
from services.crm_sync.ports import (
    OPPORTUNITY,
    TASK,
    OppState,
    ReceivedNotification,
    SyncStore,
    TaskState,
    WriteRequest,
)
from services.crm_sync.translate import USER_PREFIX, is_sf_id, opportunity_changed
from shared.messages.envelope import Envelope

OPPORTUNITY_TYPE = "Opportunity"


@dataclass(frozen=True)
class InboundContext:
    enforcement: EnforcementConfig
    crm_topic: str
    integration_user_id: str | None = None


@dataclass
class InboundResult:
    received: int = 0
    new: int = 0
    applied: int = 0
    echoes: int = 0
    ignored: int = 0
    stale: int = 0
    writes: int = 0
    feedback: int = 0


def with_blanks(values: Mapping[str, Any], absent_is_blank: Collection[str]) -> dict[str, Any]:
    out: dict[str, Any] = {name: None for name in absent_is_blank if name != f.ID}
    out.update(values)
    return out


async def on_notifications(
    store: SyncStore,
    notes: Sequence[Notification],
    *,
    source: str,
    now: datetime,
    ctx: InboundContext,
    absent_is_blank: Collection[str] = (),
) -> InboundResult:
    result = InboundResult(received=len(notes))
    received = [
        ReceivedNotification(n.id, source, n.fields.get(f.ID), dict(n.fields)) for n in notes
    ]
    new_ids = await store.record_notifications(received)
    result.new = len(new_ids)
    fresh = [n for n in notes if n.id in new_ids]
    opportunities = [n for n in fresh if n.sobject_type == OPPORTUNITY_TYPE and n.fields.get(f.ID)]
    result.ignored = len(fresh) - len(opportunities)
    if not opportunities:
        return result
    states = await store.lock_opportunities(
        {str(n.fields.get(f.PLAY_ID)) for n in opportunities if n.fields.get(f.PLAY_ID)},
        opportunity_ids={str(n.fields[f.ID]) for n in opportunities},
    )
    by_sf_id = {s.opportunity_id: s for s in states.values() if s.opportunity_id}
    tasks = await store.tasks_of(list(states))
    writes: list[WriteRequest] = []
    messages: list[Envelope] = []
    touched: dict[str, OppState] = {}
    changed_tasks: dict[str, TaskState] = {}
    for note in opportunities:
        opportunity_id = str(note.fields[f.ID])
        state = by_sf_id.get(opportunity_id) or states.get(str(note.fields.get(f.PLAY_ID)))
        if state is None or (state.opportunity_id not in (None, opportunity_id)):
            result.ignored += 1
            continue
        fields = with_blanks(note.fields, absent_is_blank)
        if is_older(fields, state.sf_current):
            result.stale += 1
            continue
        state.opportunity_id = opportunity_id
        by_sf_id[opportunity_id] = state
        touched[state.play_id] = state
        result.applied += 1
        outcome = _apply(state, note.id, fields, tasks, now, ctx)
        writes.extend(outcome.writes)
        changed_tasks.update(outcome.tasks)
        if outcome.echo:
            result.echoes += 1
        if outcome.message is not None:
            messages.append(outcome.message)
    await store.save_opportunities(list(touched.values()))
    await store.save_tasks(list(changed_tasks.values()))
    await store.enqueue(writes)
    await store.emit(ctx.crm_topic, messages)
    result.writes, result.feedback = len(writes), len(messages)
    return result


@dataclass
class _Outcome:
    echo: bool = False
    writes: tuple[WriteRequest, ...] = ()
    tasks: Mapping[str, TaskState] = field(default_factory=dict)
    message: Envelope | None = None


def _apply(
    state: OppState,
    notification_id: str,
    fields: dict[str, Any],
    tasks: dict[str, TaskState],
    now: datetime,
    ctx: InboundContext,
) -> _Outcome:
    previous = dict(state.sf_current)
    current = {**state.known(), **fields}
    state.sf_current = {**state.sf_current, **fields}
    ours = {**state.ours(), f.PLAY_ID: state.play_id}
    user = ctx.integration_user_id
    if is_echo(fields, ours, user):
        state.known_stage = _text(current.get(f.STAGE)) or state.known_stage
        return _Outcome(echo=True)
    modified_by = _text(fields.get(f.LAST_MODIFIED_BY_ID))
    from_us = bool(user and modified_by and same_salesforce_id(modified_by, user))
    writes: list[WriteRequest] = []
    changed: dict[str, TaskState] = {}
    rollback_to: str | None = None
    if _text(current.get(f.TYPE)) in (None, f.OPPORTUNITY_TYPE):  # else no cross-sell now
        # Who changed it unknown (integration user not learnt yet): open no task.
        may_open_task = user is not None and not from_us
        rollback_to = _enforce(state, current, from_us, may_open_task, tasks, now, ctx, writes)
        key = task_key(state.play_id, TaskPurpose.HYGIENE)
        if key in tasks and any(w.key == key for w in writes):
            changed[key] = tasks[key]
    commands = feedback_commands(
        previous,
        fields,
        play_id=state.play_id,
        opportunity_id=str(state.opportunity_id),
        last_written_by_us=ours,
        rolled_back_to=rollback_to,
        won_stage=ctx.enforcement.won_stage,
        lost_stage=ctx.enforcement.lost_stage,
    )
    message = opportunity_changed(
        commands,
        notification_id=notification_id,
        account_id=state.account_id,
        fields=current,
        now=now,
    )
    return _Outcome(False, tuple(writes), changed, message)


def _enforce(
    state: OppState,
    current: Mapping[str, Any],
    from_us: bool,
    may_open_task: bool,
    tasks: dict[str, TaskState],
    now: datetime,
    ctx: InboundContext,
    writes: list[WriteRequest],
) -> str | None:
    """Run enforcement; add its writes; return the stage rolled back to, if any."""
    key = task_key(state.play_id, TaskPurpose.HYGIENE)
    hygiene_task = tasks.get(key)
    owner = _text(current.get(f.OWNER_ID))
    decision = enforce(
        OpportunityChange(
            opportunity_id=str(state.opportunity_id),
            play_id=state.play_id,
            fields=current,
            previous_stage=state.known_stage,
            today=now.date(),
            from_integration_user=from_us,
            owner_id=owner if is_sf_id(owner, USER_PREFIX) else None,
            open_task_exists=bool(hygiene_task and hygiene_task.open),
            open_task_description=(
                _text(hygiene_task.fields.get("Description")) if hygiene_task else None
            ),
        ),
        ctx.enforcement,
    )
    state.known_stage = decision.known_stage
    if decision.rollback_to is not None:
        # What the stage will be once our write lands: the baseline for the next change.
        state.sf_current[f.STAGE] = decision.rollback_to
    if decision.writes():
        forced = {f.STAGE: decision.rollback_to} if decision.rollback_to else {}
        writes.append(WriteRequest(OPPORTUNITY, state.play_id, state.play_id, forced, True))
    action = decision.task.action
    if action is TaskAction.CREATE and not may_open_task:
        action = TaskAction.NONE  # our own write: the play fills these fields itself
    task_write = _hygiene_task(action, decision.task.fields, key, state.play_id, tasks)
    if task_write is not None:
        writes.append(task_write)
    return decision.rollback_to


def _hygiene_task(
    action: TaskAction,
    values: Mapping[str, str],
    key: str,
    play_id: str,
    tasks: dict[str, TaskState],
) -> WriteRequest | None:
    row = tasks.get(key)
    if action is TaskAction.CREATE:
        task_id = row.task_id if row is not None else None
        tasks[key] = TaskState(key, play_id, TaskPurpose.HYGIENE.value, True, task_id, dict(values))
        return WriteRequest(TASK, key, play_id, dict(values), True)
    if row is None or not row.open:
        return None
    if action is TaskAction.UPDATE:
        row.fields.update(values)
        return WriteRequest(TASK, key, play_id, dict(values), True)
    if action is TaskAction.CLOSE:
        row.open = False
        row.fields["Status"] = "Completed"
        return WriteRequest(TASK, key, play_id, {"Status": "Completed"}, True)
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
