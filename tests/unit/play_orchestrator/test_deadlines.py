"""Timers: due times for both templates, pause and exceptions, what firing does.

Signal: Monday 2026-11-02 09:00 UTC; play opened one hour later.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.play_orchestrator.domain import (
    BusinessCaseOverdue,
    Close,
    GrantException,
    InvalidCommand,
    Pause,
    PauseReason,
    Phase,
    Play,
    PlayAtRisk,
    PlayExpired,
    PlayState,
    PlayWithdrawn,
    Resume,
    ReviewDue,
    SponsorOverdue,
    Template,
    Timer,
    TimerKind,
    add_business_days,
    fire,
    timers_for,
)

from .builders import (
    DAY,
    EXCEPTION_REASON,
    HOUR,
    brief_with_sponsor,
    discovery,
    engage,
    meeting,
    new_play,
)

K = TimerKind


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    """November ``day``; days past 30 run on into December (34 = 4 Dec)."""
    if day > 30:
        return datetime(2026, 12, day - 30, hour, minute, tzinfo=UTC)
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def due(play: Play) -> dict[TimerKind, datetime]:
    return {t.kind: t.due_at for t in timers_for(play)}


THURSDAY_2PM = at(5, 14)


def discovered_play(template: Template = Template.JOINT_14, when: datetime = THURSDAY_2PM) -> Play:
    play = new_play(template)
    play.execute(brief_with_sponsor(), at(2, 11))
    play.execute(meeting(at(3)), at(3))
    play.execute(discovery(), when)
    return play


def test_joint_14_timers_at_opening() -> None:
    play = new_play(Template.JOINT_14)
    assert timers_for(play) == [
        Timer(K.REVIEW_DAY7, at(9)),  # signal + 7 days
        Timer(K.MEETING_DUE, at(9, 10)),  # opened (10:00) + 7 days
        Timer(K.REVIEW_DAY14, at(16)),  # signal + 14 days, fires before the deadline
        Timer(K.WINDOW_DEADLINE, at(16)),  # signal + 14 days
    ]
    assert play.deadline == at(16)


def test_signal_41_timers_at_opening_include_phase_boundary_reviews() -> None:
    play = new_play(Template.SIGNAL_41)
    assert due(play) == {
        K.REVIEW_DAY7: at(9),
        K.MEETING_DUE: at(9, 10),
        K.REVIEW_DAY14: at(16),
        K.REVIEW_DAY21: at(23),
        K.WINDOW_DEADLINE: at(43),  # 2 Nov + 41 days = 13 Dec
    }
    assert at(43) == datetime(2026, 12, 13, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "phase"),
    [
        (at(2, 10), Phase.DISCOVERY),
        (at(9, 8, 59), Phase.DISCOVERY),
        (at(9), Phase.VALUE_MAPPING),
        (at(23, 8, 59), Phase.VALUE_MAPPING),
        (at(23), Phase.CLOSE),
        (at(45), Phase.CLOSE),  # past day 41 after an exception: still closing
    ],
)
def test_signal_41_phase_for_a_given_time(when: datetime, phase: Phase) -> None:
    assert new_play(Template.SIGNAL_41).phase_at(when) is phase


def test_joint_14_has_no_phases() -> None:
    assert new_play(Template.JOINT_14).phase_at(at(5)) is None


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (at(5, 14), at(10, 14)),  # Thursday -> Tuesday
        (at(6, 14), at(11, 14)),  # Friday -> Wednesday
        (at(7, 14), at(11, 14)),  # Saturday -> Wednesday
        (at(8, 14), at(11, 14)),  # Sunday -> Wednesday
        (at(2, 14), at(5, 14)),  # Monday -> Thursday
    ],
)
def test_business_days_skip_weekends(start: datetime, expected: datetime) -> None:
    assert add_business_days(start, 3) == expected


@pytest.mark.parametrize("template", list(Template))
def test_discovery_on_thursday_sets_sponsor_tuesday_and_business_case_72h(
    template: Template,
) -> None:
    play = discovered_play(template, when=at(5, 14))
    timers = due(play)
    assert timers[K.SPONSOR_DUE] == at(10, 14)  # Thu + 3 business days = Tue
    assert timers[K.BUSINESS_CASE_DUE] == at(8, 14)  # Thu + 72 h = Sun
    assert K.MEETING_DUE not in timers
    assert timers[K.WINDOW_DEADLINE] == play.deadline


def test_paused_play_wants_only_the_withdraw_timer() -> None:
    play = new_play()
    play.execute(brief_with_sponsor(), at(2, 11))
    play.execute(Pause(reason=PauseReason.ESCALATION_OPENED), at(4))
    assert timers_for(play) == [Timer(K.WITHDRAW_DUE, at(34))]  # 4 Nov + 30 days = 4 Dec


def test_resume_moves_every_pending_deadline_by_the_paused_time() -> None:
    play = new_play()
    play.execute(brief_with_sponsor(), at(2, 11))
    play.execute(Pause(reason=PauseReason.ESCALATION_OPENED), at(4))
    play.execute(Resume(), at(9))  # paused 5 days
    assert play.state is PlayState.BRIEFED
    assert play.deadline == at(21)
    assert due(play) == {
        K.REVIEW_DAY7: at(14),
        K.MEETING_DUE: at(14, 10),
        K.REVIEW_DAY14: at(21),
        K.WINDOW_DEADLINE: at(21),
    }
    assert play.total_paused == 5 * DAY


def test_a_timer_that_already_fired_is_not_moved_again_by_a_later_pause() -> None:
    play = new_play()
    play.execute(brief_with_sponsor(), at(2, 11))
    play.execute(meeting(at(3)), at(3))
    assert fire(play, K.REVIEW_DAY7, at(9))
    play.execute(Pause(reason=PauseReason.RENEWAL_NEGOTIATION), at(10))
    play.execute(Resume(reason=PauseReason.RENEWAL_NEGOTIATION), at(12))
    assert due(play) == {K.REVIEW_DAY14: at(18), K.WINDOW_DEADLINE: at(18)}


def test_pause_moves_signal_41_phase_boundaries() -> None:
    play = new_play(Template.SIGNAL_41)
    play.execute(Pause(reason=PauseReason.ESCALATION_OPENED), at(4))
    assert play.phase_at(at(20)) is Phase.DISCOVERY  # clock stopped on day 2
    play.execute(Resume(), at(14))  # paused 10 days
    assert play.phase_at(at(18, 23)) is Phase.DISCOVERY
    assert play.phase_at(at(19)) is Phase.VALUE_MAPPING  # day 7 + 10 paused


def test_pause_for_two_reasons_resumes_only_when_both_clear() -> None:
    play = new_play()
    play.execute(brief_with_sponsor(), at(2, 11))
    play.execute(Pause(reason=PauseReason.ESCALATION_OPENED), at(4))
    play.execute(Pause(reason=PauseReason.RENEWAL_NEGOTIATION), at(5))
    assert play.execute(Resume(reason=PauseReason.ESCALATION_OPENED), at(6)) == []
    assert play.state is PlayState.PAUSED
    assert timers_for(play) == [Timer(K.WITHDRAW_DUE, at(34))]  # still from the first pause
    play.execute(Resume(reason=PauseReason.RENEWAL_NEGOTIATION), at(8))
    assert play.state is PlayState.BRIEFED
    assert play.deadline == at(20)  # 16 Nov + 4 days paused


def test_exception_extends_the_deadline_and_the_old_row_fires_nothing() -> None:
    play = new_play()
    play.execute(brief_with_sponsor(), at(2, 11))
    play.execute(GrantException(actor="manager", reason=EXCEPTION_REASON, extension_days=5), at(15))
    assert play.deadline == at(21)
    assert due(play)[K.WINDOW_DEADLINE] == at(21)
    assert play.exceptions[0].previous_deadline == at(16)
    assert play.exceptions[0].reason == EXCEPTION_REASON
    assert fire(play, K.WINDOW_DEADLINE, at(16)) == []  # a stale row at the old time
    assert play.state is PlayState.BRIEFED
    events = fire(play, K.WINDOW_DEADLINE, at(21))
    assert [type(e) for e in events] == [PlayExpired]
    assert play.state is PlayState.EXPIRED


def test_exception_with_an_explicit_new_deadline() -> None:
    play = new_play()
    play.execute(GrantException(reason=EXCEPTION_REASON, new_deadline=at(25)), at(10))
    assert play.deadline == at(25)


@pytest.mark.parametrize("reason", ["", "too short", "x" * 19, "  " + "y" * 19 + "   "])
def test_exception_with_a_short_reason_is_refused(reason: str) -> None:
    with pytest.raises(ValidationError, match="at least 20 characters"):
        GrantException(reason=reason, extension_days=3)


def test_exception_reason_of_exactly_20_characters_is_accepted() -> None:
    assert GrantException(reason="x" * 20, extension_days=1).extension_days == 1


def test_exception_must_move_the_deadline_later() -> None:
    play = new_play()
    with pytest.raises(InvalidCommand, match="extend"):
        play.execute(GrantException(reason=EXCEPTION_REASON, new_deadline=at(15)), at(10))
    assert play.deadline == at(16) and play.exceptions == []


def test_without_exception_the_play_expires_at_the_deadline() -> None:
    play = new_play()
    play.execute(brief_with_sponsor(), at(2, 11))
    assert fire(play, K.WINDOW_DEADLINE, at(16) - HOUR) == []
    events = fire(play, K.WINDOW_DEADLINE, at(16))
    assert len(events) == 1 and isinstance(events[0], PlayExpired)
    assert events[0].deadline == at(16)
    assert play.state is PlayState.EXPIRED
    assert play.closed_at == at(16)
    assert (play.history[-1].actor, play.history[-1].to_state) == ("system", PlayState.EXPIRED)
    assert timers_for(play) == []
    assert play.pending_events[-1] is events[0]


def test_withdrawn_after_30_days_paused() -> None:
    play = new_play()
    play.execute(Pause(reason=PauseReason.RENEWAL_NEGOTIATION), at(4))
    assert fire(play, K.WITHDRAW_DUE, at(33)) == []  # 29 days
    events = fire(play, K.WITHDRAW_DUE, at(34))
    assert [type(e) for e in events] == [PlayWithdrawn]
    assert play.state is PlayState.WITHDRAWN
    assert play.pauses[-1].ended_at == at(34)


def test_meeting_not_booked_within_7_days_marks_at_risk_and_booking_lifts_it() -> None:
    play = new_play()
    play.execute(brief_with_sponsor(), at(2, 11))
    events = fire(play, K.MEETING_DUE, at(9, 10))
    assert [type(e) for e in events] == [PlayAtRisk]
    assert play.at_risk and play.is_overdue and play.state is PlayState.BRIEFED
    assert K.MEETING_DUE not in due(play)
    play.execute(meeting(at(10)), at(10))
    assert not play.at_risk and not play.is_overdue


def test_review_due_raises_an_item_for_the_manager() -> None:
    play = new_play(Template.SIGNAL_41)
    events = fire(play, K.REVIEW_DAY21, at(23))
    assert len(events) == 1
    review = events[0]
    assert isinstance(review, ReviewDue)
    assert (review.review, review.day, review.phase) == ("review_day21", 21, Phase.CLOSE)
    assert play.reviews[0].kind == "review_day21"


def test_sponsor_and_business_case_overdue_after_discovery() -> None:
    play = discovered_play(when=at(5, 14))
    assert [type(e) for e in fire(play, K.BUSINESS_CASE_DUE, at(8, 14))] == [BusinessCaseOverdue]
    assert [type(e) for e in fire(play, K.SPONSOR_DUE, at(10, 14))] == [SponsorOverdue]
    assert set(play.overdue) == {"sponsor", "business_case"}
    play.execute(engage(), at(10, 15))
    assert play.overdue == []


@pytest.mark.parametrize(
    ("kind", "when"),
    [
        (K.MEETING_DUE, at(9, 10)),  # the meeting is booked
        (K.SPONSOR_DUE, at(10, 14)),  # the sponsor is engaged
        (K.BUSINESS_CASE_DUE, at(8, 14)),  # the sponsor is engaged
        (K.WITHDRAW_DUE, at(40)),  # not paused
        (K.REVIEW_DAY21, at(23)),  # joint-14 has no day-21 review
    ],
)
def test_timer_firing_where_it_no_longer_applies_does_nothing(
    kind: TimerKind, when: datetime
) -> None:
    play = discovered_play(when=at(5, 14))
    play.execute(engage(), at(6))
    play.collect_events()
    before = play.model_dump()
    assert fire(play, kind, when) == []
    assert play.model_dump() == before
    assert play.pending_events == []


def test_timers_on_finished_or_paused_plays_do_nothing() -> None:
    won = discovered_play()
    won.execute(engage(), at(6))
    won.execute(Close(outcome="won", amount=50_000), at(7))
    assert fire(won, K.WINDOW_DEADLINE, at(20)) == []
    assert fire(won, K.REVIEW_DAY14, at(20)) == []
    assert won.state is PlayState.WON and timers_for(won) == []

    paused = new_play()
    paused.execute(Pause(reason=PauseReason.ESCALATION_OPENED), at(4))
    assert fire(paused, K.REVIEW_DAY7, at(9)) == []
    assert fire(paused, K.WINDOW_DEADLINE, at(20)) == []
    assert paused.state is PlayState.PAUSED


def test_each_timer_fires_once() -> None:
    play = new_play()
    assert fire(play, K.REVIEW_DAY7, at(9))
    assert fire(play, K.REVIEW_DAY7, at(9, 1)) == []
    assert len(play.reviews) == 1
