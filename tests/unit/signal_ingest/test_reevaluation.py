"""Suppressed signals are re-checked when the facts behind their gates change."""

from __future__ import annotations

from services.signal_ingest.domain import (
    SignalStatus,
    apply_event,
    process_event,
    record_play_event,
    reevaluate_suppressed,
)

from .builders import ANALYTICS, T0, catalog, day, event, healthy_state, metric, run


def _escalation(status: str, at) -> object:
    return event("account.escalation", {"escalation_id": "E1", "status": status}, at)


def test_suppressed_signal_qualifies_after_its_escalation_resolves() -> None:
    state = healthy_state()
    run(state, _escalation("opened", day(-1)))
    (signal,) = run(state, metric(90, at=T0))
    assert signal.status is SignalStatus.SUPPRESSED
    assert signal.suppression_reasons == ("open_escalation",)

    outcome = process_event(state, _escalation("resolved", day(3)), catalog(), day(3))
    assert outcome.signals == []
    assert "open_escalation" in outcome.gates_touched

    (result,) = reevaluate_suppressed(state, [signal], catalog(), day(3))
    assert result.status is SignalStatus.QUALIFIED
    assert result.reasons == ()
    assert result.signal.status is SignalStatus.QUALIFIED
    assert result.signal.id == signal.id


def test_resolution_after_the_window_makes_the_signal_stale() -> None:
    state = healthy_state()
    run(state, _escalation("opened", day(-1)))
    (signal,) = run(state, metric(90, at=T0))
    run(state, _escalation("resolved", day(20)))
    (result,) = reevaluate_suppressed(state, [signal], catalog(), day(20))
    assert result.status is SignalStatus.STALE


def test_reasons_are_updated_while_other_gates_remain() -> None:
    state = healthy_state()
    run(state, _escalation("opened", day(-1)))
    record_play_event(state, "p1", ANALYTICS, "open", day(-1))
    (signal,) = run(state, metric(90, at=T0))
    assert signal.suppression_reasons == ("open_escalation", "play_open")
    run(state, _escalation("resolved", day(1)))
    (result,) = reevaluate_suppressed(state, [signal], catalog(), day(1))
    assert (result.status, result.reasons) == (SignalStatus.SUPPRESSED, ("play_open",))
    touched = record_play_event(state, "p1", ANALYTICS, "withdrawn", day(2))
    assert "play_open" in touched
    (result,) = reevaluate_suppressed(state, [result.signal], catalog(), day(2))
    assert result.status is SignalStatus.QUALIFIED


def test_a_won_play_keeps_its_signals_from_opening_another() -> None:
    state = healthy_state()
    record_play_event(state, "p1", ANALYTICS, "open", day(-1))
    (signal,) = run(state, metric(90, at=T0))
    assert signal.suppression_reasons == ("play_open",)
    touched = record_play_event(state, "p1", ANALYTICS, "won", day(1))
    assert {"play_open", "already_owned"} <= touched
    (result,) = reevaluate_suppressed(state, [signal], catalog(), day(1))
    assert (result.status, result.reasons) == (SignalStatus.SUPPRESSED, ("already_owned",))


def test_unchanged_signals_are_not_returned() -> None:
    state = healthy_state()
    run(state, _escalation("opened", day(-1)))
    (signal,) = run(state, metric(90, at=T0))
    assert reevaluate_suppressed(state, [signal], catalog(), day(1)) == []


def test_apply_event_reports_touched_gates() -> None:
    state = healthy_state()
    result = apply_event(state, metric(10, at=T0), catalog())
    assert result.candidates == []
    assert result.gates_touched == {"declining_usage"}
    renewal = event(
        "account.renewal",
        {"product": "workflow_platform", "status": "renewed", "renewal_date": "2027-09-30"},
        day(1),
    )
    assert apply_event(state, renewal, catalog()).gates_touched == {
        "renewal_negotiation",
        "renewal_window",
    }
