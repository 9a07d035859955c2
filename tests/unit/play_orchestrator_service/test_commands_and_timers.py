"""API commands, Salesforce feedback and the sweeper's firing rules, with fakes."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.play_orchestrator import handlers
from services.play_orchestrator.adapters.outbox_writer import envelopes
from services.play_orchestrator.domain import (
    BookMeeting,
    Brief,
    EngageSponsor,
    ExecutiveSponsor,
    GrantException,
    IllegalTransition,
    PlayState,
    RecordDiscovery,
    SubmitBrief,
)
from services.play_orchestrator.domain import DiscoveryAnswers as Answers
from services.play_orchestrator.ports import PlayNotFound
from shared.messages.crm import OpportunityChanged
from shared.messages.plays import PlayEventMessage
from tests.unit.play_orchestrator_service.builders import (
    DAY,
    DISCOVERY,
    HOUR,
    T0,
    pain_quote,
    signal,
)
from tests.unit.play_orchestrator_service.fakes import FakeUnitOfWork

ANSWERS = Answers(**{k: v for k, v in DISCOVERY.items() if k != "fit"})


async def _open(uow: FakeUnitOfWork) -> str:
    message = signal(quotes=(pain_quote(),))
    received = [handlers.SignalReceived(message, T0)]
    [play] = await handlers.on_signals(uow, received, T0 + HOUR, handlers.OpeningPolicy())
    return play.id


async def _to_sponsor_engaged(uow: FakeUnitOfWork, play_id: str) -> datetime:
    at = T0 + 2 * HOUR
    sponsor = ExecutiveSponsor(name="Priya Natarajan", title="VP Finance")
    steps = [
        SubmitBrief(actor="k1", brief=Brief(sponsor=sponsor)),
        BookMeeting(actor="k1", meeting_at=T0 + 3 * DAY, attendees=("Dana",)),
        RecordDiscovery(actor="k1", answers=ANSWERS, fit=True),
        EngageSponsor(actor="k1", name="Priya Natarajan", title="VP Finance"),
    ]
    for step in steps:
        at += HOUR
        await handlers.execute(uow, play_id, step, at)
    return at


async def test_commands_save_history_timers_and_deterministic_event_ids() -> None:
    uow = FakeUnitOfWork()
    play_id = await _open(uow)
    at = await _to_sponsor_engaged(uow, play_id)
    play = uow.plays.stored(play_id)
    assert play.state is PlayState.SPONSOR_ENGAGED
    assert [h.actor for h in play.history[1:]] == ["k1"] * 4
    assert [e[0] for e in uow.events.emitted[-2:]] == [f"{play_id}:v4:1", f"{play_id}:v5:1"]
    # discovery set the sponsor/business-case timers; engaging the sponsor dropped them
    assert set(uow.timers.pending(play_id)) == {"review_day7", "review_day14", "window_deadline"}
    with pytest.raises(IllegalTransition) as refused:
        await handlers.execute(uow, play_id, SubmitBrief(actor="k1", brief=Brief()), at)
    assert refused.value.current_state == "sponsor_engaged"
    with pytest.raises(PlayNotFound):
        await handlers.execute(uow, "play-nope", SubmitBrief(brief=Brief()), at)


async def test_the_message_snapshot_carries_source_evidence_sponsor_and_answers() -> None:
    uow = FakeUnitOfWork()
    play_id = await _open(uow)
    await _to_sponsor_engaged(uow, play_id)
    _, _, emission = uow.events.emitted[-1]
    [envelope] = envelopes(emission)
    message = PlayEventMessage.model_validate(envelope.payload)
    assert envelope.type == "SponsorEngaged" and envelope.account_id == "001-acme"
    snap = message.play
    assert (snap.signal_source, snap.signal_type, snap.surfaced_by) == (
        "gainsight",
        "usage_ceiling",
        "csm",
    )
    assert snap.account_name == "Acme 001-acme"
    assert snap.evidence.quotes[0].ticket_id == "T-1042"
    assert snap.evidence.quotes[0].name == "Dana Ruiz"
    assert (snap.sponsor_name, snap.sponsor_title) == ("Priya Natarajan", "VP Finance")
    assert snap.discovery_answers == (
        ANSWERS.current_workflow,
        ANSWERS.time_or_accuracy_loss,
        ANSWERS.one_fix,
    )
    assert message.event["sponsor"]["name"] == "Priya Natarajan"


def _change(play_id: str, **fields: object) -> OpportunityChanged:
    return OpportunityChanged(
        play_id=play_id, opportunity_id="006X", changed_at=T0 + 5 * DAY, **fields
    )


async def test_closed_won_in_salesforce_wins_the_play() -> None:
    uow = FakeUnitOfWork()
    play_id = await _open(uow)
    at = await _to_sponsor_engaged(uow, play_id)
    won = await handlers.on_crm_changes(
        uow, [_change(play_id, stage="Closed Won", amount=61_000)], at + DAY
    )
    play = uow.plays.stored(play_id)
    assert [p.id for p in won] == [play_id]
    assert play.state is PlayState.WON and play.outcome and play.outcome.amount == 61_000
    assert play.history[-1].actor == "salesforce"


async def test_an_illegal_change_from_salesforce_is_acknowledged_not_raised() -> None:
    uow = FakeUnitOfWork()
    play_id = await _open(uow)  # open: Closed Won is illegal here
    changes = [_change(play_id, stage="Closed Won", amount=5_000), _change("play-unknown")]
    assert await handlers.on_crm_changes(uow, changes, T0 + DAY) == []
    assert uow.plays.stored(play_id).state is PlayState.OPEN
    assert uow.events.types(play_id) == ["PlayOpened", "DeadlineSet"]


async def test_each_timer_fires_once_at_its_time() -> None:
    uow = FakeUnitOfWork()
    play_id = await _open(uow)
    assert await handlers.fire_due(uow, T0 + 7 * DAY - HOUR, 100) == []
    first = await handlers.fire_due(uow, T0 + 7 * DAY, 100)
    assert first == [(play_id, "review_day7")]
    assert await handlers.fire_due(uow, T0 + 7 * DAY, 100) == []
    # catching up fires in due order: meeting (opened + 7 days), review 14, then the deadline
    late = await handlers.fire_due(uow, T0 + 20 * DAY, 100)
    assert [k for _, k in late] == ["meeting_due", "review_day14", "window_deadline"]
    play = uow.plays.stored(play_id)
    assert play.state is PlayState.EXPIRED and play.at_risk
    assert sorted(uow.reviews.items) == [f"{play_id}:review_day14", f"{play_id}:review_day7"]
    assert uow.events.types(play_id)[2:] == [
        "ReviewDue",
        "PlayAtRisk",
        "ReviewDue",
        "PlayExpired",
    ]
    assert uow.timers.pending(play_id) == {}


async def test_a_moved_deadline_is_resynced_not_fired() -> None:
    uow = FakeUnitOfWork()
    play_id = await _open(uow)
    # the row still says day 14 while the play's deadline moved (a stale row)
    exception = GrantException(
        actor="k1", reason="board meets on the 20th, signs after", extension_days=5
    )
    play = (await uow.plays.get_many([play_id]))[play_id]
    play.execute(exception, T0 + DAY)
    await uow.plays.save_many([play])
    play.collect_events()
    fired = await handlers.fire_due(uow, T0 + 15 * DAY, 100)
    assert "window_deadline" not in {k for _, k in fired}
    assert uow.plays.stored(play_id).state is PlayState.OPEN
    assert uow.timers.pending(play_id)["window_deadline"] == T0 + 19 * DAY
    await handlers.fire_due(uow, T0 + 19 * DAY, 100)
    assert uow.plays.stored(play_id).state is PlayState.EXPIRED
