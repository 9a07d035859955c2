"""Backtests as jobs: ``POST /v1/backtests`` (admin scope) validates the
candidate catalog as the service does at start-up (422 with the same message)
and starts the replay in this process; ``GET /v1/backtests/{id}`` gives its
progress and, once done, its result. Jobs live in memory: a restart forgets
them (the journal they read does not change, so re-running gives the same).
The play outcomes are read from play_orchestrator's schema in the same
database, read-only.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, Field

from services.signal_ingest.backtest.run import BacktestInput, public, run_backtest
from services.signal_ingest.catalog_store import CatalogStore
from services.signal_ingest.domain import CatalogError, parse_catalog
from shared.auth import AdminScope, ReadScope
from shared.logs import get_logger
from shared.web import RuntimeDep

log = get_logger(__name__)
router = APIRouter(tags=["backtests"])
MAX_JOBS = 20
PLAY_SCHEMA = "play_orchestrator"


class BacktestRequest(BaseModel):
    catalog: dict[str, Any] = Field(description="The candidate catalog (the YAML's content).")
    since_days: float | None = Field(default=None, gt=0, le=3650)
    accounts: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=1000
    )


@dataclass
class Job:
    id: str
    started_at: datetime
    status: str = "running"  # running | done | failed
    done: int = 0
    total: int | None = None
    error: str | None = None
    result: dict[str, Any] | None = None
    finished_at: datetime | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    def view(self, with_signals: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "progress": {"events_done": self.done, "events_total": self.total},
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "error": self.error,
        }
        if self.result is not None:
            result = dict(self.result)
            if not with_signals:
                result.pop("signals", None)
            out["result"] = result
        return out


def _jobs(request: Request) -> dict[str, Job]:
    jobs: dict[str, Job] | None = getattr(request.app.state, "backtests", None)
    if jobs is None:
        jobs = request.app.state.backtests = {}
    return jobs


async def _run(job: Job, spec: BacktestInput) -> None:
    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total

    def replay() -> dict[str, Any]:
        # Its own thread and loop: the replay is CPU work that must not hold up
        # this service's consumers and HTTP edge between its reads.
        return public(asyncio.run(run_backtest(spec, progress)))

    try:
        job.result = await asyncio.to_thread(replay)
        job.status = "done"
    except Exception as exc:  # reported on the job, not lost in a task
        job.status, job.error = "failed", repr(exc)[:500]
        log.warning("backtest_failed", job_id=job.id, error=job.error)
    finally:
        job.finished_at = datetime.now(UTC)


@router.post(
    "/v1/backtests",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        422: {"description": "the candidate catalog is invalid (start-up message)"},
        429: {"description": "two backtests are running already"},
    },
)
async def start_backtest(
    body: BacktestRequest, request: Request, runtime: RuntimeDep, _: AdminScope
) -> dict[str, Any]:
    try:
        candidate = parse_catalog(body.catalog)
    except CatalogError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    jobs = _jobs(request)
    if sum(1 for j in jobs.values() if j.status == "running") >= 2:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "two backtests already running")
    for old in sorted(jobs.values(), key=lambda j: j.started_at)[: max(0, len(jobs) - MAX_JOBS)]:
        if old.status != "running":
            del jobs[old.id]
    store: CatalogStore = request.app.state.catalogs
    spec = BacktestInput(
        database_url=runtime.settings.database_url,
        live=store.current(),
        candidate=candidate,
        since_days=body.since_days,
        accounts=tuple(body.accounts),
        signal_schema=runtime.schema,
        play_schema=getattr(request.app.state, "backtest_play_schema", PLAY_SCHEMA),
        until=runtime.clock.now(),
    )
    job = Job(id="bt-" + uuid.uuid4().hex[:12], started_at=datetime.now(UTC))
    jobs[job.id] = job
    job.task = asyncio.create_task(_run(job, spec))
    return job.view(with_signals=False)


@router.get("/v1/backtests/{job_id}", responses={404: {"description": "unknown backtest"}})
async def get_backtest(
    request: Request,
    _: ReadScope,
    job_id: Annotated[str, Path(min_length=1, max_length=64)],
    signals: Annotated[bool, Query(description="Include every replayed signal.")] = False,
) -> dict[str, Any]:
    job = _jobs(request).get(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no backtest {job_id}")
    return job.view(with_signals=signals)
