"""Pipeline metrics (SPEC section 6, ``GET /v1/metrics/pipeline``).

Definitions, over the half-open period ``[since, until)``; figures are raw
floats (the API rounds), ``None`` when the denominator is zero:

* eligible_accounts: given by the caller (accounts that passed the readiness
  gates in the period; signal_ingest's number).
* plays_opened: plays with ``opened_at`` in the period.
* accounts_touched: distinct ``account_id`` among those plays.
* coverage_pct = 100 * accounts_touched / eligible_accounts.
* opportunity_creation_rate_pct = 100 * plays_opened / eligible_accounts.
* decided plays: state won, lost or **expired** with ``closed_at`` (the moment
  the play became terminal) in the period. Expired counts as a loss: the
  play did not win inside its window, and leaving it out would flatter the
  rate. Withdrawn (stopped by an escalation or renewal) and disqualified (no
  fit; a qualification outcome, not a sales loss) are not decided plays.
* win_rate_pct = 100 * won / decided; the same per ``surfaced_by`` and per
  primary ``signal_type`` (groups with no decided play are left out).
* median_cycle_days: median over won plays of
  ``(closed_at - signal_occurred_at)`` in days (fractional; calendar time,
  pauses included): signal to signed order. Even counts take the mean of the
  two middle values (``percentile_cont(0.5)``).
* avg_uplift_pct: mean over won plays with ``core_acv > 0`` of
  ``100 * won_amount / core_acv`` (mean of ratios, not ratio of sums).
* expired: count of expired plays in the period (``closed_at``).
* won_acv: sum of ``won_amount`` of won plays in the period.
* nrr_contribution_points = 100 * won_acv / book_arr.

The same in SQL (PostgreSQL), for a ``plays`` table carrying the summary
columns (index ``(opened_at)`` and ``(state, closed_at)``)::

    WITH opened AS (
      SELECT count(*) AS plays_opened, count(DISTINCT account_id) AS accounts_touched
      FROM plays WHERE opened_at >= :since AND opened_at < :until
    ), decided AS (
      SELECT * FROM plays
      WHERE state IN ('won', 'lost', 'expired')
        AND closed_at >= :since AND closed_at < :until
    )
    SELECT o.plays_opened, o.accounts_touched,
      100.0 * o.accounts_touched / NULLIF(:eligible, 0)       AS coverage_pct,
      100.0 * o.plays_opened / NULLIF(:eligible, 0)           AS opportunity_creation_rate_pct,
      count(d.*) FILTER (WHERE d.state = 'won')               AS won,
      count(d.*) FILTER (WHERE d.state = 'lost')              AS lost,
      count(d.*) FILTER (WHERE d.state = 'expired')           AS expired,
      100.0 * count(d.*) FILTER (WHERE d.state = 'won') / NULLIF(count(d.*), 0) AS win_rate_pct,
      percentile_cont(0.5) WITHIN GROUP (
        ORDER BY extract(epoch FROM d.closed_at - d.signal_occurred_at) / 86400.0
      ) FILTER (WHERE d.state = 'won')                        AS median_cycle_days,
      100.0 * avg(d.won_amount / d.core_acv)
        FILTER (WHERE d.state = 'won' AND d.core_acv > 0)     AS avg_uplift_pct,
      coalesce(sum(d.won_amount) FILTER (WHERE d.state = 'won'), 0) AS won_acv,
      100.0 * coalesce(sum(d.won_amount) FILTER (WHERE d.state = 'won'), 0)
        / NULLIF(:book_arr, 0)                                AS nrr_contribution_points
    FROM opened o LEFT JOIN decided d ON true
    GROUP BY o.plays_opened, o.accounts_touched;

    -- win rate by surfaced_by (same for signal_type):
    SELECT surfaced_by, 100.0 * count(*) FILTER (WHERE state = 'won') / count(*)
    FROM plays WHERE state IN ('won', 'lost', 'expired')
      AND closed_at >= :since AND closed_at < :until
    GROUP BY surfaced_by;
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict

from .model import Play
from .states import PlayState

DECIDED = frozenset({PlayState.WON, PlayState.LOST, PlayState.EXPIRED})
_DAY = timedelta(days=1)


class PlaySummary(BaseModel):
    """The columns the metrics need; one row per play."""

    model_config = ConfigDict(frozen=True)

    play_id: str
    account_id: str
    state: PlayState
    surfaced_by: str
    signal_type: str
    opened_at: AwareDatetime
    signal_occurred_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    core_acv: float
    won_amount: float | None = None

    @classmethod
    def of(cls, play: Play) -> PlaySummary:
        won = play.outcome.amount if play.outcome and play.outcome.result == "won" else None
        return cls(
            play_id=play.id,
            account_id=play.account_id,
            state=play.state,
            surfaced_by=play.signal.surfaced_by,
            signal_type=play.signal.primary_type,
            opened_at=play.opened_at,
            signal_occurred_at=play.signal_occurred_at,
            closed_at=play.closed_at,
            core_acv=play.core_acv,
            won_amount=won,
        )


class PipelineMetrics(BaseModel):
    model_config = ConfigDict(frozen=True)

    since: AwareDatetime
    until: AwareDatetime
    eligible_accounts: int
    accounts_touched: int
    coverage_pct: float | None
    plays_opened: int
    opportunity_creation_rate_pct: float | None
    won: int
    lost: int
    expired: int
    win_rate_pct: float | None
    win_rate_by_surfaced_by: dict[str, float]
    win_rate_by_signal_type: dict[str, float]
    median_cycle_days: float | None
    avg_uplift_pct: float | None
    won_acv: float
    book_arr: float
    nrr_contribution_points: float | None


def _pct(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole > 0 else None


def _win_rates(decided: list[PlaySummary], key: str) -> dict[str, float]:
    groups: dict[str, list[PlaySummary]] = defaultdict(list)
    for play in decided:
        groups[getattr(play, key)].append(play)
    return {
        name: 100.0 * sum(p.state is PlayState.WON for p in members) / len(members)
        for name, members in sorted(groups.items())
    }


def compute_pipeline_metrics(
    plays: Iterable[PlaySummary],
    eligible_accounts: int,
    book_arr: float,
    since: datetime,
    until: datetime,
) -> PipelineMetrics:
    """Pure; see the module docstring for each definition."""
    rows = list(plays)
    opened = [p for p in rows if since <= p.opened_at < until]
    decided = [
        p
        for p in rows
        if p.state in DECIDED and p.closed_at is not None and since <= p.closed_at < until
    ]
    won = [p for p in decided if p.state is PlayState.WON]
    touched = len({p.account_id for p in opened})
    cycles = [(p.closed_at - p.signal_occurred_at) / _DAY for p in won if p.closed_at]
    uplifts = [100.0 * (p.won_amount or 0.0) / p.core_acv for p in won if p.core_acv > 0]
    won_acv = sum(p.won_amount or 0.0 for p in won)
    return PipelineMetrics(
        since=since,
        until=until,
        eligible_accounts=eligible_accounts,
        accounts_touched=touched,
        coverage_pct=_pct(touched, eligible_accounts),
        plays_opened=len(opened),
        opportunity_creation_rate_pct=_pct(len(opened), eligible_accounts),
        won=len(won),
        lost=sum(p.state is PlayState.LOST for p in decided),
        expired=sum(p.state is PlayState.EXPIRED for p in decided),
        win_rate_pct=_pct(len(won), len(decided)),
        win_rate_by_surfaced_by=_win_rates(decided, "surfaced_by"),
        win_rate_by_signal_type=_win_rates(decided, "signal_type"),
        median_cycle_days=statistics.median(cycles) if cycles else None,
        avg_uplift_pct=statistics.fmean(uplifts) if uplifts else None,
        won_acv=won_acv,
        book_arr=book_arr,
        nrr_contribution_points=_pct(won_acv, book_arr),
    )
