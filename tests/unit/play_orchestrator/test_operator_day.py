"""Correctness points of the operator's day, on the pure domain: deadlines
inside the window, a meeting in the past refused, one record of the sponsor,
reviews resolved once, the person as the actor."""

from __future__ import annotations

import pytest

from services.play_orchestrator.api import actor_of
from services.play_orchestrator.domain import (
    EngageSponsor,
    GrantException,
    InvalidCommand,
    PlayState,
    ResolveReview,
    ReviewResolved,
    Template,
    TimerKind,
    due_at,
    timers_for,
)
from shared.auth import Principal

from .builders import (
    DAY,
    EXCEPTION_REASON,
    HOUR,
    OPENED_AT,
    SIGNAL_AT,
    SPONSOR,
    meeting,
    new_play,
    play_in,
    raised_review,
)


@pytest.mark.parametrize("template", list(Template))
def test_no_deadline_falls_after_the_window_deadline(template: Template) -> None:
    late = new_play(template, opened_at=SIGNAL_AT + 10 * DAY)  # joint-14: 4 days left
    assert all(t.due_at <= late.deadline for t in timers_for(late))
    if template is Template.JOINT_14:
        assert due_at(late, TimerKind.MEETING_DUE) == late.deadline
    on_time = new_play(template)
    assert due_at(on_time, TimerKind.MEETING_DUE) == OPENED_AT + 7 * DAY


def test_an_exception_extends_the_window_and_the_deadlines_inside_it() -> None:
    late = new_play(opened_at=SIGNAL_AT + 10 * DAY)
    late.execute(GrantException(reason=EXCEPTION_REASON, extension_days=7), late.opened_at + HOUR)
    assert due_at(late, TimerKind.MEETING_DUE) == late.opened_at + 7 * DAY
    assert late.deadline > late.opened_at + 7 * DAY


def test_sponsor_and_business_case_due_are_capped_at_the_deadline() -> None:
    play, now = play_in(PlayState.DISCOVERY_DONE)
    play.deadline = play.discovered_at + DAY  # type: ignore[operator]
    assert due_at(play, TimerKind.SPONSOR_DUE) == play.deadline
    assert due_at(play, TimerKind.BUSINESS_CASE_DUE) == play.deadline


def test_a_meeting_in_the_past_is_refused_and_changes_nothing() -> None:
    play, now = play_in(PlayState.BRIEFED)
    before = play.model_dump()
    past = meeting(now).model_copy(update={"meeting_at": now - HOUR})
    with pytest.raises(InvalidCommand, match="in the past"):
        play.execute(past, now)
    assert play.model_dump() == before


def test_the_engaged_sponsor_is_the_brief_sponsor_with_one_relationship_owner() -> None:
    play, now = play_in(PlayState.DISCOVERY_DONE)
    play.execute(
        EngageSponsor(
            actor="Alex AE", name=SPONSOR.name, title=SPONSOR.title, contact_id=SPONSOR.contact_id
        ),
        now + HOUR,
    )
    assert play.sponsor is not None and play.brief.sponsor == play.sponsor
    assert play.sponsor.relationship_owner == SPONSOR.relationship_owner  # kept from the brief


def test_a_review_is_resolved_once_and_recorded_in_the_history() -> None:
    play, now = play_in(PlayState.MEETING_BOOKED)
    play.reviews.append(raised_review(play, now))
    resolve = ResolveReview(
        actor="Morgan Lee", review="review_day7", outcome="escalated", note="VP call booked"
    )
    events = play.execute(resolve, now + HOUR)
    assert [type(e) for e in events] == [ReviewResolved]
    assert play.state is PlayState.MEETING_BOOKED
    assert play.reviews[0].outcome == "escalated" and play.reviews[0].resolved_by == "Morgan Lee"
    assert play.history[-1].actor == "Morgan Lee"
    assert play.history[-1].reason == "review day7 review: escalated: VP call booked"
    with pytest.raises(InvalidCommand, match="already resolved"):
        play.execute(resolve, now + 2 * HOUR)
    with pytest.raises(InvalidCommand, match="no review_day14 review"):
        play.execute(resolve.model_copy(update={"review": "review_day14"}), now + 2 * HOUR)


def test_the_actor_is_the_person_never_the_key_id() -> None:
    labelled = Principal("a1b2c3d4", frozenset({"write"}), label="Sam Carter")
    unlabelled = Principal("a1b2c3d4", frozenset({"write"}))
    assert actor_of(labelled, None) == "Sam Carter"
    assert actor_of(labelled, "  Morgan   Lee ") == "Morgan Lee"
    assert "a1b2c3d4" not in actor_of(unlabelled, None)
