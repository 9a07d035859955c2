"""Which review/deadline Tasks a play event opens, moves or closes (pure).

One Task per (play, purpose), keyed by ``Cross_Sell_Task_Key__c`` = the
domain's ``task_key``. A purpose's Task is created once: a review or a
deadline fires once per play, so a completed Task is never reopened by it.

* ``ReviewDue`` -> the review's Task (due on the review date), and the window
  deadline Task (due on the deadline) with the first review: from then on the
  rep has the close-by date on their list. A later review closes the earlier
  review's Task. ``ReviewResolved`` (the manager resolved it in the ops
  console or API) closes that review's Task.
* ``PlayAtRisk`` (no meeting within 7 days) -> "book the meeting";
  ``SponsorOverdue`` -> "map the sponsor"; ``BusinessCaseOverdue`` -> "send
  the business case".
* ``DeadlineSet`` / ``ExceptionGranted`` / ``PlayResumed`` move the window
  Task's due date to the play's deadline.
* A play past a Task's point closes it: a meeting booked (or any later
  state) closes "book the meeting"; an engaged sponsor closes the sponsor and
  business-case Tasks; a closed play (won, lost, expired, withdrawn,
  disqualified) closes every open review/deadline Task. The hygiene Task is
  enforcement's, not the play's.

Reviews the domain has no purpose for (signal-41's day-21 review) get no Task.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from services.crm_sync.domain import TaskPurpose, play_task
from shared.messages import plays as wire

TERMINAL_STATES = frozenset({"won", "lost", "expired", "withdrawn", "disqualified"})
PAST_MEETING = frozenset({"meeting_booked", "discovery_done", "sponsor_engaged"}) | TERMINAL_STATES
PAST_SPONSOR = frozenset({"sponsor_engaged"}) | TERMINAL_STATES
REVIEWS: Mapping[str, TaskPurpose] = {
    "review_day7": TaskPurpose.REVIEW_DAY7,
    "review_day14": TaskPurpose.REVIEW_DAY14,
}
REVIEW_ORDER = (TaskPurpose.REVIEW_DAY7, TaskPurpose.REVIEW_DAY14)
OVERDUE: Mapping[str, TaskPurpose] = {
    "PlayAtRisk": TaskPurpose.MEETING_DUE,
    "SponsorOverdue": TaskPurpose.SPONSOR_DUE,
    "BusinessCaseOverdue": TaskPurpose.BUSINESS_CASE_DUE,
}
DEADLINE_MOVES = frozenset({"DeadlineSet", "ExceptionGranted", "PlayResumed"})
PLAY_PURPOSES = frozenset(TaskPurpose) - {TaskPurpose.HYGIENE}


@dataclass(frozen=True)
class TaskOp:
    action: Literal["create", "close", "update"]
    purpose: TaskPurpose
    fields: dict[str, str] = field(default_factory=dict)  # create: the record; update: changes


def _day(value: Any, fallback: date) -> date:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return fallback
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).date()
    return fallback


def _deadline(play: wire.PlaySnapshot) -> date:
    return _day(play.deadline, play.deadline.date())


def _create(
    purpose: TaskPurpose, play: wire.PlaySnapshot, due: date, label: str, owner: str | None
) -> TaskOp:
    spec = play_task(
        purpose, play_id=play.play_id, opportunity_id="", due=due, label=label, owner_id=owner
    )
    record = spec.to_fields()
    record.pop("WhatId", None)  # the writer sets it once the Opportunity exists
    return TaskOp("create", purpose, record)


def plan_tasks(
    event_type: str,
    event: Mapping[str, Any],
    play: wire.PlaySnapshot,
    *,
    label: str,
    today: date,
    owner_id: str | None = None,
) -> list[TaskOp]:
    """The task operations one play event asks for, in order."""
    ops: list[TaskOp] = []
    if event_type == "ReviewDue":
        purpose = REVIEWS.get(str(event.get("review", "")))
        if purpose is not None:
            due = _day(event.get("due_at"), today)
            ops.append(_create(purpose, play, due, label, owner_id))
            earlier = REVIEW_ORDER[: REVIEW_ORDER.index(purpose)]
            ops.extend(TaskOp("close", p) for p in earlier)
        ops.append(_create(TaskPurpose.WINDOW_DEADLINE, play, _deadline(play), label, owner_id))
    elif event_type == "ReviewResolved":
        resolved = REVIEWS.get(str(event.get("review", "")))
        if resolved is not None:
            ops.append(TaskOp("close", resolved))
    elif event_type in OVERDUE:
        due = _day(event.get("due_at"), _day(event.get("occurred_at"), today))
        ops.append(_create(OVERDUE[event_type], play, due, label, owner_id))
    elif event_type in DEADLINE_MOVES:
        ops.append(
            TaskOp(
                "update",
                TaskPurpose.WINDOW_DEADLINE,
                {"ActivityDate": _deadline(play).isoformat()},
            )
        )
    ops.extend(_closes(play.state))
    return ops


def _closes(state: str) -> list[TaskOp]:
    if state in TERMINAL_STATES:
        return [TaskOp("close", p) for p in sorted(PLAY_PURPOSES)]
    purposes: list[TaskPurpose] = []
    if state in PAST_MEETING:
        purposes.append(TaskPurpose.MEETING_DUE)
    if state in PAST_SPONSOR:
        purposes += [TaskPurpose.SPONSOR_DUE, TaskPurpose.BUSINESS_CASE_DUE]
    return [TaskOp("close", p) for p in purposes]
