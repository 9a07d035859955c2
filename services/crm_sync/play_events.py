"""``crosssell.plays`` -> the Opportunity the play wants, and its Tasks (one batch).

For each play event: remember the snapshot's Opportunity fields (``desired``;
a snapshot older than the one already applied is not used for fields), and
enqueue an Opportunity write when field ownership says something is to be
written (the writer merges again at send time, against what it knows then).
Review/deadline Tasks follow ``task_plan``. The whole batch is a handful of
statements: one locking read per table, then multi-row upserts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.crm_sync.domain import TaskPurpose, merge_for_write, task_key
from services.crm_sync.domain import fields as f
from services.crm_sync.ports import (
    OPPORTUNITY,
    TASK,
    OppState,
    SyncStore,
    TaskState,
    WriteRequest,
)
from services.crm_sync.task_plan import TaskOp, plan_tasks
from services.crm_sync.translate import USER_PREFIX, desired_fields, is_sf_id
from shared.messages import plays as wire


@dataclass(frozen=True)
class PlayEvent:
    type: str
    occurred_at: datetime
    event: Mapping[str, Any]
    play: wire.PlaySnapshot


def task_owner(state: OppState, play: wire.PlaySnapshot) -> str | None:
    """The Opportunity's owner in Salesforce, else the play's owner when it is a User id."""
    owner = state.sf_current.get(f.OWNER_ID)
    if isinstance(owner, str) and is_sf_id(owner, USER_PREFIX):
        return owner
    return play.owner if is_sf_id(play.owner, USER_PREFIX) else None


def apply_task_op(
    op: TaskOp, play_id: str, tasks: dict[str, TaskState], *, urgent: bool = False
) -> WriteRequest | None:
    """Update the task rows for one operation; the write it needs, if any."""
    key = task_key(play_id, op.purpose)
    row = tasks.get(key)
    if op.action == "create":
        if row is not None:
            return None  # created once per purpose; an open one is never duplicated
        tasks[key] = TaskState(key, play_id, op.purpose.value, open=True, fields=dict(op.fields))
        return WriteRequest(TASK, key, play_id, dict(op.fields), urgent)
    if row is None or not row.open:
        return None
    if op.action == "close":
        row.open = False
        row.fields["Status"] = "Completed"
        return WriteRequest(TASK, key, play_id, {"Status": "Completed"}, urgent)
    row.fields.update(op.fields)
    return WriteRequest(TASK, key, play_id, dict(op.fields), urgent)


async def on_play_events(store: SyncStore, events: Sequence[PlayEvent], today: date) -> int:
    """Apply one batch; return how many writes were enqueued."""
    if not events:
        return 0
    play_ids = sorted({e.play.play_id for e in events})
    states = await store.lock_opportunities(play_ids)
    tasks = await store.tasks_of(play_ids)
    before = {key: (t.open, dict(t.fields)) for key, t in tasks.items()}
    touched: dict[str, OppState] = {}
    writes: list[WriteRequest] = []
    for item in events:
        play = item.play
        state = states.get(play.play_id)
        if state is None:
            state = states[play.play_id] = OppState(play.play_id, play.account_id)
        if state.play_event_at is None or item.occurred_at >= state.play_event_at:
            state.desired = desired_fields(play)
            state.account_id = play.account_id
            state.play_event_at = item.occurred_at
            touched[play.play_id] = state
            if merge_for_write(state.desired, state.last_written, state.sf_current):
                writes.append(WriteRequest(OPPORTUNITY, play.play_id, play.play_id))
        label = str(state.desired.get(f.NAME) or play.account_name or play.play_id)
        for op in plan_tasks(
            item.type,
            item.event,
            play,
            label=label,
            today=today,
            owner_id=task_owner(state, play),
        ):
            if op.purpose is TaskPurpose.HYGIENE:
                continue
            write = apply_task_op(op, play.play_id, tasks)
            if write is not None:
                writes.append(write)
    changed_tasks = [t for key, t in tasks.items() if before.get(key) != (t.open, t.fields)]
    await store.save_opportunities(list(touched.values()))
    await store.save_tasks(changed_tasks)
    await store.enqueue(writes)
    return len(writes)
