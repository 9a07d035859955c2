"""Opening plays from signal messages, with in-memory fakes of the ports."""

from __future__ import annotations

import itertools

from services.play_orchestrator import handlers
from services.play_orchestrator.domain import ITEM_5_MISSING, PlayState, check_brief
from tests.unit.play_orchestrator_service.builders import DAY, HOUR, T0, pain_quote, signal
from tests.unit.play_orchestrator_service.fakes import FakeUnitOfWork

NOW = T0 + HOUR
_ids = itertools.count(1)
POLICY = handlers.OpeningPolicy(new_id=lambda: f"play-{next(_ids)}")


def received(*messages):  # type: ignore[no-untyped-def]
    return [handlers.SignalReceived(m, m.detected_at) for m in messages]


async def test_a_qualified_signal_reaching_the_threshold_opens_one_play() -> None:
    uow = FakeUnitOfWork()
    opened = await handlers.on_signals(uow, received(signal()), NOW, POLICY)
    assert len(opened) == 1
    play = uow.plays.stored(opened[0].id)
    assert play.state is PlayState.OPEN
    assert play.deadline == T0 + 14 * DAY
    assert play.expected_amount == round(120_000 * 0.42, 2)
    assert uow.events.types() == ["PlayOpened", "DeadlineSet"]
    assert [e[0] for e in uow.events.emitted] == [f"{play.id}:v1:1", f"{play.id}:v1:2"]
    assert set(uow.timers.pending(play.id)) == {
        "meeting_due",
        "review_day7",
        "review_day14",
        "window_deadline",
    }
    assert uow.plays.origin(play.id).signal_source == "gainsight"
    assert uow.accounts.accounts["001-acme"].total_acv == 150_000


async def test_the_same_pair_twice_opens_one_play_in_one_batch_and_across_batches() -> None:
    uow = FakeUnitOfWork()
    first = signal(signal_id="sig-1")
    second = signal(signal_id="sig-2", at=T0 + HOUR)
    opened = await handlers.on_signals(uow, received(first, second), NOW + HOUR, POLICY)
    again = await handlers.on_signals(uow, received(signal(signal_id="sig-3")), NOW, POLICY)
    assert len(opened) == 1 and again == []
    assert len(uow.plays.rows) == 1
    # another adjacent product for the same account is another play
    other = await handlers.on_signals(uow, received(signal(product="Analytics")), NOW, POLICY)
    assert len(other) == 1 and len(uow.plays.rows) == 2


async def test_suppressed_stale_or_below_threshold_signals_open_nothing() -> None:
    uow = FakeUnitOfWork()
    messages = [
        signal("001-a", status="suppressed", opens_play=False),
        signal("001-b", status="stale", opens_play=False),
        signal("001-c", opens_play=False),
    ]
    assert await handlers.on_signals(uow, received(*messages), NOW, POLICY) == []
    assert uow.plays.rows == {} and uow.events.emitted == []
    assert set(uow.accounts.accounts) == {"001-a", "001-b", "001-c"}  # still known


async def test_a_signal_older_than_the_window_opens_nothing() -> None:
    uow = FakeUnitOfWork()
    old = signal(at=T0 - 15 * DAY)
    assert await handlers.on_signals(uow, received(old), NOW, POLICY) == []
    assert uow.plays.rows == {}


async def test_a_lost_play_does_not_block_a_new_one_for_the_pair() -> None:
    uow = FakeUnitOfWork()
    [play] = await handlers.on_signals(uow, received(signal(signal_id="s1")), NOW, POLICY)
    from services.play_orchestrator.domain import Close

    await handlers.execute(uow, play.id, Close(outcome="lost", reason="no budget"), NOW + DAY)
    reopened = await handlers.on_signals(
        uow, received(signal(signal_id="s2", at=T0 + 2 * DAY)), NOW + 2 * DAY, POLICY
    )
    assert len(reopened) == 1 and reopened[0].id != play.id


async def test_the_play_opens_with_every_qualified_signal_and_the_customers_words() -> None:
    uow = FakeUnitOfWork()
    pain = signal(
        signal_id="sig-pain",
        type_="adjacent_pain",
        source="support",
        surfaced_by="system",
        opens_play=False,
        score=40,
        quotes=(pain_quote(),),
        at=T0 - DAY,
    )
    usage = signal(signal_id="sig-usage", qualified=("sig-pain",), score=100)
    await handlers.on_signals(uow, received(pain), NOW, POLICY)
    [play] = await handlers.on_signals(uow, received(usage), NOW, POLICY)
    assert play.signal.signal_ids == ("sig-pain", "sig-usage")
    assert play.brief.pain is not None and play.brief.pain.operator.name == "Dana Ruiz"
    assert ITEM_5_MISSING not in check_brief(play.brief, NOW).missing
    snapshot = uow.events.emitted[0][2]
    assert snapshot.origin.signal_source == "gainsight"  # the primary (usage) signal's


async def test_a_play_opened_while_an_escalation_is_open_starts_paused() -> None:
    uow = FakeUnitOfWork()
    from services.play_orchestrator.ports import FactChange

    await handlers.on_account_facts(uow, [FactChange("001-acme", "escalation", "E1", True)], NOW)
    [play] = await handlers.on_signals(uow, received(signal()), NOW, POLICY)
    assert uow.plays.stored(play.id).state is PlayState.PAUSED
    assert uow.events.types() == ["PlayOpened", "DeadlineSet", "PlayPaused"]
    assert set(uow.timers.pending(play.id)) == {"withdraw_due"}
