"""Opening a play, its history and events, commands' own rules, CRM updates."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from services.play_orchestrator.domain import (
    ACTIVE_STATES,
    Close,
    CrmUpdate,
    DeadlineSet,
    DiscoveryAnswers,
    DiscoveryRecorded,
    EngageSponsor,
    InvalidCommand,
    Pause,
    PauseReason,
    Play,
    PlayDisqualified,
    PlayOpened,
    PlayPaused,
    PlayResumed,
    PlayState,
    PlayWon,
    RecordDiscovery,
    Resume,
    SignalRef,
    SubmitBrief,
    Template,
    commands_from_crm,
    open_play,
)

from .builders import (
    ACCOUNT,
    ANSWERS,
    DAY,
    HOUR,
    OPENED_AT,
    SIGNAL_AT,
    SPONSOR,
    discovery,
    engage,
    new_play,
    play_in,
    signal_info,
    ticket,
)


@pytest.mark.parametrize(("template", "days"), [(Template.JOINT_14, 14), (Template.SIGNAL_41, 41)])
def test_open_play(template: Template, days: int) -> None:
    play = new_play(template)
    assert play.state is PlayState.OPEN
    assert play.deadline == SIGNAL_AT + timedelta(days=days)
    assert play.expected_amount == pytest.approx(50_400)  # 42% of 120,000
    assert (play.owner, play.csm) == ("alex.ae", "sam.csm")
    assert play.signal.surfaced_by == "csm" and play.signal.primary_type == "usage_ceiling"
    opened, deadline = play.pending_events
    assert isinstance(opened, PlayOpened) and opened.expected_amount == pytest.approx(50_400)
    assert isinstance(deadline, DeadlineSet) and deadline.deadline == play.deadline
    first = play.history[0]
    assert (first.from_state, first.to_state, first.at) == (None, PlayState.OPEN, OPENED_AT)


def test_expected_amount_ratio_is_configurable() -> None:
    info = signal_info()
    play = open_play(info, ACCOUNT, "joint-14", OPENED_AT, "p", expected_amount_ratio=0.35)
    assert play.expected_amount == pytest.approx(42_000)


def test_a_signal_older_than_the_window_opens_nothing() -> None:
    with pytest.raises(InvalidCommand, match="stale"):
        open_play(signal_info(), ACCOUNT, "joint-14", SIGNAL_AT + 14 * DAY, "p")
    play = open_play(signal_info(), ACCOUNT, "signal-41", SIGNAL_AT + 14 * DAY, "p")
    assert play.deadline == SIGNAL_AT + 41 * DAY


def test_window_starts_at_the_latest_signal_and_credit_goes_to_the_primary() -> None:
    info = signal_info(tickets=(ticket(),), surfaced_by="ae")
    late = SignalRef(
        id="sig-late",
        type="stakeholder_expansion",
        source="gainsight",
        surfaced_by="system",
        occurred_at=SIGNAL_AT + 2 * DAY,
        score=10,
    )
    info = info.model_copy(update={"signals": (*info.signals, late)})
    play = open_play(info, ACCOUNT, "joint-14", SIGNAL_AT + 2 * DAY + HOUR, "p")
    assert play.signal_occurred_at == SIGNAL_AT + 2 * DAY
    assert play.signal.surfaced_by == "ae"  # the usage ceiling scored highest
    assert play.signal.score == 110


def test_every_transition_is_in_the_history_with_actor_and_reason() -> None:
    play, now = play_in(PlayState.SPONSOR_ENGAGED)
    play.execute(Close(actor="alex.ae", outcome="lost", reason="picked a competitor"), now + HOUR)
    path = [(h.from_state, h.to_state) for h in play.history]
    assert path == [
        (None, PlayState.OPEN),
        (PlayState.OPEN, PlayState.BRIEFED),
        (PlayState.BRIEFED, PlayState.MEETING_BOOKED),
        (PlayState.MEETING_BOOKED, PlayState.DISCOVERY_DONE),
        (PlayState.DISCOVERY_DONE, PlayState.SPONSOR_ENGAGED),
        (PlayState.SPONSOR_ENGAGED, PlayState.LOST),
    ]
    last = play.history[-1]
    assert (last.actor, last.reason) == ("alex.ae", "picked a competitor")
    assert play.outcome is not None and play.outcome.result == "lost"


def test_resume_returns_to_the_state_it_was_paused_in() -> None:
    play, now = play_in(PlayState.DISCOVERY_DONE)
    paused = play.execute(Pause(reason=PauseReason.ESCALATION_OPENED), now + HOUR)
    assert isinstance(paused[0], PlayPaused)
    assert paused[0].previous_state is PlayState.DISCOVERY_DONE
    assert play.previous_state is PlayState.DISCOVERY_DONE and play.paused_at == now + HOUR
    events = play.execute(Resume(), now + 3 * DAY + HOUR)
    assert play.state is PlayState.DISCOVERY_DONE and play.previous_state is None
    assert [type(e) for e in events] == [PlayResumed, DeadlineSet]
    assert isinstance(events[0], PlayResumed) and events[0].paused_seconds == 3 * 86400


def test_discovery_without_fit_disqualifies() -> None:
    play, now = play_in(PlayState.MEETING_BOOKED)
    events = play.execute(discovery(fit=False), now + HOUR)
    assert play.state is PlayState.DISQUALIFIED
    assert [type(e) for e in events] == [DiscoveryRecorded, PlayDisqualified]
    assert play.history[-1].reason == "discovery found no fit"


@pytest.mark.parametrize("blank", ["current_workflow", "time_or_accuracy_loss", "one_fix"])
def test_each_discovery_answer_is_required(blank: str) -> None:
    answers = ANSWERS.model_dump() | {blank: "   "}
    with pytest.raises(ValidationError, match=blank):
        DiscoveryAnswers(**answers)


def test_close_needs_an_amount_when_won_and_a_reason_when_lost() -> None:
    with pytest.raises(ValidationError, match="amount"):
        Close(outcome="won")
    with pytest.raises(ValidationError, match="reason"):
        Close(outcome="lost")


def test_won_event_carries_amount_and_cycle() -> None:
    play, now = play_in(PlayState.SPONSOR_ENGAGED)
    won = play.execute(Close(outcome="won", amount=55_000), SIGNAL_AT + 12 * DAY)[0]
    assert isinstance(won, PlayWon)
    assert (won.amount, won.cycle_days, won.state) == (55_000, 12.0, PlayState.WON)
    assert play.closed_at == SIGNAL_AT + 12 * DAY


def test_naive_time_is_refused() -> None:
    play = new_play()
    with pytest.raises(ValueError, match="timezone"):
        play.execute(SubmitBrief(brief=play.brief), datetime(2026, 11, 3, 9))


def test_play_round_trips_through_json_without_its_pending_events() -> None:
    play, _ = play_in(PlayState.PAUSED)
    play.execute(Close(outcome="lost", reason="renewal fell through"), play.opened_at + 5 * DAY)
    loaded = Play.model_validate(play.model_dump(mode="json"))
    assert loaded.model_dump() == play.model_dump()
    assert loaded.state is PlayState.LOST and loaded.pauses[-1].ended_at is not None
    assert loaded.pending_events == []
    assert play.collect_events() and play.pending_events == []


def test_lost_is_possible_from_every_active_state() -> None:
    for state in ACTIVE_STATES:
        play, now = play_in(state)
        play.execute(Close(outcome="lost", reason="no budget this year"), now + HOUR)
        assert play.state is PlayState.LOST


# ---- Salesforce feedback -------------------------------------------------


def crm(**fields: object) -> CrmUpdate:
    return CrmUpdate(play_id="play-1", **fields)  # type: ignore[arg-type]


def test_crm_echo_of_what_the_play_knows_produces_nothing() -> None:
    play, now = play_in(PlayState.SPONSOR_ENGAGED)
    echo = crm(
        stage="Qualification",
        sponsor_name=SPONSOR.name,
        sponsor_title=SPONSOR.title,
        discovery_answer_1=ANSWERS.current_workflow,
        discovery_answer_2=ANSWERS.time_or_accuracy_loss,
        discovery_answer_3=ANSWERS.one_fix,
    )
    assert commands_from_crm(play, echo, now) == []


def test_brief_sponsor_echoed_after_discovery_is_not_an_engagement() -> None:
    play, now = play_in(PlayState.DISCOVERY_DONE)
    echo = crm(sponsor_name=SPONSOR.name, sponsor_title=SPONSOR.title)
    assert commands_from_crm(play, echo, now) == []


def test_closed_won_from_discovery_done_engages_the_sponsor_then_wins() -> None:
    play, now = play_in(PlayState.DISCOVERY_DONE)
    update = crm(
        stage="Closed Won", amount=61_000, sponsor_name=SPONSOR.name, sponsor_title=SPONSOR.title
    )
    commands = commands_from_crm(play, update, now)
    assert [type(c) for c in commands] == [EngageSponsor, Close]
    assert all(c.actor == "salesforce" for c in commands)
    for command in commands:
        play.execute(command, now + HOUR)
    assert play.state is PlayState.WON
    assert play.outcome is not None and play.outcome.amount == 61_000
    assert play.history[-1].actor == "salesforce"


def test_crm_discovery_answers_and_closed_lost() -> None:
    play, now = play_in(PlayState.MEETING_BOOKED)
    update = crm(
        discovery_answer_1="Spreadsheets",
        discovery_answer_2="Two days a month",
        discovery_answer_3="Automated matching; AP team",
        stage="Closed Lost",
        loss_reason="Budget moved to 2027",
    )
    commands = commands_from_crm(play, update, now)
    assert [type(c) for c in commands] == [RecordDiscovery, Close]
    for command in commands:
        play.execute(command, now + HOUR)
    assert play.state is PlayState.LOST
    assert play.discovery is not None and play.discovery.one_fix.startswith("Automated")


def test_crm_sponsor_change_before_discovery_edits_the_brief() -> None:
    play, now = play_in(PlayState.BRIEFED)
    update = crm(sponsor_name="Marco Bell", sponsor_title="CFO")
    (command,) = commands_from_crm(play, update, now)
    assert isinstance(command, SubmitBrief)
    play.execute(command, now + HOUR)
    assert play.state is PlayState.BRIEFED
    assert play.brief.sponsor is not None and play.brief.sponsor.name == "Marco Bell"
    assert play.sponsor is None
    # a later change once the sponsor is engaged is an engagement update
    play2, now2 = play_in(PlayState.SPONSOR_ENGAGED)
    (command2,) = commands_from_crm(play2, update, now2)
    assert isinstance(command2, EngageSponsor)
    play2.execute(engage(), now2 + HOUR)
    assert play2.state is PlayState.SPONSOR_ENGAGED
