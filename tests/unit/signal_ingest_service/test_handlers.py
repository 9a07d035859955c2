"""Handlers against in-memory fakes: what gets saved and what gets announced."""

from __future__ import annotations

from datetime import timedelta

from services.signal_ingest.domain import SignalStatus
from services.signal_ingest.handlers import (
    PlayUpdate,
    handle_events,
    handle_play_updates,
    sweep_suppressed,
)
from tests.unit.signal_ingest.builders import (
    ACCOUNT,
    ANALYTICS,
    T0,
    catalog,
    day,
    event,
    metric,
    note,
    profile,
    ticket,
)

from .fakes import World


def _escalation(status: str, at=T0):  # type: ignore[no-untyped-def]
    return event("account.escalation", {"escalation_id": "E1", "status": status}, at)


def _renewal(status: str = "negotiating", at=T0):  # type: ignore[no-untyped-def]
    data = {"product": "workflow_platform", "status": status, "renewal_date": "2027-09-30"}
    return event("account.renewal", data, at)


async def test_ceiling_at_80_percent_opens_a_play_79_does_not() -> None:
    world = World()
    await handle_events(world.ports, [profile(day(-1)), metric(79)], catalog(), T0)
    assert world.sink.decisions == []

    result = await handle_events(world.ports, [metric(80, at=day(0.1))], catalog(), day(0.1))
    (decision,) = world.sink.decisions
    msg = decision.message
    assert decision.message_type == "SignalQualified"
    assert decision.envelope_id == f"{msg.signal_id}:qualified"
    assert (msg.type, msg.adjacent_product, msg.status) == ("usage_ceiling", ANALYTICS, "qualified")
    assert msg.opens_play and msg.play_score == 10 and msg.play_threshold == 10
    assert msg.qualified_signal_ids == (msg.signal_id,)
    assert msg.evidence.numbers["value"] == 80 and msg.evidence.numbers["percent"] == 80
    assert "80% of tier limit" in msg.evidence.summary
    assert msg.account.name == "Acme" and msg.account.core_product == "workflow_platform"
    assert msg.account.core_acv == 120_000 and msg.account.total_acv == 120_000
    assert "Flowboard Insights" in msg.adjacent_problem
    assert result.new_signals == 1
    assert world.signals.rows[msg.signal_id].status is SignalStatus.QUALIFIED


async def test_renewal_never_produces_a_signal_but_is_saved() -> None:
    world = World()
    result = await handle_events(
        world.ports, [profile(day(-1)), _renewal(), _renewal("renewed", day(1))], catalog(), day(1)
    )
    assert result.new_signals == 0 and world.sink.decisions == [] and world.signals.rows == {}
    assert world.accounts.state(ACCOUNT).renewals["workflow_platform"].status == "renewed"


async def test_three_requesters_make_adjacent_pain_with_their_words() -> None:
    world = World()
    events = [profile(day(-1))] + [
        ticket(who, at=day(i), subject=f"Report problem {who}") for i, who in enumerate("abc")
    ]
    await handle_events(world.ports, events, catalog(), day(3))
    (decision,) = world.sink.decisions
    msg = decision.message
    assert msg.type == "adjacent_pain" and msg.adjacent_product == ANALYTICS
    assert {q.contact_id for q in msg.evidence.quotes} == {"a", "b", "c"}
    assert {q.name for q in msg.evidence.quotes} == {"Name a", "Name b", "Name c"}
    assert all("numbers don't match" in q.text for q in msg.evidence.quotes)
    assert all(q.ticket_id and q.at and q.medium == "written" for q in msg.evidence.quotes)
    assert msg.evidence.numbers["distinct_requesters"] == 3


async def test_escalation_suppresses_then_resolution_requalifies() -> None:
    world = World()
    await handle_events(
        world.ports, [profile(day(-1)), _escalation("opened"), metric(90)], catalog(), T0
    )
    (first,) = world.sink.decisions
    assert first.message_type == "SignalSuppressed"
    assert first.message.suppression_reasons == ("open_escalation",)
    assert not first.message.opens_play

    await handle_events(world.ports, [_escalation("resolved", day(2))], catalog(), day(2))
    second = world.sink.decisions[1]
    assert second.message_type == "SignalRequalified"
    assert second.message.signal_id == first.message.signal_id
    assert second.envelope_id == f"{first.message.signal_id}:requalified"
    assert second.message.status == "qualified" and second.message.opens_play
    assert world.signals.rows[first.message.signal_id].status is SignalStatus.QUALIFIED


async def test_requalification_in_a_later_batch_is_announced_after_the_suppression() -> None:
    world = World()
    events = [profile(day(-1)), _escalation("opened"), metric(90)]
    await handle_events(world.ports, events, catalog(), day(1))
    await handle_events(world.ports, [_escalation("resolved", day(1))], catalog(), day(1))
    assert [d.message_type for d in world.sink.decisions] == [
        "SignalSuppressed",
        "SignalRequalified",
    ]


async def test_inside_one_batch_only_the_final_outcome_is_announced() -> None:
    """SPEC section 5: the outcome does not depend on the order of one account's
    events in a batch; a suppression the same batch lifts is never announced."""
    world = World()
    events = [profile(day(-1)), _escalation("opened"), metric(90), _escalation("resolved", day(1))]
    await handle_events(world.ports, events, catalog(), day(1))
    (decision,) = world.sink.decisions
    assert decision.message_type == "SignalQualified"
    assert decision.message.suppression_reasons == ()


