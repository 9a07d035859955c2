"""Fit signal-type weights and the play threshold from how closed plays ended.

Each closed play (won against lost or expired) is described by how many
qualified signals of each type its (account, adjacent product) had inside the
play window before it opened. A logistic regression of winning on those counts
gives one coefficient per type; in the catalog's units (the fitted types'
current weights keep their total) they become the proposed weights, and the
threshold is the score at which the predicted chance of winning reaches the
target win rate: ``sigma(b0 + sum(b_t x_t)) >= p  <=>  sum(w_t x_t) >= threshold``.
Intervals are bootstrap percentiles (plays resampled with replacement).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

# The playbooks' benchmark for a healthy expansion win rate.
DEFAULT_TARGET_WIN_RATE = 0.25
DEFAULT_MIN_PLAYS = 30
MIN_WEIGHT = 0.1  # the catalog wants every weight > 0


class CalibrationRefused(Exception):
    """Not enough (or not informative enough) history; the message says why."""


@dataclass(frozen=True, slots=True)
class ClosedPlay:
    play_id: str
    won: bool
    counts: Mapping[str, int]  # signal type -> qualified signals before opening


@dataclass(frozen=True, slots=True)
class Estimate:
    value: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Proposal:
    plays: int
    won: int
    weights: dict[str, Estimate]  # fitted types only
    unfitted: tuple[str, ...]  # types no closed play had: current weight kept
    threshold: Estimate
    target_win_rate: float


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    model = LogisticRegression(C=100.0, solver="newton-cholesky", max_iter=200)
    model.fit(x, y)
    return float(model.intercept_[0]), model.coef_[0].astype(float)


def _to_catalog(
    intercept: float, coef: np.ndarray, current_total: float, target: float
) -> tuple[np.ndarray, float] | None:
    positive = float(np.clip(coef, 0, None).sum())
    if positive <= 0:
        return None
    scale = current_total / positive
    weights = np.clip(coef * scale, MIN_WEIGHT, None)
    # <= 0: even an account with no signal is predicted to win often enough;
    # the catalog still wants a positive threshold (any one signal opens).
    threshold = max(scale * (math.log(target / (1 - target)) - intercept), MIN_WEIGHT)
    return weights, threshold


def calibrate(
    plays: Sequence[ClosedPlay],
    current: Mapping[str, float],
    *,
    target_win_rate: float = DEFAULT_TARGET_WIN_RATE,
    min_plays: int = DEFAULT_MIN_PLAYS,
    resamples: int = 200,
    seed: int = 0,
) -> Proposal:
    if not 0 < target_win_rate < 1:
        raise CalibrationRefused("the target win rate must be between 0 and 1")
    won = sum(1 for p in plays if p.won)
    if len(plays) < min_plays:
        raise CalibrationRefused(
            f"only {len(plays)} closed plays (won, lost or expired); calibration needs at "
            f"least {min_plays} (--min-plays) to say anything about the weights"
        )
    if won == 0 or won == len(plays):
        raise CalibrationRefused(
            f"all {len(plays)} closed plays ended the same way ({'won' if won else 'lost'}): "
            "nothing tells winning signals from losing ones"
        )
    types = [t for t in current if any(p.counts.get(t, 0) for p in plays)]
    unfitted = tuple(t for t in current if t not in types)
    if not types:
        raise CalibrationRefused("no closed play had a qualified signal before it opened")
    x = np.array([[p.counts.get(t, 0) for t in types] for p in plays], dtype=float)
    y = np.array([1 if p.won else 0 for p in plays])
    total = sum(current[t] for t in types)
    point = _to_catalog(*_fit(x, y), total, target_win_rate)
    if point is None:
        raise CalibrationRefused("no signal type raises the chance of winning in this history")

    rng = np.random.default_rng(seed)
    draws_w, draws_t = [], []
    for _ in range(resamples):
        idx = rng.integers(0, len(plays), len(plays))
        if y[idx].min() == y[idx].max():
            continue
        fitted = _to_catalog(*_fit(x[idx], y[idx]), total, target_win_rate)
        if fitted is not None:
            draws_w.append(fitted[0])
            draws_t.append(fitted[1])
    w_lo, w_hi = np.percentile(np.array(draws_w), [2.5, 97.5], axis=0)
    t_lo, t_hi = np.percentile(np.array(draws_t), [2.5, 97.5])
    weights = {
        t: Estimate(float(point[0][i]), float(w_lo[i]), float(w_hi[i])) for i, t in enumerate(types)
    }
    return Proposal(
        plays=len(plays),
        won=won,
        weights=weights,
        unfitted=unfitted,
        threshold=Estimate(float(point[1]), float(t_lo), float(t_hi)),
        target_win_rate=target_win_rate,
    )
