"""The play state machine, declared as data.

``TRANSITIONS[(state, trigger)]`` is the next state; a missing key is an
illegal transition (409 naming the current state). A trigger is a command
kind, split where the command's content picks the target (discovery with or
without fit, close as won or lost). ``GUARDS`` holds time conditions checked
after the table says yes.

Decisions (each is tested):

* brief: submitted from ``open`` (-> briefed); it can be re-submitted to edit
  it while ``briefed`` or ``meeting_booked``; after discovery it is frozen.
* meeting: booked from ``briefed`` only (no brief, no meeting); re-booking
  (reschedule) is allowed while ``meeting_booked``.
* discovery: needs a booked meeting. ``fit=False`` disqualifies. Answers can
  be amended (e.g. edited in Salesforce) in ``discovery_done`` and
  ``sponsor_engaged`` with ``fit=True``; a no-fit after the sponsor is
  engaged is a loss, use Close(lost).
* sponsor: engaged from ``discovery_done`` (executive escalation is earned by
  operator buy-in) and updated in ``sponsor_engaged``.
* won: only from ``sponsor_engaged``: the sponsor signs the order (Salesforce
  enforces the same with its required fields).
* lost: from every non-terminal state, ``paused`` included.
* review resolved: in every non-terminal state (the state stays), or with
  ``close_play`` -> lost (the manager's note is the reason).
* disqualify: before the sponsor is engaged (open .. discovery_done).
* pause: from every running state; pausing again while paused adds a reason.
* resume: from ``paused`` back to the state it was paused in, once no pause
  reason remains.
* exception: in running states only (a paused clock is already stopped).
* expire: running states, guard ``now >= deadline``.
* withdraw: ``paused`` only, guard paused for 30 days.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from .states import ACTIVE_STATES, RUNNING_STATES, WITHDRAW_AFTER_PAUSED, PlayState


class Trigger(StrEnum):
    SUBMIT_BRIEF = "submit_brief"
    BOOK_MEETING = "book_meeting"
    DISCOVERY_FIT = "record_discovery(fit)"
    DISCOVERY_NO_FIT = "record_discovery(no fit)"
    ENGAGE_SPONSOR = "engage_sponsor"
    PAUSE = "pause"
    RESUME = "resume"
    GRANT_EXCEPTION = "grant_exception"
    CLOSE_WON = "close(won)"
    CLOSE_LOST = "close(lost)"
    RESOLVE_REVIEW = "resolve_review"
    RESOLVE_REVIEW_CLOSE = "resolve_review(close play)"
    DISQUALIFY = "disqualify"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"


class Resolve(StrEnum):
    """A target worked out from the play, not fixed in the table."""

    PREVIOUS = "previous_state"


Target = PlayState | Resolve

S = PlayState
_BEFORE_SPONSOR = (S.OPEN, S.BRIEFED, S.MEETING_BOOKED, S.DISCOVERY_DONE)

TRANSITIONS: dict[tuple[PlayState, Trigger], Target] = {
    (S.OPEN, Trigger.SUBMIT_BRIEF): S.BRIEFED,
    (S.BRIEFED, Trigger.SUBMIT_BRIEF): S.BRIEFED,
    (S.MEETING_BOOKED, Trigger.SUBMIT_BRIEF): S.MEETING_BOOKED,
    (S.BRIEFED, Trigger.BOOK_MEETING): S.MEETING_BOOKED,
    (S.MEETING_BOOKED, Trigger.BOOK_MEETING): S.MEETING_BOOKED,
    (S.MEETING_BOOKED, Trigger.DISCOVERY_FIT): S.DISCOVERY_DONE,
    (S.DISCOVERY_DONE, Trigger.DISCOVERY_FIT): S.DISCOVERY_DONE,
    (S.SPONSOR_ENGAGED, Trigger.DISCOVERY_FIT): S.SPONSOR_ENGAGED,
    (S.MEETING_BOOKED, Trigger.DISCOVERY_NO_FIT): S.DISQUALIFIED,
    (S.DISCOVERY_DONE, Trigger.DISCOVERY_NO_FIT): S.DISQUALIFIED,
    (S.DISCOVERY_DONE, Trigger.ENGAGE_SPONSOR): S.SPONSOR_ENGAGED,
    (S.SPONSOR_ENGAGED, Trigger.ENGAGE_SPONSOR): S.SPONSOR_ENGAGED,
    (S.SPONSOR_ENGAGED, Trigger.CLOSE_WON): S.WON,
    (S.PAUSED, Trigger.PAUSE): S.PAUSED,
    (S.PAUSED, Trigger.RESUME): Resolve.PREVIOUS,
    (S.PAUSED, Trigger.WITHDRAW): S.WITHDRAWN,
    **{(state, Trigger.PAUSE): S.PAUSED for state in RUNNING_STATES},
    **{(state, Trigger.GRANT_EXCEPTION): state for state in RUNNING_STATES},
    **{(state, Trigger.EXPIRE): S.EXPIRED for state in RUNNING_STATES},
    **{(state, Trigger.CLOSE_LOST): S.LOST for state in ACTIVE_STATES},
    **{(state, Trigger.RESOLVE_REVIEW): state for state in ACTIVE_STATES},
    **{(state, Trigger.RESOLVE_REVIEW_CLOSE): S.LOST for state in ACTIVE_STATES},
    **{(state, Trigger.DISQUALIFY): S.DISQUALIFIED for state in _BEFORE_SPONSOR},
}


class GuardView(Protocol):
    """What a guard may read of the play."""

    @property
    def deadline(self) -> datetime: ...

    @property
    def paused_at(self) -> datetime | None: ...


Guard = Callable[[GuardView, datetime], str | None]  # a refusal, or None


def _deadline_passed(play: GuardView, now: datetime) -> str | None:
    if now < play.deadline:
        return f"the deadline {play.deadline.isoformat()} has not passed"
    return None


def _paused_long_enough(play: GuardView, now: datetime) -> str | None:
    if play.paused_at is None or now - play.paused_at < WITHDRAW_AFTER_PAUSED:
        since = play.paused_at.isoformat() if play.paused_at else "unknown"
        return f"paused since {since}, less than 30 days"
    return None


GUARDS: dict[Trigger, Guard] = {
    Trigger.EXPIRE: _deadline_passed,
    Trigger.WITHDRAW: _paused_long_enough,
}


def allowed_triggers(state: PlayState) -> list[Trigger]:
    """Triggers the table accepts in ``state``, in declaration order."""
    return [trigger for trigger in Trigger if (state, trigger) in TRANSITIONS]