async def test_play_open_suppresses_the_next_signal_and_loss_turns_it_to_cooldown() -> None:
    world = World()
    await handle_events(world.ports, [profile(day(-1))], catalog(), T0)
    opened = PlayUpdate(ACCOUNT, "play-1", ANALYTICS, "open", T0)
    await handle_play_updates(world.ports, [opened], catalog(), T0)
    await handle_events(world.ports, [metric(95, at=day(1))], catalog(), day(1))
    (decision,) = world.sink.decisions
    assert decision.message.suppression_reasons == ("play_open",)

    lost = PlayUpdate(ACCOUNT, "play-1", ANALYTICS, "lost", day(2))
    result = await handle_play_updates(world.ports, [lost], catalog(), day(2))
    assert result.decisions == []  # still suppressed, only the reason changed
    stored = world.signals.rows[decision.message.signal_id]
    assert stored.suppression_reasons == ("cooldown",)


async def test_out_of_order_profile_does_not_overwrite_newer_health() -> None:
    world = World()
    await handle_events(world.ports, [profile(day(1), health="red")], catalog(), day(1))
    await handle_events(world.ports, [profile(day(-5), health="green")], catalog(), day(1))
    assert world.accounts.state(ACCOUNT).profile.health == "red"
    await handle_events(world.ports, [metric(90, at=day(1.5))], catalog(), day(1.5))
    (decision,) = world.sink.decisions
    assert "health_at_risk" in decision.message.suppression_reasons


async def test_a_replayed_batch_decides_the_same_envelope_ids() -> None:
    events = [profile(day(-1)), _escalation("opened"), metric(90)]
    resolved = [_escalation("resolved", day(1))]
    first, second = World(), World()
    for world in (first, second):
        await handle_events(world.ports, events, catalog(), day(1))
        await handle_events(world.ports, resolved, catalog(), day(1))
    ids = [d.envelope_id for d in first.sink.decisions]
    assert ids == [d.envelope_id for d in second.sink.decisions] and len(set(ids)) == 2


async def test_old_event_gives_a_stale_signal_that_opens_nothing() -> None:
    world = World()
    await handle_events(world.ports, [profile(day(-30)), metric(90, at=day(-20))], catalog(), T0)
    (decision,) = world.sink.decisions
    assert decision.message_type == "SignalStale" and not decision.message.opens_play


async def test_sweep_turns_old_suppressed_signals_stale_and_saves_only_those() -> None:
    world = World()
    await handle_events(
        world.ports, [profile(day(-1)), _escalation("opened"), metric(90)], catalog(), T0
    )
    later = T0 + timedelta(days=15)
    result = await sweep_suppressed(world.ports, [ACCOUNT], catalog(), later)
    assert [d.message_type for d in result.decisions] == ["SignalStale"]
    assert result.accounts == 1
    again = await sweep_suppressed(world.ports, [ACCOUNT], catalog(), later)
    assert again.decisions == [] and again.accounts == 0


async def test_scores_add_up_across_signals_of_the_pair() -> None:
    world = World()
    shift = note("strategic_shift", "They plan to consolidate reporting in Flowboard Insights.")
    stakeholder = event(
        "account.stakeholder",
        {
            "contact_id": "c9",
            "name": "Dana",
            "title": "Head of Data",
            "persona": "head_of_data",
            "change": "added",
        },
        day(0.5),
        source="csm",
    )
    await handle_events(world.ports, [profile(day(-1)), shift, stakeholder], catalog(), day(1))
    first, second = (d.message for d in world.sink.decisions)
    assert (first.type, first.opens_play, first.play_score) == ("strategic_shift", False, 5)
    assert first.needs_verification and first.evidence.quotes[0].medium == "note"
    assert (second.type, second.opens_play, second.play_score) == (
        "stakeholder_expansion",
        True,
        10,
    )
    assert set(second.qualified_signal_ids) == {first.signal_id, second.signal_id}
    assert second.account.stakeholders[0].name == "Dana"


async def test_a_suppressed_signal_never_opens_a_play() -> None:
    world = World()
    await handle_events(world.ports, [profile(day(-1)), metric(90)], catalog(), T0)
    shift = note("strategic_shift", "Moving all reporting to Flowboard Insights.", at=day(0.5))
    await handle_events(world.ports, [_escalation("opened", day(0.2)), shift], catalog(), day(1))
    first = world.sink.decisions[0].message
    (second,) = (d.message for d in world.sink.decisions if d.message.type == "strategic_shift")
    assert first.opens_play
    assert second.status == "suppressed" and second.suppression_reasons == ("open_escalation",)
    assert not any(d.message.opens_play for d in world.sink.decisions[1:])
    # The escalation that arrived after the ceiling suppresses it too (a play it
    # opened is paused by play_orchestrator, which sees the escalation itself).
    again = [d for d in world.sink.decisions[1:] if d.message.signal_id == first.signal_id]
    assert [d.message_type for d in again] == ["SignalSuppressed"]
