"""Every (state, command) pair, both templates: the legal ones land in the
expected state, the illegal ones raise IllegalTransition naming the state and
leave the play untouched. The expected matrix is written out by hand here,
independently of the table in the code."""

from __future__ import annotations

import pytest

from services.play_orchestrator.domain import (
    TRANSITIONS,
    Close,
    Expire,
    GrantException,
    GuardRejected,
    IllegalTransition,
    PlayState,
    Template,
    Trigger,
    Withdraw,
)

from .builders import DAY, EXCEPTION_REASON, HOUR, play_in, sample

S, T = PlayState, Trigger

# A paused play in these tests was paused from meeting_booked, so resume
# returns there.
EXPECTED: dict[PlayState, dict[Trigger, PlayState]] = {
    S.OPEN: {
        T.RESOLVE_REVIEW: S.OPEN,
        T.RESOLVE_REVIEW_CLOSE: S.LOST,
        T.SUBMIT_BRIEF: S.BRIEFED,
        T.PAUSE: S.PAUSED,
        T.GRANT_EXCEPTION: S.OPEN,
        T.CLOSE_LOST: S.LOST,
        T.DISQUALIFY: S.DISQUALIFIED,
        T.EXPIRE: S.EXPIRED,
    },
    S.BRIEFED: {
        T.RESOLVE_REVIEW: S.BRIEFED,
        T.RESOLVE_REVIEW_CLOSE: S.LOST,
        T.SUBMIT_BRIEF: S.BRIEFED,
        T.BOOK_MEETING: S.MEETING_BOOKED,
        T.PAUSE: S.PAUSED,
        T.GRANT_EXCEPTION: S.BRIEFED,
        T.CLOSE_LOST: S.LOST,
        T.DISQUALIFY: S.DISQUALIFIED,
        T.EXPIRE: S.EXPIRED,
    },
    S.MEETING_BOOKED: {
        T.RESOLVE_REVIEW: S.MEETING_BOOKED,
        T.RESOLVE_REVIEW_CLOSE: S.LOST,
        T.SUBMIT_BRIEF: S.MEETING_BOOKED,
        T.BOOK_MEETING: S.MEETING_BOOKED,
        T.DISCOVERY_FIT: S.DISCOVERY_DONE,
        T.DISCOVERY_NO_FIT: S.DISQUALIFIED,
        T.PAUSE: S.PAUSED,
        T.GRANT_EXCEPTION: S.MEETING_BOOKED,
        T.CLOSE_LOST: S.LOST,
        T.DISQUALIFY: S.DISQUALIFIED,
        T.EXPIRE: S.EXPIRED,
    },
    S.DISCOVERY_DONE: {
        T.RESOLVE_REVIEW: S.DISCOVERY_DONE,
        T.RESOLVE_REVIEW_CLOSE: S.LOST,
        T.DISCOVERY_FIT: S.DISCOVERY_DONE,
        T.DISCOVERY_NO_FIT: S.DISQUALIFIED,
        T.ENGAGE_SPONSOR: S.SPONSOR_ENGAGED,
        T.PAUSE: S.PAUSED,
        T.GRANT_EXCEPTION: S.DISCOVERY_DONE,
        T.CLOSE_LOST: S.LOST,
        T.DISQUALIFY: S.DISQUALIFIED,
        T.EXPIRE: S.EXPIRED,
    },
    S.SPONSOR_ENGAGED: {
        T.RESOLVE_REVIEW: S.SPONSOR_ENGAGED,
        T.RESOLVE_REVIEW_CLOSE: S.LOST,
        T.DISCOVERY_FIT: S.SPONSOR_ENGAGED,
        T.ENGAGE_SPONSOR: S.SPONSOR_ENGAGED,
        T.PAUSE: S.PAUSED,
        T.GRANT_EXCEPTION: S.SPONSOR_ENGAGED,
        T.CLOSE_WON: S.WON,
        T.CLOSE_LOST: S.LOST,
        T.EXPIRE: S.EXPIRED,
    },
    S.PAUSED: {
        T.RESOLVE_REVIEW: S.PAUSED,
        T.RESOLVE_REVIEW_CLOSE: S.LOST,
        T.PAUSE: S.PAUSED,
        T.RESUME: S.MEETING_BOOKED,
        T.CLOSE_LOST: S.LOST,
        T.WITHDRAW: S.WITHDRAWN,
    },
    S.WON: {},
    S.LOST: {},
    S.WITHDRAWN: {},
    S.EXPIRED: {},
    S.DISQUALIFIED: {},
}

PAIRS = [(state, trigger) for state in PlayState for trigger in Trigger]
TEMPLATES = list(Template)


def test_the_matrix_covers_every_state_and_matches_the_declared_table() -> None:
    assert set(EXPECTED) == set(PlayState)
    legal = {(s, t) for s, row in EXPECTED.items() for t in row}
    assert legal == set(TRANSITIONS)


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize(("state", "trigger"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_state_command_pair(template: Template, state: PlayState, trigger: Trigger) -> None:
    play, now = play_in(state, template)
    command, at = sample(trigger, play, now)
    expected = EXPECTED[state].get(trigger)
    if expected is None:
        before = play.model_dump()
        with pytest.raises(IllegalTransition) as caught:
            play.execute(command, at)
        assert f"'{state.value}'" in str(caught.value)
        assert caught.value.current_state == state.value
        assert not isinstance(caught.value, GuardRejected)
        assert play.model_dump() == before
        assert play.pending_events == []
    else:
        history = len(play.history)
        play.execute(command, at)
        assert play.state is expected
        assert len(play.history) == history + 1
        entry = play.history[-1]
        assert (entry.from_state, entry.to_state, entry.at) == (state, expected, at)
        assert entry.actor == command.actor
        assert play.pending_events, "an accepted transition raises an event"


@pytest.mark.parametrize("state", list(PlayState))
def test_terminal_flag(state: PlayState) -> None:
    terminal = {PlayState.WON, PlayState.LOST, PlayState.WITHDRAWN, PlayState.EXPIRED}
    terminal.add(PlayState.DISQUALIFIED)
    assert state.is_terminal is (state in terminal)


def test_expire_before_the_deadline_is_refused_by_its_guard() -> None:
    play, now = play_in(PlayState.BRIEFED)
    with pytest.raises(GuardRejected, match="'briefed'.*has not passed"):
        play.execute(Expire(), play.deadline - HOUR)
    assert play.state is PlayState.BRIEFED


def test_withdraw_before_30_days_paused_is_refused_by_its_guard() -> None:
    play, now = play_in(PlayState.PAUSED)
    assert play.paused_at is not None
    with pytest.raises(GuardRejected, match="'paused'.*less than 30 days"):
        play.execute(Withdraw(), play.paused_at + 29 * DAY)
    assert play.state is PlayState.PAUSED


def test_won_is_refused_from_discovery_done_with_the_state_named() -> None:
    play, now = play_in(PlayState.DISCOVERY_DONE)
    with pytest.raises(IllegalTransition, match="in state 'discovery_done'"):
        play.execute(Close(outcome="won", amount=50_000), now + HOUR)


def test_exception_refused_while_paused() -> None:
    play, now = play_in(PlayState.PAUSED)
    with pytest.raises(IllegalTransition, match="'paused'"):
        play.execute(GrantException(reason=EXCEPTION_REASON, extension_days=2), now + HOUR)
