"""``GET /v1/metrics/pipeline`` computed in PostgreSQL.

Each figure follows the definition in ``domain/metrics.py`` (period
``[since, until)``; decided = won, lost or expired by ``closed_at``; ratios in
float8; NULL when the denominator is zero). The integration suite checks the
result equals ``compute_pipeline_metrics`` on the same plays.

The two inputs the plays table does not hold:

* eligible_accounts: accounts known to the play engine when the period ends
  (``accounts.first_seen_at < until``): every account signal_ingest sent a
  signal decision about (qualified, suppressed or stale), i.e. an account
  whose usage or voice reached the signal rules.
* book_arr: the sum of those accounts' ARR across products (``total_acv`` of
  their latest snapshot; the core ACV when the total is unknown).

Indexes: ``ix_plays_opened (opened_at, id) INCLUDE (account_id)`` serves the
opened figures (for a long period the planner may prefer a plain scan), the
partial ``ix_plays_decided (closed_at) INCLUDE (...)`` the decided ones in one
index-only pass into ``fine``, the partial ``ix_plays_won`` the median cycle,
``ix_accounts_first_seen`` the book.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Row, TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.play_orchestrator.adapters.tables import DECIDED_SQL
from services.play_orchestrator.domain import PipelineMetrics

_BOOK = """
    book AS (
      SELECT count(*) AS eligible,
        coalesce(sum(CASE WHEN total_acv > 0 THEN total_acv ELSE core_acv END), 0)::float8
          AS book_arr
      FROM accounts WHERE first_seen_at < :until
    )"""
OPENED_SQL = text(
    f"""
    WITH opened AS (
      SELECT count(*) AS accounts_touched, coalesce(sum(n), 0) AS plays_opened
      FROM (SELECT account_id, count(*) AS n FROM plays
            WHERE opened_at >= :since AND opened_at < :until GROUP BY account_id) AS a
    ), {_BOOK}
    SELECT o.plays_opened, o.accounts_touched, b.eligible,
      100.0::float8 * o.accounts_touched / NULLIF(b.eligible, 0) AS coverage_pct,
      100.0::float8 * o.plays_opened / NULLIF(b.eligible, 0) AS creation_rate_pct
    FROM opened o, book b
    """
)
# ``fine`` aggregates the decided plays once per (surfaced_by, signal_type) - at
# most a few dozen rows - and every decided figure is rolled up from it.
DECIDED_FIGURES_SQL = text(
    f"""
    WITH fine AS MATERIALIZED (
      SELECT surfaced_by, signal_type,
        count(*) AS decided,
        count(*) FILTER (WHERE state = 'won') AS won,
        count(*) FILTER (WHERE state = 'lost') AS lost,
        count(*) FILTER (WHERE state = 'expired') AS expired,
        sum(100.0::float8 * coalesce(won_amount, 0) / core_acv)
          FILTER (WHERE state = 'won' AND core_acv > 0) AS uplift_sum,
        count(*) FILTER (WHERE state = 'won' AND core_acv > 0) AS uplift_n,
        coalesce(sum(won_amount) FILTER (WHERE state = 'won'), 0)::float8 AS won_acv
      FROM plays
      WHERE state IN {DECIDED_SQL} AND closed_at >= :since AND closed_at < :until
      GROUP BY surfaced_by, signal_type
    ), totals AS (
      SELECT coalesce(sum(decided), 0) AS decided, coalesce(sum(won), 0) AS won,
        coalesce(sum(lost), 0) AS lost, coalesce(sum(expired), 0) AS expired,
        sum(uplift_sum) / NULLIF(sum(uplift_n), 0) AS avg_uplift_pct,
        coalesce(sum(won_acv), 0)::float8 AS won_acv
      FROM fine
    ), by_surfaced AS (
      SELECT coalesce(jsonb_object_agg(surfaced_by, rate), '{{}}') AS rates FROM (
        SELECT surfaced_by, 100.0::float8 * sum(won) / sum(decided) AS rate
        FROM fine GROUP BY surfaced_by) AS g
    ), by_type AS (
      SELECT coalesce(jsonb_object_agg(signal_type, rate), '{{}}') AS rates FROM (
        SELECT signal_type, 100.0::float8 * sum(won) / sum(decided) AS rate
        FROM fine GROUP BY signal_type) AS g
    ), cycle AS (
      SELECT percentile_cont(0.5) WITHIN GROUP (
          ORDER BY date_part('epoch', closed_at - signal_occurred_at) / 86400.0
        ) AS median_cycle_days
      FROM plays WHERE state = 'won' AND closed_at >= :since AND closed_at < :until
    ), {_BOOK}
    SELECT t.decided, t.won, t.lost, t.expired, c.median_cycle_days, t.avg_uplift_pct,
      t.won_acv, b.book_arr, s.rates::text AS by_surfaced_by, y.rates::text AS by_signal_type,
      100.0::float8 * t.won / NULLIF(t.decided, 0) AS win_rate_pct,
      100.0::float8 * t.won_acv / NULLIF(b.book_arr, 0) AS nrr_points
    FROM totals t, by_surfaced s, by_type y, cycle c, book b
    """
)


async def pipeline_metrics(
    sessions: async_sessionmaker[AsyncSession], since: datetime, until: datetime
) -> PipelineMetrics:
    """Two independent statements on two connections at once: the opened
    figures and the decided ones scan different indexes, so the answer takes
    the longer of the two rather than their sum."""
    params = {"since": since, "until": until}

    async def one(statement: TextClause) -> Row[Any]:
        async with sessions() as session:
            return (await session.execute(statement, params)).one()

    opened, decided = await asyncio.gather(one(OPENED_SQL), one(DECIDED_FIGURES_SQL))
    return PipelineMetrics.model_validate(
        {
            "since": since,
            "until": until,
            "eligible_accounts": opened.eligible,
            "accounts_touched": opened.accounts_touched,
            "coverage_pct": opened.coverage_pct,
            "plays_opened": opened.plays_opened,
            "opportunity_creation_rate_pct": opened.creation_rate_pct,
            "won": decided.won,
            "lost": decided.lost,
            "expired": decided.expired,
            "win_rate_pct": decided.win_rate_pct,
            "win_rate_by_surfaced_by": _rates(decided.by_surfaced_by),
            "win_rate_by_signal_type": _rates(decided.by_signal_type),
            "median_cycle_days": decided.median_cycle_days,
            "avg_uplift_pct": decided.avg_uplift_pct,
            "won_acv": decided.won_acv,
            "book_arr": decided.book_arr,
            "nrr_contribution_points": decided.nrr_points,
        }
    )


def _rates(raw: str) -> dict[str, float]:
    return {k: float(v) for k, v in sorted(orjson.loads(raw).items())}
