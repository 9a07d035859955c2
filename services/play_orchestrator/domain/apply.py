"""What each accepted command does to a play, once the table allowed it.

Every function checks the command against the play's data *before* it changes
anything, so a refusal (``BriefIncomplete``, ``InvalidCommand``) leaves the
play as it was. Each accepted command appends exactly one history entry.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from . import events as ev
from .brief import Commitment, validate_brief
from .commands import (
    BookMeeting,
    Close,
    Disqualify,
    EngageSponsor,
    Expire,
    GrantException,
    Pause,
    RecordDiscovery,
    ResolveReview,
    Resume,
    SubmitBrief,
    Withdraw,
)
from .errors import InvalidCommand
from .records import ExceptionRecord, Outcome, PauseInterval
from .states import PlayState

if TYPE_CHECKING:
    from .model import Play

Events = list[ev.PlayEvent]


def submit_brief(play: Play, cmd: SubmitBrief, to: PlayState, now: datetime) -> Events:
    merged = play.brief.merged(cmd.brief)
    warnings = validate_brief(merged, now)  # raises BriefIncomplete naming each item
    play.brief = merged
    play.brief_revision += 1
    play.move(to, now, cmd)
    sponsor = merged.sponsor
    assert sponsor is not None
    return [
        play.new_event(
            ev.PlayBriefed,
            now,
            cmd.actor,
            revision=play.brief_revision,
            sponsor_name=sponsor.name,
            sponsor_title=sponsor.title,
            warnings=warnings,
        )
    ]


def book_meeting(play: Play, cmd: BookMeeting, to: PlayState, now: datetime) -> Events:
    if cmd.meeting_at < now:
        raise InvalidCommand(
            f"the meeting date {cmd.meeting_at.isoformat()} is in the past "
            f"(now {now.isoformat()}): book a meeting still to come"
        )
    rescheduled = play.meeting_booked_at is not None
    commitment = Commitment(
        meeting_at=cmd.meeting_at,
        attendees=cmd.attendees,
        agenda=cmd.agenda,
        next_step=cmd.next_step,
    )
    play.brief = play.brief.model_copy(update={"commitment": commitment})
    play.meeting_booked_at = play.meeting_booked_at or now
    # at_risk is about the missing meeting; booking it (late) lifts the mark.
    play.at_risk = False
    play.clear_overdue("meeting")
    play.move(to, now, cmd)
    return [
        play.new_event(
            ev.MeetingBooked,
            now,
            cmd.actor,
            meeting_at=cmd.meeting_at,
            attendees=cmd.attendees,
            agenda=cmd.agenda,
            next_step=cmd.next_step,
            rescheduled=rescheduled,
        )
    ]


def record_discovery(play: Play, cmd: RecordDiscovery, to: PlayState, now: datetime) -> Events:
    play.discovery = cmd.answers
    play.discovery_fit = cmd.fit
    play.discovered_at = play.discovered_at or now
    play.champion = cmd.champion or play.current_champion()
    play.move(to, now, cmd)
    events: Events = [
        play.new_event(
            ev.DiscoveryRecorded,
            now,
            cmd.actor,
            answers=cmd.answers,
            fit=cmd.fit,
            champion=play.champion,
        )
    ]
    if to is PlayState.DISQUALIFIED:
        events.append(
            play.new_event(ev.PlayDisqualified, now, cmd.actor, reason="discovery found no fit")
        )
    return events


def engage_sponsor(play: Play, cmd: EngageSponsor, to: PlayState, now: datetime) -> Events:
    sponsor = cmd.as_sponsor()
    briefed = play.brief.sponsor
    if sponsor.relationship_owner is None and briefed is not None:
        if briefed.as_contact().same_person(sponsor.as_contact()):
            sponsor = sponsor.model_copy(update={"relationship_owner": briefed.relationship_owner})
    # One record of the sponsor: the brief's item 4 is the sponsor engaged.
    play.sponsor = sponsor
    play.brief = play.brief.model_copy(update={"sponsor": sponsor})
    play.sponsor_engaged_at = play.sponsor_engaged_at or now
    # the business case is the bridge to the sponsor: an engaged sponsor closes both
    play.clear_overdue("sponsor", "business_case")
    play.move(to, now, cmd)
    return [
        play.new_event(
            ev.SponsorEngaged,
            now,
            cmd.actor,
            sponsor=play.sponsor,
            warnings=tuple(play.warnings()),
        )
    ]


def pause(play: Play, cmd: Pause, to: PlayState, now: datetime) -> Events:
    if play.state is PlayState.PAUSED:
        current = play.pauses[-1]
        if cmd.reason not in current.reasons:
            reasons = (*current.reasons, cmd.reason)
            play.pauses[-1] = current.model_copy(update={"reasons": reasons})
    else:
        play.pauses.append(PauseInterval(started_at=now, reasons=(cmd.reason,)))
    play.move(to, now, cmd)
    assert play.previous_state is not None
    return [
        play.new_event(
            ev.PlayPaused,
            now,
            cmd.actor,
            reason=cmd.reason.value,
            reasons=tuple(r.value for r in play.pauses[-1].reasons),
            previous_state=play.previous_state,
        )
    ]


def resume(play: Play, cmd: Resume, to: PlayState, now: datetime) -> Events:
    current = play.pauses[-1]
    remaining = () if cmd.reason is None else tuple(r for r in current.reasons if r != cmd.reason)
    if remaining:
        play.pauses[-1] = current.model_copy(update={"reasons": remaining})
        still = ", ".join(r.value for r in remaining)
        play.move(PlayState.PAUSED, now, cmd, reason=f"{cmd.history_reason()}; still {still}")
        return []
    paused_for = now - current.started_at
    play.end_pause(now)
    deadline_moved = play.deadline > current.started_at
    if deadline_moved:
        play.deadline += paused_for
    play.move(to, now, cmd)
    events: Events = [
        play.new_event(ev.PlayResumed, now, cmd.actor, paused_seconds=paused_for.total_seconds())
    ]
    if deadline_moved:
        events.append(
            play.new_event(
                ev.DeadlineSet,
                now,
                cmd.actor,
                deadline=play.deadline,
                reason=f"clock stopped while paused for {paused_for}",
            )
        )
    return events


def grant_exception(play: Play, cmd: GrantException, to: PlayState, now: datetime) -> Events:
    if cmd.new_deadline is not None:
        new = cmd.new_deadline
    else:
        assert cmd.extension_days is not None
        new = play.deadline + timedelta(days=cmd.extension_days)
    if new <= play.deadline:
        raise InvalidCommand(f"an exception must extend the deadline ({play.deadline.isoformat()})")
    if new <= now:
        raise InvalidCommand("an exception's new deadline must be in the future")
    previous = play.deadline
    reason = cmd.reason.strip()
    play.exceptions.append(
        ExceptionRecord(
            granted_at=now,
            actor=cmd.actor,
            reason=reason,
            previous_deadline=previous,
            new_deadline=new,
        )
    )
    play.deadline = new
    play.move(to, now, cmd)
    return [
        play.new_event(
            ev.ExceptionGranted,
            now,
            cmd.actor,
            reason=reason,
            previous_deadline=previous,
            new_deadline=new,
        ),
        play.new_event(ev.DeadlineSet, now, cmd.actor, deadline=new, reason="exception granted"),
    ]


def close(play: Play, cmd: Close, to: PlayState, now: datetime) -> Events:
    reason = cmd.reason.strip() or None
    play.outcome = Outcome(result=cmd.outcome, amount=cmd.amount, reason=reason, closed_at=now)
    play.move(to, now, cmd)
    if cmd.outcome == "won":
        assert cmd.amount is not None
        return [
            play.new_event(
                ev.PlayWon,
                now,
                cmd.actor,
                amount=cmd.amount,
                core_acv=play.core_acv,
                cycle_days=play.cycle_days(now),
            )
        ]
    return [play.new_event(ev.PlayLost, now, cmd.actor, reason=cmd.reason.strip())]


def end(play: Play, cmd: Disqualify | Withdraw | Expire, to: PlayState, now: datetime) -> Events:
    """Disqualify, withdraw, expire: terminal with a reason, no outcome."""
    deadline = play.deadline
    play.move(to, now, cmd)
    match cmd:
        case Expire():
            return [play.new_event(ev.PlayExpired, now, cmd.actor, deadline=deadline)]
        case Withdraw():
            return [play.new_event(ev.PlayWithdrawn, now, cmd.actor, reason=cmd.reason)]
        case Disqualify():
            return [play.new_event(ev.PlayDisqualified, now, cmd.actor, reason=cmd.reason)]


def resolve_review(play: Play, cmd: ResolveReview, to: PlayState, now: datetime) -> Events:
    index = next((i for i, r in enumerate(play.reviews) if r.kind == cmd.review), None)
    if index is None:
        raise InvalidCommand(f"no {cmd.review} review was raised on this play")
    item = play.reviews[index]
    if item.resolved_at is not None:
        raise InvalidCommand(
            f"the {cmd.review} review was already resolved ({item.outcome}) "
            f"by {item.resolved_by} at {item.resolved_at.isoformat()}"
        )
    play.reviews[index] = item.model_copy(
        update={"resolved_at": now, "resolved_by": cmd.actor, "outcome": cmd.outcome,
                "note": cmd.note}
    )
    if cmd.outcome == "at_risk":
        play.at_risk = True
    play.move(to, now, cmd)
    events: Events = [
        play.new_event(
            ev.ReviewResolved, now, cmd.actor, review=cmd.review, outcome=cmd.outcome,
            note=cmd.note,
        )
    ]
    if to is PlayState.LOST:
        reason = f"closed at the {cmd.review.replace('_', ' ')} review: {cmd.note}"
        play.outcome = Outcome(result="lost", amount=None, reason=reason, closed_at=now)
        events.append(play.new_event(ev.PlayLost, now, cmd.actor, reason=reason))
    return events
