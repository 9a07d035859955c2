"""Queries behind ``GET /v1/sync/status``: the write queue at a glance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_PENDING = text(
    """
    SELECT kind,
           count(*) AS pending,
           count(*) FILTER (WHERE urgent) AS urgent,
           count(*) FILTER (WHERE attempts > 0) AS retrying,
           count(*) FILTER (WHERE last_error_code = 'REQUEST_LIMIT_EXCEEDED'
                             OR (:deferring AND NOT urgent)) AS deferred,
           min(created_at) AS oldest
    FROM sf_writes WHERE status = 'pending' GROUP BY kind
    """
)
_FAILED = text(
    "SELECT coalesce(last_error_code, 'UNKNOWN') AS code, count(*) AS n "
    "FROM sf_writes WHERE status = 'failed' GROUP BY 1 ORDER BY 1"
)
_LAST_SUCCESS = text("SELECT max(done_at) FROM sf_writes WHERE status = 'done'")


async def queue_status(session: AsyncSession, *, deferring: bool) -> dict[str, Any]:
    by_kind: dict[str, int] = {}
    urgent = retrying = deferred = 0
    oldest: datetime | None = None
    for row in await session.execute(_PENDING, {"deferring": deferring}):
        by_kind[row.kind] = row.pending
        urgent += row.urgent
        retrying += row.retrying
        deferred += row.deferred
        if row.oldest is not None and (oldest is None or row.oldest < oldest):
            oldest = row.oldest
    failures = {row.code: row.n for row in await session.execute(_FAILED)}
    last_success = (await session.execute(_LAST_SUCCESS)).scalar()
    return {
        "pending": sum(by_kind.values()),
        "pending_by_kind": by_kind,
        "urgent": urgent,
        "retrying": retrying,
        "deferred": deferred,
        "oldest_pending_at": oldest,
        "failed": sum(failures.values()),
        "failures_by_code": failures,
        "last_success_at": last_success,
    }
