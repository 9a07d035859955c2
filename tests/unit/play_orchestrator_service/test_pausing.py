"""Pause and resume from account facts (escalations, renewal negotiations)."""

from __future__ import annotations

from services.play_orchestrator import handlers
from services.play_orchestrator.domain import PauseReason, PlayState
from services.play_orchestrator.ports import FactChange
from tests.unit.play_orchestrator_service.builders import DAY, HOUR, T0, signal
from tests.unit.play_orchestrator_service.fakes import FakeUnitOfWork

ACME = "001-acme"


def escalation(key: str, opened: bool) -> FactChange:
    return FactChange(ACME, "escalation", key, opened)


def renewal(negotiating: bool) -> FactChange:
    return FactChange(ACME, "renewal", "Workflow Suite", negotiating)


async def _open(uow: FakeUnitOfWork) -> str:
    received = [handlers.SignalReceived(signal(ACME), T0)]
    [play] = await handlers.on_signals(uow, received, T0 + HOUR, handlers.OpeningPolicy())
    return play.id


async def test_an_escalation_pauses_and_its_resolution_resumes_with_the_deadline_moved() -> None:
    uow = FakeUnitOfWork()
    play_id = await _open(uow)
    await handlers.on_account_facts(uow, [escalation("E1", True)], T0 + 2 * DAY)
    paused = uow.plays.stored(play_id)
    assert paused.state is PlayState.PAUSED
    assert set(uow.timers.pending(play_id)) == {"withdraw_due"}
    await handlers.on_account_facts(uow, [escalation("E1", False)], T0 + 5 * DAY)
    resumed = uow.plays.stored(play_id)
    assert resumed.state is PlayState.OPEN
    assert resumed.deadline == T0 + 17 * DAY  # 14 days + 3 paused
    assert uow.timers.pending(play_id)["window_deadline"] == T0 + 17 * DAY
    assert uow.timers.pending(play_id)["review_day7"] == T0 + 10 * DAY
    assert uow.events.types(play_id)[-3:] == ["PlayPaused", "PlayResumed", "DeadlineSet"]


async def test_the_play_resumes_only_when_no_reason_remains() -> None:
    uow = FakeUnitOfWork()
    play_id = await _open(uow)
    await handlers.on_account_facts(uow, [escalation("E1", True), escalation("E2", True)], T0 + DAY)
    await handlers.on_account_facts(uow, [renewal(True)], T0 + 2 * DAY)
    play = uow.plays.stored(play_id)
    assert play.pauses[-1].reasons == (
        PauseReason.ESCALATION_OPENED,
        PauseReason.RENEWAL_NEGOTIATION,
    )
    await handlers.on_account_facts(uow, [escalation("E1", False)], T0 + 3 * DAY)
    assert uow.plays.stored(play_id).state is PlayState.PAUSED  # E2 still open
    await handlers.on_account_facts(uow, [escalation("E2", False)], T0 + 4 * DAY)
    assert uow.plays.stored(play_id).state is PlayState.PAUSED  # renewal still negotiating
    await handlers.on_account_facts(uow, [renewal(False)], T0 + 5 * DAY)
    assert uow.plays.stored(play_id).state is PlayState.OPEN
    assert uow.events.types(play_id).count("PlayResumed") == 1


async def test_resolved_and_opened_in_one_batch_leave_the_play_running() -> None:
    uow = FakeUnitOfWork()
    play_id = await _open(uow)
    changes = [escalation("E1", True), escalation("E1", False)]
    assert await handlers.on_account_facts(uow, changes, T0 + DAY) == []
    assert uow.plays.stored(play_id).state is PlayState.OPEN
    assert uow.facts.facts[ACME].pause_reasons() == ()


async def test_a_finished_play_is_not_paused() -> None:
    uow = FakeUnitOfWork()
    play_id = await _open(uow)
    from services.play_orchestrator.domain import Close

    await handlers.execute(uow, play_id, Close(outcome="lost", reason="no budget"), T0 + DAY)
    assert await handlers.on_account_facts(uow, [escalation("E1", True)], T0 + 2 * DAY) == []
    assert uow.plays.stored(play_id).state is PlayState.LOST
