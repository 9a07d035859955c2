"""Daily usage samples of one core-product metric, as fractions of the tier limit.

Shapes: ``flat`` (a level with a gentle trend and noise, never near 80%),
``ceiling`` (climbs and first reaches 80% exactly ``crossed`` days ago, then
stays above it), ``declining`` (the last 30 days average well over 20% below
the 30 before). Values are indexed by days ago: ``values[d]`` is the sample
taken ``d`` days ago.
"""

from __future__ import annotations

import math
import random

FIRE = 0.80  # the catalog's usage_ceiling_fire_pct, as a fraction


def flat(rng: random.Random, days: int) -> list[float]:
    level = rng.uniform(0.25, 0.60)
    trend = rng.uniform(-0.04, 0.06)
    out = []
    for d in range(days):
        progress = 1 - d / max(days - 1, 1)
        out.append(max(0.02, level + trend * progress + rng.uniform(-0.02, 0.02)))
    return out


def ceiling(rng: random.Random, days: int, crossed: int) -> list[float]:
    start = rng.uniform(0.48, 0.62)
    ramp_from = min(days - 1, crossed + rng.randint(15, 35))
    peak = rng.uniform(0.86, 0.97)
    out = []
    for d in range(days):
        if d > ramp_from:
            value = start + rng.uniform(-0.015, 0.015)
        elif d > crossed:
            progress = (ramp_from - d) / max(ramp_from - crossed, 1)
            value = min(0.775, start + (0.775 - start) * progress + rng.uniform(-0.01, 0.01))
        elif d == crossed:
            value = rng.uniform(0.805, 0.84)
        else:
            progress = (crossed - d) / max(crossed, 1)
            value = max(0.81, 0.82 + (peak - 0.82) * progress + rng.uniform(-0.01, 0.01))
        out.append(value)
    return out


def declining(rng: random.Random, days: int) -> list[float]:
    level = rng.uniform(0.45, 0.65)
    out = []
    for d in range(days):
        if d >= 45:
            value = level
        elif d >= 25:
            value = level * (1 - 0.35 * (45 - d) / 20)
        else:
            value = level * 0.65
        out.append(value * (1 + rng.uniform(-0.02, 0.02)))
    return out


def module_seats(rng: random.Random, days: int, crossed: int) -> list[int]:
    """Seats in the workflow module (absolute, no limit); crossing 50 when
    ``crossed`` > 0, else staying between 20 and 45."""
    if crossed <= 0:
        level = rng.uniform(20, 40)
        return [round(level + rng.uniform(-3, 3)) for _ in range(days)]
    out = []
    for d in range(days):
        if d > crossed:
            out.append(min(49, round(30 + 19 * (days - d) / days + rng.uniform(-2, 1))))
        else:
            out.append(max(50, round(50 + (crossed - d) * 1.5)))
    return out


def to_value(metric: str, fraction: float, limit: float, *, crossing: bool | None) -> float:
    """The sample value for ``fraction`` of ``limit``, kept on the right side
    of 80% once rounded: ``crossing`` True at or after the crossing, False
    before it, None when the series has no crossing."""
    value = fraction * limit
    value = round(value, 1) if metric == "storage_gb" else float(round(value))
    step = 0.1 if metric == "storage_gb" else 1.0
    threshold = FIRE * limit
    if crossing is False and value >= threshold:
        value = math.ceil(threshold / step) * step - step
    elif crossing and value < threshold:
        value = math.ceil(threshold / step) * step
    return round(value, 1)
