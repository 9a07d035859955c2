"""``GET /v1/metrics/scorecard``: the pipeline metrics with what each means,
the n behind every rate, the playbook's target beside each actual, amounts
split open / won / lost, and the CSM / AE credit split of won cross-sell ACV.
The console's pipeline view is this one read."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import TextClause, text

from services.play_orchestrator.adapters.metrics_sql import pipeline_metrics
from services.play_orchestrator.adapters.tables import ACTIVE_SQL, DECIDED_SQL
from services.play_orchestrator.domain import PipelineMetrics
from services.play_orchestrator.domain.scorecard import (
    DEFINITIONS,
    CreditSplit,
    Target,
    credit_split,
    met,
    targets_with,
)
from services.play_orchestrator.settings import PlayOrchestratorSettings
from services.play_orchestrator.views import rounded
from shared.auth import ReadScope
from shared.timerange import UtcDatetime
from shared.web import RuntimeDep

GROUPS_SQL = text(
    f"""
    SELECT surfaced_by, signal_type, count(*) AS decided,
      count(*) FILTER (WHERE state = 'won') AS won,
      count(*) FILTER (WHERE state = 'won' AND core_acv > 0) AS uplift_n
    FROM plays
    WHERE state IN {DECIDED_SQL} AND closed_at >= :since AND closed_at < :until
    GROUP BY surfaced_by, signal_type
    """
)
AMOUNTS_SQL = text(
    f"""
    SELECT
      count(*) FILTER (WHERE state IN {ACTIVE_SQL}) AS open_plays,
      coalesce(sum(expected_amount) FILTER (WHERE state IN {ACTIVE_SQL}), 0) AS open_amount,
      count(*) FILTER (WHERE state = 'won' AND period) AS won_plays,
      coalesce(sum(won_amount) FILTER (WHERE state = 'won' AND period), 0) AS won_amount,
      count(*) FILTER (WHERE state IN ('lost', 'expired') AND period) AS lost_plays,
      coalesce(sum(expected_amount) FILTER (WHERE state IN ('lost', 'expired') AND period), 0)
        AS lost_amount,
      count(*) FILTER (WHERE state = 'disqualified' AND period) AS disqualified_plays,
      coalesce(sum(expected_amount) FILTER (WHERE state = 'disqualified' AND period), 0)
        AS disqualified_amount
    FROM (SELECT state, expected_amount, won_amount,
            closed_at >= :since AND closed_at < :until AS period FROM plays) AS p
    """
)


class GroupRate(BaseModel):
    group: str
    won: int
    decided: int = Field(description="the n: won, lost and expired plays of the group")
    rate_pct: float | None


class Amounts(BaseModel):
    open_amount: float
    open_plays: int
    won_amount: float
    won_plays: int
    lost_amount: float
    lost_plays: int
    disqualified_amount: float
    disqualified_plays: int


class TargetView(Target):
    actual: float | None
    met: bool | None


class Scorecard(BaseModel):
    metrics: PipelineMetrics
    definitions: dict[str, str]
    targets: dict[str, TargetView]
    decided: int = Field(description="the n of the win rate")
    won_with_core_acv: int = Field(description="the n of the average uplift")
    by_surfaced_by: list[GroupRate]
    by_signal_type: list[GroupRate]
    amounts: Amounts
    credit: CreditSplit


def _rates(rows: list[Any], key: str) -> list[GroupRate]:
    won: dict[str, int] = {}
    decided: dict[str, int] = {}
    for row in rows:
        group = getattr(row, key)
        won[group] = won.get(group, 0) + row.won
        decided[group] = decided.get(group, 0) + row.decided
    return [
        GroupRate(group=g, won=won[g], decided=n, rate_pct=round(100 * won[g] / n, 2))
        for g, n in sorted(decided.items(), key=lambda item: (-item[1], item[0]))
    ]


def scorecard_router(settings: PlayOrchestratorSettings) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["plays"])
    targets = targets_with(settings.playbook_targets)

    @router.get("/metrics/scorecard", response_model=Scorecard)
    async def scorecard(
        runtime: RuntimeDep,
        _: ReadScope,
        since: UtcDatetime | None = None,
        until: UtcDatetime | None = None,
    ) -> Scorecard:
        """Over ``[since, until)`` (default: the last 90 days)."""
        end: datetime = until or runtime.clock.now()
        start: datetime = since or end - timedelta(days=90)
        if start >= end:
            raise HTTPException(422, "since must be before until")
        params = {"since": start, "until": end}

        async def rows(statement: TextClause) -> list[Any]:
            async with runtime.sessions() as session:
                return list((await session.execute(statement, params)).all())

        # independent reads on their own connections: the answer takes the longest
        raw, groups, [amounts] = await asyncio.gather(
            pipeline_metrics(runtime.sessions, start, end), rows(GROUPS_SQL), rows(AMOUNTS_SQL)
        )
        metrics = rounded(raw)
        nrr = metrics.nrr_contribution_points
        actuals = {
            "coverage_pct": metrics.coverage_pct,
            "opportunity_creation_rate_pct": metrics.opportunity_creation_rate_pct,
            "win_rate_pct": metrics.win_rate_pct,
            "median_cycle_days": metrics.median_cycle_days,
            "avg_uplift_pct": metrics.avg_uplift_pct,
            "cohort_nrr_pct": None if nrr is None else round(100 + nrr, 2),
        }
        return Scorecard(
            metrics=metrics,
            definitions=DEFINITIONS,
            targets={
                name: TargetView(
                    **target.model_dump(), actual=actuals[name], met=met(actuals[name], target)
                )
                for name, target in targets.items()
            },
            decided=sum(r.decided for r in groups),
            won_with_core_acv=sum(r.uplift_n for r in groups),
            by_surfaced_by=_rates(groups, "surfaced_by"),
            by_signal_type=_rates(groups, "signal_type"),
            amounts=Amounts.model_validate(dict(amounts._mapping)),
            credit=credit_split(metrics.won_acv, settings.csm_credit_share),
        )

    return router
