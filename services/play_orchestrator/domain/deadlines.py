"""Durable timers, computed: which (kind, due_at) rows a play wants, and what
happens when one fires.

The handler stores timers as rows unique per (play, kind). After every
change it calls ``timers_for(play)`` and diffs: upsert new or moved rows,
delete rows whose kind is no longer listed. When a row is due it calls
``fire(play, kind, now)``. ``fire`` is safe against stale rows: a kind that
does not apply in the play's state, that already fired, or whose current due
time is later than ``now`` (the deadline moved) does nothing.

kind: due at; applies while; effect when fired

Every kind but withdraw_due is capped at the window deadline: a meeting due
7 days after a late opening is due at the deadline (section 6).

* meeting_due: opened_at + 7 days; open, briefed; ``at_risk`` set, PlayAtRisk.
* review_dayN: signal occurred_at + N days (joint-14: N = 7, 14; signal-41:
  7, 14, 21 - days 7 and 21 are its phase boundaries); running; ReviewDue and
  a ReviewItem on the play.
* sponsor_due: first discovery + 3 business days (Mon-Fri; weekends judged in
  the timestamp's zone, UTC in practice); discovery_done; SponsorOverdue.
* business_case_due: first discovery + 72 hours; discovery_done;
  BusinessCaseOverdue (an engaged sponsor implies the business case bridged).
* window_deadline: ``play.deadline``; running; Expire -> expired.
* withdraw_due: start of the current pause + 30 days; paused; Withdraw ->
  withdrawn.

"running" = open, briefed, meeting_booked, discovery_done, sponsor_engaged.
Pausing stops the clock: while paused only ``withdraw_due`` is wanted; on
resume each pending due time moves later by the pause (``Play.shifted``; the
deadline itself is moved by the resume). An exception moves the deadline.
Every kind fires at most once per play. Timers due at the same instant fire
in ``TimerKind`` order (reviews before the deadline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from . import events as ev
from .commands import Expire, Withdraw
from .model import Play, require_aware
from .records import ReviewItem
from .states import (
    BUSINESS_CASE_DUE_AFTER,
    MEETING_DUE_AFTER,
    RUNNING_STATES,
    SPONSOR_DUE_BUSINESS_DAYS,
    SYSTEM_ACTOR,
    TEMPLATES,
    WITHDRAW_AFTER_PAUSED,
    PlayState,
)


class TimerKind(StrEnum):
    MEETING_DUE = "meeting_due"
    REVIEW_DAY7 = "review_day7"
    REVIEW_DAY14 = "review_day14"
    REVIEW_DAY21 = "review_day21"
    SPONSOR_DUE = "sponsor_due"
    BUSINESS_CASE_DUE = "business_case_due"
    WINDOW_DEADLINE = "window_deadline"
    WITHDRAW_DUE = "withdraw_due"


REVIEW_KINDS: dict[int, TimerKind] = {
    7: TimerKind.REVIEW_DAY7,
    14: TimerKind.REVIEW_DAY14,
    21: TimerKind.REVIEW_DAY21,
}
_REVIEW_DAY = {kind: day for day, kind in REVIEW_KINDS.items()}
_ORDER = {kind: index for index, kind in enumerate(TimerKind)}


@dataclass(frozen=True)
class Timer:
    kind: TimerKind
    due_at: datetime


def add_business_days(start: datetime, days: int) -> datetime:
    """``start`` plus ``days`` weekdays, keeping the time of day. Saturdays and
    Sundays (judged in ``start``'s timezone) are not counted; holidays are."""
    result = start
    counted = 0
    while counted < days:
        result += timedelta(days=1)
        if result.weekday() < 5:
            counted += 1
    return result


def due_at(play: Play, kind: TimerKind) -> datetime | None:
    """When ``kind`` is due for the play as it is now; None if it does not
    apply in the current state (whether or not it already fired). No deadline
    of a running play falls after its window deadline (an exception moves
    the window deadline, and with it this cap)."""
    due = _due_at(play, kind)
    if due is None or kind is TimerKind.WITHDRAW_DUE:
        return due
    return min(due, play.deadline)


def _due_at(play: Play, kind: TimerKind) -> datetime | None:
    state = play.state
    running = state in RUNNING_STATES
    if kind is TimerKind.MEETING_DUE:
        if state in (PlayState.OPEN, PlayState.BRIEFED):
            return play.shifted(play.opened_at + MEETING_DUE_AFTER)
        return None
    if kind in _REVIEW_DAY:
        day = _REVIEW_DAY[kind]
        if running and day in TEMPLATES[play.template].review_days:
            return play.shifted(play.signal_occurred_at + timedelta(days=day))
        return None
    if kind is TimerKind.SPONSOR_DUE or kind is TimerKind.BUSINESS_CASE_DUE:
        if state is not PlayState.DISCOVERY_DONE or play.discovered_at is None:
            return None
        if kind is TimerKind.SPONSOR_DUE:
            base = add_business_days(play.discovered_at, SPONSOR_DUE_BUSINESS_DAYS)
        else:
            base = play.discovered_at + BUSINESS_CASE_DUE_AFTER
        return play.shifted(base)
    if kind is TimerKind.WINDOW_DEADLINE:
        return play.deadline if running else None
    if kind is TimerKind.WITHDRAW_DUE:
        paused_at = play.paused_at
        if state is PlayState.PAUSED and paused_at is not None:
            return paused_at + WITHDRAW_AFTER_PAUSED
        return None
    raise ValueError(f"unknown timer kind {kind}")


def timers_for(play: Play) -> list[Timer]:
    """The timers the play wants stored now, in firing order."""
    timers = []
    for kind in TimerKind:
        if kind.value in play.fired_timers:
            continue
        due = due_at(play, kind)
        if due is not None:
            timers.append(Timer(kind, due))
    return sorted(timers, key=lambda t: (t.due_at, _ORDER[t.kind]))


def fire(play: Play, kind: TimerKind | str, now: datetime) -> list[ev.PlayEvent]:
    """Run the timer's effect if it still applies; return the events raised
    (they are also collected on the play). Stale timers return []."""
    require_aware(now)
    kind = TimerKind(kind)
    if kind.value in play.fired_timers:
        return []
    due = due_at(play, kind)
    if due is None or now < due:
        return []
    events = _effect(play, kind, due, now)
    play.fired_timers[kind.value] = now
    if kind not in (TimerKind.WINDOW_DEADLINE, TimerKind.WITHDRAW_DUE):
        play.record(*events)  # execute() already collected the others
    return events


def _effect(play: Play, kind: TimerKind, due: datetime, now: datetime) -> list[ev.PlayEvent]:
    if kind is TimerKind.MEETING_DUE:
        play.at_risk = True
        _mark_overdue(play, "meeting")
        reason = "no joint discovery meeting booked within 7 days of opening"
        return [play.new_event(ev.PlayAtRisk, now, SYSTEM_ACTOR, reason=reason)]
    if kind in _REVIEW_DAY:
        day = _REVIEW_DAY[kind]
        phase = play.phase_at(now)
        play.reviews.append(
            ReviewItem(
                kind=kind.value, day=day, due_at=due, raised_at=now, state=play.state, phase=phase
            )
        )
        return [
            play.new_event(
                ev.ReviewDue,
                now,
                SYSTEM_ACTOR,
                review=kind.value,
                day=day,
                due_at=due,
                phase=phase,
                deadline=play.deadline,
                at_risk=play.at_risk,
            )
        ]
    if kind is TimerKind.SPONSOR_DUE:
        _mark_overdue(play, "sponsor")
        return [play.new_event(ev.SponsorOverdue, now, SYSTEM_ACTOR, due_at=due)]
    if kind is TimerKind.BUSINESS_CASE_DUE:
        _mark_overdue(play, "business_case")
        return [play.new_event(ev.BusinessCaseOverdue, now, SYSTEM_ACTOR, due_at=due)]
    if kind is TimerKind.WINDOW_DEADLINE:
        return play.execute(Expire(actor=SYSTEM_ACTOR), now)
    return play.execute(Withdraw(actor=SYSTEM_ACTOR), now)


def _mark_overdue(play: Play, item: str) -> None:
    if item not in play.overdue:
        play.overdue.append(item)
