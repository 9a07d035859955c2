"""Play scoring: the weighted sum of an (account, adjacent product)'s
qualified signals inside the play window, against the catalog threshold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .catalog import Catalog
from .signals import Signal, SignalStatus


@dataclass(frozen=True, slots=True)
class PlayScore:
    account_id: str
    adjacent_product: str
    score: float
    threshold: float
    signal_ids: tuple[str, ...]  # the qualified signals that count, newest first

    @property
    def opens(self) -> bool:
        return self.score >= self.threshold


def score_for_play(qualified_signals_in_window: Iterable[Signal], catalog: Catalog) -> float:
    """Sum of current catalog weights, each signal counted once."""
    seen: set[str] = set()
    total = 0.0
    for signal in qualified_signals_in_window:
        if signal.id in seen:
            continue
        seen.add(signal.id)
        total += catalog.weight(signal.candidate.type)
    return total


def play_score(
    signals: Iterable[Signal],
    account_id: str,
    adjacent_product: str,
    catalog: Catalog,
    now: datetime,
) -> PlayScore:
    """Filter to qualified signals of this pair still inside the window, then score."""
    window = timedelta(days=catalog.settings.play_window_days)
    counted = sorted(
        (
            s
            for s in signals
            if s.status is SignalStatus.QUALIFIED
            and s.account_id == account_id
            and s.adjacent_product == adjacent_product
            and now - s.detected_at <= window
        ),
        key=lambda s: s.detected_at,
        reverse=True,
    )
    unique = list({s.id: s for s in counted}.values())
    return PlayScore(
        account_id=account_id,
        adjacent_product=adjacent_product,
        score=score_for_play(unique, catalog),
        threshold=catalog.settings.play_threshold,
        signal_ids=tuple(s.id for s in unique),
    )


def should_open_play(
    signals: Iterable[Signal],
    account_id: str,
    adjacent_product: str,
    catalog: Catalog,
    now: datetime,
) -> bool:
    return play_score(signals, account_id, adjacent_product, catalog, now).opens
