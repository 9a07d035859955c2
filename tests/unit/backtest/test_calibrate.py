"""Calibration on a synthetic book whose outcomes follow known weights and a
known threshold: the fit recovers the weights' order, and the reported
intervals hold the true threshold (and most true weights)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from services.signal_ingest.backtest.calibrate import (
    CalibrationRefused,
    ClosedPlay,
    calibrate,
)
from tests.unit.signal_ingest.builders import catalog

# Same total as the sample catalog's weights (62): the proposal is in its units.
TRUE_WEIGHTS = {
    "usage_ceiling": 16.0,
    "adjacent_pain": 13.0,
    "competitive_adjacent": 10.0,
    "workaround": 8.0,
    "seat_milestone": 6.0,
    "partner_flag": 4.0,
    "stakeholder_expansion": 3.0,
    "strategic_shift": 2.0,
}
TRUE_THRESHOLD = 20.0
TARGET = 0.25  # at the threshold a play wins one time in four


def synthetic_book(n: int, seed: int = 3) -> list[ClosedPlay]:
    rng = np.random.default_rng(seed)
    k = 0.4  # log-odds per unit of score
    plays = []
    for i in range(n):
        counts = {t: int(rng.random() < 0.35) + int(rng.random() < 0.1) for t in TRUE_WEIGHTS}
        score = sum(TRUE_WEIGHTS[t] * c for t, c in counts.items())
        logit = k * (score - TRUE_THRESHOLD) + math.log(TARGET / (1 - TARGET))
        won = rng.random() < 1 / (1 + math.exp(-logit))
        plays.append(ClosedPlay(f"p{i}", bool(won), counts))
    return plays


def _current() -> dict[str, float]:
    return {str(t): w for t, w in catalog().settings.weights.items()}


def test_recovers_order_of_weights_and_threshold_within_intervals() -> None:
    proposal = calibrate(synthetic_book(6000), _current(), target_win_rate=TARGET, resamples=120)
    fitted = proposal.weights
    assert set(fitted) == set(TRUE_WEIGHTS)
    by_truth = sorted(TRUE_WEIGHTS, key=TRUE_WEIGHTS.__getitem__)
    by_fit = sorted(fitted, key=lambda t: fitted[t].value)
    assert by_fit == by_truth
    t = proposal.threshold
    assert t.low <= TRUE_THRESHOLD <= t.high, t
    assert t.high - t.low < 6, t  # an interval that says something
    # most true weights inside their own 95% intervals (8 intervals: one may miss)
    inside = [n for n, w in TRUE_WEIGHTS.items() if fitted[n].low <= w <= fitted[n].high]
    assert len(inside) >= 6, fitted


def test_refuses_below_the_minimum_number_of_closed_plays() -> None:
    with pytest.raises(CalibrationRefused, match="only 29 closed plays.*at least 30"):
        calibrate(synthetic_book(29), _current())
    proposal = calibrate(synthetic_book(29), _current(), min_plays=20, resamples=20)
    assert proposal.plays == 29


def test_refuses_when_every_play_ended_the_same_way() -> None:
    plays = [ClosedPlay(f"p{i}", False, {"usage_ceiling": 1}) for i in range(40)]
    with pytest.raises(CalibrationRefused, match="ended the same way"):
        calibrate(plays, _current())


def test_proposal_is_applied_to_the_catalog_text_in_place() -> None:
    from crosssell.calibrate import proposed_text
    from services.signal_ingest.backtest.calibrate import Estimate, Proposal
    from services.signal_ingest.domain import parse_catalog
    from tests.unit.signal_ingest.builders import SAMPLE_CATALOG

    proposal = Proposal(
        plays=40,
        won=12,
        weights={"usage_ceiling": Estimate(14.0, 10, 18), "workaround": Estimate(3.25, 1, 5)},
        unfitted=("partner_flag",),
        threshold=Estimate(12.5, 9, 16),
        target_win_rate=0.25,
    )
    text = SAMPLE_CATALOG.read_text()
    new = proposed_text(text, proposal)
    changed = [(a, b) for a, b in zip(text.splitlines(), new.splitlines(), strict=True) if a != b]
    assert [b.strip() for _, b in changed] == [
        "play_threshold: 12.5",
        "usage_ceiling: 14.0",
        "workaround: 3.2",
    ]
    settings = parse_catalog(yaml.safe_load(new)).settings
    assert settings.play_threshold == 12.5
    assert settings.weights["usage_ceiling"] == 14.0  # type: ignore[index]
    assert settings.weights["adjacent_pain"] == 10  # type: ignore[index]
