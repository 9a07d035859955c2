"""Against the closed plays: recall of wins, lost/expired avoided, new plays."""

from __future__ import annotations

from datetime import timedelta

from services.signal_ingest.backtest.compare import Period, outcomes
from services.signal_ingest.backtest.memory import MemoryWorld, WouldOpen
from services.signal_ingest.backtest.source import RealPlay
from tests.unit.signal_ingest.builders import T0

WINDOW = timedelta(days=14)
DAY = timedelta(days=1)


def _play(id_: str, account: str, state: str, opened_days: float) -> RealPlay:
    opened = T0 + opened_days * DAY
    closed = opened + 10 * DAY if state in ("won", "lost", "expired") else None
    return RealPlay(id_, account, "insights_analytics", state, "usage_ceiling", opened, closed)


def _opens(world: MemoryWorld, account: str, at_days: float) -> None:
    world.sink.opened.append(
        WouldOpen(
            account, "insights_analytics", T0 + at_days * DAY, f"s-{account}", "usage_ceiling"
        )
    )


def test_outcomes_match_simulated_and_real_plays_within_a_window() -> None:
    plays = [
        _play("p1", "won-found", "won", 0),
        _play("p2", "won-missed", "won", 0),
        _play("p3", "lost-opened", "lost", 0),
        _play("p4", "lost-avoided", "lost", 0),
        _play("p5", "expired-avoided", "expired", 0),
        _play("p6", "still-open", "briefed", 0),
    ]
    world = MemoryWorld.new(WINDOW)
    _opens(world, "won-found", 0.5)  # a few hours before the real play: same play
    _opens(world, "won-missed", 20)  # 20 days later: another play, not this one
    _opens(world, "lost-opened", -3)
    _opens(world, "still-open", 1)  # matches a real (open) play: not new
    _opens(world, "never-played", 5)  # no real play: new
    result = outcomes(world, plays, Period(None, T0 + 60 * DAY), WINDOW)
    assert result == {
        "plays_would_open": 5,
        "closed_plays": 5,
        "won": 2,
        "won_found": 1,
        "recall_of_wins": 0.5,
        "lost_or_expired": 3,
        "lost_or_expired_avoided": 2,
        "new_plays": 2,  # won-missed's late play and never-played
    }
    # the period counts plays closed inside it, and openings inside it
    late = outcomes(world, plays, Period(T0 + 15 * DAY, T0 + 60 * DAY), WINDOW)
    assert (late["closed_plays"], late["plays_would_open"]) == (0, 1)
