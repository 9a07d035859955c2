"""Salesforce Tasks for a play's reviews, deadlines and field hygiene.

One open Task per (play, purpose). Every Task's Subject starts with a stable
key, ``[XS:<play_id>:<purpose>]`` (``task_key``), so creation can be made
idempotent even after a crash between the Salesforce create and our commit:
query the open Tasks of the Opportunity (``WhatId``) and match their subjects
with ``parse_task_key``. The rest of the subject is for people and may change
(the hygiene task's does, with what is missing).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

SUBJECT_MAX = 255
STATUS_OPEN = "Not Started"
STATUS_DONE = "Completed"
PRIORITY_HIGH = "High"
PRIORITY_NORMAL = "Normal"
_KEY_PREFIX = "[XS:"


class TaskPurpose(enum.StrEnum):
    REVIEW_DAY7 = "review_day7"
    REVIEW_DAY14 = "review_day14"
    MEETING_DUE = "meeting_due"
    SPONSOR_DUE = "sponsor_due"
    BUSINESS_CASE_DUE = "business_case_due"
    WINDOW_DEADLINE = "window_deadline"
    HYGIENE = "hygiene"


class TaskAction(enum.StrEnum):
    NONE = "none"
    CREATE = "create"
    UPDATE = "update"  # the open task's Subject/Description
    CLOSE = "close"


@dataclass(frozen=True)
class TaskDecision:
    """What to do with the one open Task of a (play, purpose); ``fields`` to send."""

    action: TaskAction
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskSpec:
    key: str
    purpose: TaskPurpose
    subject: str
    description: str
    activity_date: date
    what_id: str  # the Opportunity id
    priority: str = PRIORITY_NORMAL
    status: str = STATUS_OPEN
    owner_id: str | None = None

    def to_fields(self) -> dict[str, str]:
        """The Task record for a create."""
        out = {
            "Subject": self.subject,
            "Description": self.description,
            "ActivityDate": self.activity_date.isoformat(),
            "Status": self.status,
            "Priority": self.priority,
            "WhatId": self.what_id,
        }
        if self.owner_id:
            out["OwnerId"] = self.owner_id
        return out


_TEXT: dict[TaskPurpose, tuple[str, str, str]] = {
    TaskPurpose.REVIEW_DAY7: (
        "Day-7 manager review",
        "Review the play at day 7: is the joint discovery meeting booked, is the signal "
        "still current, and what is the next step with a date?",
        PRIORITY_NORMAL,
    ),
    TaskPurpose.REVIEW_DAY14: (
        "Day-14 manager review",
        "Review the play at day 14: the window is ending. Win it, lose it, or record a "
        "written exception that says why it needs longer.",
        PRIORITY_NORMAL,
    ),
    TaskPurpose.MEETING_DUE: (
        "Book the joint discovery meeting",
        "Get the joint CSM + AE discovery meeting on the customer's calendar. It is due "
        "within 7 days of the play opening; after that the play is at risk.",
        PRIORITY_HIGH,
    ),
    TaskPurpose.SPONSOR_DUE: (
        "Map the executive sponsor",
        "Name the executive sponsor (the person who signs the order) and their title. "
        "Due 3 business days after discovery.",
        PRIORITY_HIGH,
    ),
    TaskPurpose.BUSINESS_CASE_DUE: (
        "Send the joint business case",
        "Build the business case with the CSM from the three discovery answers and put it "
        "in front of the sponsor. Due 72 hours after discovery.",
        PRIORITY_HIGH,
    ),
    TaskPurpose.WINDOW_DEADLINE: (
        "Cross-sell window closes",
        "The play window ends on the due date. Close the opportunity as won or lost, or "
        "record a written exception (at least 20 characters) to extend it.",
        PRIORITY_HIGH,
    ),
    TaskPurpose.HYGIENE: ("Complete the cross-sell fields", "", PRIORITY_HIGH),
}


def task_key(play_id: str, purpose: TaskPurpose | str) -> str:
    """The stable key that starts the Subject of the (play, purpose) task."""
    purpose = TaskPurpose(purpose)
    if not play_id or "]" in play_id or any(c.isspace() for c in play_id):
        raise ValueError(f"play id unusable in a task key: {play_id!r}")
    return f"{_KEY_PREFIX}{play_id}:{purpose.value}]"


def parse_task_key(subject: str | None) -> tuple[str, TaskPurpose] | None:
    """(play_id, purpose) from a Task subject we wrote, or None for any other task."""
    if not subject or not subject.startswith(_KEY_PREFIX) or "]" not in subject:
        return None
    inner = subject[len(_KEY_PREFIX) : subject.index("]")]
    play_id, sep, purpose = inner.rpartition(":")
    if not sep or not play_id:
        return None
    try:
        return play_id, TaskPurpose(purpose)
    except ValueError:
        return None


def play_task(
    purpose: TaskPurpose | str,
    *,
    play_id: str,
    opportunity_id: str,
    due: date,
    label: str,
    owner_id: str | None = None,
    note: str | None = None,
) -> TaskSpec:
    """A review or deadline task; ``label`` names the play (e.g. the Opportunity name)."""
    purpose = TaskPurpose(purpose)
    if purpose is TaskPurpose.HYGIENE:
        raise ValueError("use hygiene_task for the hygiene task")
    title, description, priority = _TEXT[purpose]
    if note and note.strip():
        description = f"{description}\n\n{note.strip()}"
    return TaskSpec(
        key=task_key(play_id, purpose),
        purpose=purpose,
        subject=_subject(task_key(play_id, purpose), f"{title}: {label}"),
        description=description,
        activity_date=due,
        what_id=opportunity_id,
        priority=priority,
        owner_id=owner_id,
    )


def hygiene_subject(play_id: str, missing: Sequence[str]) -> str:
    title = _TEXT[TaskPurpose.HYGIENE][0]
    return _subject(task_key(play_id, TaskPurpose.HYGIENE), f"{title}: {', '.join(missing)}")


def hygiene_description(missing: Sequence[str], *, gate_stage: str, strict: bool) -> str:
    """What the owner has to fill in, and what happens until they do."""
    items = "\n".join(f"- {item}" for item in missing)
    if strict:
        consequence = (
            f"Until they are filled in, the opportunity cannot move to {gate_stage} or a "
            "later stage, nor to Closed Won: such a move is put back to the previous stage."
        )
    else:
        consequence = "Without them the manager cannot forecast this cross-sell deal."
    return f"This cross-sell opportunity is missing required fields:\n{items}\n\n{consequence}"


def hygiene_task(
    *,
    play_id: str,
    opportunity_id: str,
    missing: Sequence[str],
    due: date,
    gate_stage: str,
    strict: bool,
    owner_id: str | None = None,
) -> TaskSpec:
    return TaskSpec(
        key=task_key(play_id, TaskPurpose.HYGIENE),
        purpose=TaskPurpose.HYGIENE,
        subject=hygiene_subject(play_id, missing),
        description=hygiene_description(missing, gate_stage=gate_stage, strict=strict),
        activity_date=due,
        what_id=opportunity_id,
        priority=_TEXT[TaskPurpose.HYGIENE][2],
        owner_id=owner_id,
    )


def ensure_task(spec: TaskSpec, *, open_task_exists: bool) -> TaskDecision:
    """Create the (play, purpose) task unless one is already open."""
    if open_task_exists:
        return TaskDecision(TaskAction.NONE)
    return TaskDecision(TaskAction.CREATE, spec.to_fields())


def close_task(*, open_task_exists: bool) -> TaskDecision:
    """Close the open (play, purpose) task, if there is one."""
    if not open_task_exists:
        return TaskDecision(TaskAction.NONE)
    return TaskDecision(TaskAction.CLOSE, {"Status": STATUS_DONE})


def _subject(key: str, text: str) -> str:
    subject = f"{key} {text}"
    if len(subject) <= SUBJECT_MAX:
        return subject
    return subject[: SUBJECT_MAX - 1] + "…"
