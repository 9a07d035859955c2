"""Play scoring: weights, threshold, window, qualified only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.signal_ingest.domain import (
    Signal,
    SignalCandidate,
    SignalStatus,
    SignalType,
    play_score,
    score_for_play,
    should_open_play,
)

from .builders import ACCOUNT, ANALYTICS, T0, catalog

T = SignalType


def _signal(
    kind: SignalType,
    status=SignalStatus.QUALIFIED,
    age_days: float = 0,
    adjacent: str = ANALYTICS,
    n: int = 0,
) -> Signal:
    candidate = SignalCandidate(
        id=f"sig-{kind.value}-{n}-{age_days}-{adjacent}",
        account_id=ACCOUNT,
        adjacent_product=adjacent,
        type=kind,
        score=catalog().weight(kind),
        evidence={},
        source="product",
        surfaced_by="system",
        detected_at=T0 - timedelta(days=age_days),
        event_id="e",
    )
    return Signal(candidate, status)


@pytest.mark.parametrize(
    ("kinds", "opens"),
    [
        ([T.USAGE_CEILING], True),
        ([T.ADJACENT_PAIN], True),
        ([T.COMPETITIVE_ADJACENT], True),
        ([T.STAKEHOLDER_EXPANSION], False),
        ([T.STRATEGIC_SHIFT], False),
        ([T.SEAT_MILESTONE], False),
        ([T.PARTNER_FLAG], False),
        ([T.WORKAROUND], False),
        ([T.STAKEHOLDER_EXPANSION, T.STRATEGIC_SHIFT], True),
        ([T.SEAT_MILESTONE, T.STAKEHOLDER_EXPANSION], True),
        ([T.WORKAROUND, T.STRATEGIC_SHIFT], True),
    ],
)
def test_threshold(kinds: list[SignalType], opens: bool) -> None:
    signals = [_signal(k, n=i) for i, k in enumerate(kinds)]
    assert should_open_play(signals, ACCOUNT, ANALYTICS, catalog(), T0) is opens


def test_only_qualified_signals_inside_the_window_of_that_pair_count() -> None:
    weak = _signal(T.STAKEHOLDER_EXPANSION)
    others = [
        _signal(T.STRATEGIC_SHIFT, status=SignalStatus.SUPPRESSED),
        _signal(T.STRATEGIC_SHIFT, status=SignalStatus.STALE, n=1),
        _signal(T.STRATEGIC_SHIFT, age_days=15, n=2),  # outside 14 days
        _signal(T.STRATEGIC_SHIFT, adjacent="automation_hub", n=3),
    ]
    score = play_score([weak, *others], ACCOUNT, ANALYTICS, catalog(), T0)
    assert score.score == 5 and not score.opens
    assert score.signal_ids == (weak.id,)
    inside = _signal(T.STRATEGIC_SHIFT, age_days=14, n=4)
    assert should_open_play([weak, inside], ACCOUNT, ANALYTICS, catalog(), T0)


def test_a_signal_is_counted_once() -> None:
    s = _signal(T.STAKEHOLDER_EXPANSION)
    assert score_for_play([s, s], catalog()) == 5
    assert not should_open_play([s, s], ACCOUNT, ANALYTICS, catalog(), T0)


def test_sample_catalog_weights_meet_the_design_rules() -> None:
    cfg = catalog().settings
    w, threshold = cfg.weights, cfg.play_threshold
    for strong in (T.USAGE_CEILING, T.ADJACENT_PAIN, T.COMPETITIVE_ADJACENT):
        assert w[strong] >= threshold
    for weak in (T.STAKEHOLDER_EXPANSION, T.STRATEGIC_SHIFT):
        assert w[weak] < threshold
    assert w[T.STAKEHOLDER_EXPANSION] + w[T.STRATEGIC_SHIFT] >= threshold
    assert w[T.USAGE_CEILING] > w[T.STAKEHOLDER_EXPANSION]
