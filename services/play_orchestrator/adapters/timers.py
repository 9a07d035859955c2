"""Durable timers: one row per (play, kind), swept with SKIP LOCKED.

``sync`` diffs ``timers_for(play)`` against the stored rows in two set-based
statements: delete unfired rows no longer wanted, upsert new or moved ones.
Fired rows are kept (they are the record of what fired, and when) and never
revived. ``claim_due`` walks the partial index ``ix_timers_due`` (unfired rows
by ``due_at``), so its cost follows what is due, not how many plays exist; it
locks each timer together with its play and skips what another transaction
holds, so two sweepers never fire the same row and never wait on each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.play_orchestrator.domain import Play, TimerKind, timers_for
from services.play_orchestrator.ports import DueTimer

_DELETE_OBSOLETE = text(
    """
    DELETE FROM timers AS t
    WHERE t.play_id = ANY(CAST(:ids AS text[])) AND t.fired_at IS NULL
      AND (t.play_id, t.kind) NOT IN (
        SELECT p, k FROM unnest(CAST(:pids AS text[]), CAST(:kinds AS text[])) AS w(p, k))
    """
)
_UPSERT = text(
    """
    INSERT INTO timers (play_id, kind, due_at)
    SELECT p, k, d FROM unnest(
      CAST(:pids AS text[]), CAST(:kinds AS text[]), CAST(:dues AS timestamptz[])) AS w(p, k, d)
    ON CONFLICT (play_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at
    WHERE timers.fired_at IS NULL AND timers.due_at IS DISTINCT FROM EXCLUDED.due_at
    """
)
_CLAIM = text(
    """
    SELECT t.play_id, t.kind, t.due_at
    FROM timers AS t JOIN plays AS p ON p.id = t.play_id
    WHERE t.fired_at IS NULL AND t.due_at <= :now
    ORDER BY t.due_at
    LIMIT :limit
    FOR UPDATE OF t, p SKIP LOCKED
    """
)
_MARK = text(
    """
    UPDATE timers AS t SET fired_at = :at
    FROM unnest(CAST(:pids AS text[]), CAST(:kinds AS text[])) AS f(p, k)
    WHERE t.play_id = f.p AND t.kind = f.k AND t.fired_at IS NULL
    """
)


class SqlTimerStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def sync(self, plays: Sequence[Play]) -> None:
        if not plays:
            return
        pids: list[str] = []
        kinds: list[str] = []
        dues: list[datetime] = []
        for play in plays:
            for timer in timers_for(play):
                pids.append(play.id)
                kinds.append(timer.kind.value)
                dues.append(timer.due_at)
        wanted = {"pids": pids, "kinds": kinds}
        ids = sorted({p.id for p in plays})
        await self._session.execute(_DELETE_OBSOLETE, {"ids": ids, **wanted})
        if pids:
            await self._session.execute(_UPSERT, {**wanted, "dues": dues})

    async def claim_due(self, now: datetime, limit: int) -> list[DueTimer]:
        result = await self._session.execute(_CLAIM, {"now": now, "limit": limit})
        return [DueTimer(row.play_id, TimerKind(row.kind), row.due_at) for row in result]

    async def mark_fired(self, keys: Sequence[tuple[str, str]], at: datetime) -> None:
        if not keys:
            return
        params = {"pids": [k[0] for k in keys], "kinds": [k[1] for k in keys], "at": at}
        await self._session.execute(_MARK, params)
