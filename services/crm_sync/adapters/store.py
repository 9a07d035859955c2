"""``SyncStore`` over PostgreSQL, inside the caller's transaction.

Every method is one or two statements whatever the batch size: locking reads
take ``= ANY(array)``, writes are multi-row upserts or ``unnest`` updates.
Rows are locked in play-id order (``ports`` explains the lock order).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.crm_sync.adapters.tables import opportunities, tasks
from services.crm_sync.compose import remaining
from services.crm_sync.ports import (
    ClaimedWrite,
    OppState,
    ReceivedNotification,
    TaskState,
    WriteRequest,
    WriteResult,
)
from shared import outbox
from shared.messages.envelope import Envelope

_CHUNK = 1000

_LOCK_OPPORTUNITIES = text(
    """
    SELECT * FROM opportunities
    WHERE play_id = ANY(CAST(:plays AS text[])) OR opportunity_id = ANY(CAST(:opps AS text[]))
    ORDER BY play_id FOR UPDATE
    """
)
_TASKS = text("SELECT * FROM tasks WHERE play_id = ANY(CAST(:plays AS text[])) ORDER BY task_key")
_ENQUEUE = text(
    """
    INSERT INTO sf_writes (kind, key, play_id, payload, urgent, next_attempt_at, status,
                           created_at, updated_at)
    VALUES (:kind, :key, :play_id, CAST(:payload AS jsonb), :urgent, now(), 'pending',
            now(), now())
    ON CONFLICT (kind, key) WHERE status = 'pending' DO UPDATE SET
      payload = sf_writes.payload || EXCLUDED.payload,
      urgent = sf_writes.urgent OR EXCLUDED.urgent,
      version = sf_writes.version + 1,
      next_attempt_at = CASE WHEN sf_writes.attempts > 0 THEN sf_writes.next_attempt_at
                             ELSE LEAST(sf_writes.next_attempt_at, EXCLUDED.next_attempt_at) END,
      updated_at = now()
    """
)
_RECORD = text(
    """
    INSERT INTO sf_notifications (notification_id, source, opportunity_id, received_at, fields)
    SELECT n.id, n.source, n.opp, now(), CAST(n.fields AS jsonb)
    FROM unnest(CAST(:ids AS text[]), CAST(:sources AS text[]), CAST(:opps AS text[]),
                CAST(:fields AS text[])) AS n(id, source, opp, fields)
    ON CONFLICT (notification_id) DO NOTHING
    RETURNING notification_id
    """
)
_CLAIM = text(
    """
    WITH due AS (
      SELECT id FROM sf_writes
      WHERE status = 'pending' AND next_attempt_at <= now()
        AND (claimed_until IS NULL OR claimed_until < now())
        AND (urgent OR :normal)
      ORDER BY urgent DESC, next_attempt_at, id
      LIMIT :limit
      FOR UPDATE SKIP LOCKED
    )
    UPDATE sf_writes w SET claimed_until = now() + make_interval(secs => :lease)
    FROM due WHERE w.id = due.id
    RETURNING w.id, w.kind, w.key, w.play_id, w.payload, w.version, w.urgent, w.attempts
    """
)
# Bounded: the writer only needs to know whether the backlog passes a threshold.
_COUNT_DUE = text(
    """
    SELECT count(*) FROM (
      SELECT 1 FROM sf_writes
      WHERE status = 'pending' AND next_attempt_at <= now()
        AND (claimed_until IS NULL OR claimed_until < now())
      LIMIT :cap
    ) due
    """
)
_VERSIONS = text(
    "SELECT id, version, payload FROM sf_writes WHERE id = ANY(CAST(:ids AS bigint[])) FOR UPDATE"
)
_DONE = text(
    """
    UPDATE sf_writes SET status = 'done', done_at = now(), updated_at = now(),
      claimed_until = NULL, last_error_code = NULL, last_error = NULL
    WHERE id = ANY(CAST(:ids AS bigint[]))
    """
)
_STILL_PENDING = text(
    """
    UPDATE sf_writes SET payload = CAST(:payload AS jsonb), claimed_until = NULL,
      next_attempt_at = now(), updated_at = now()
    WHERE id = :id
    """
)
_WAIT = text(
    """
    UPDATE sf_writes w SET
      attempts = w.attempts + CASE WHEN v.counts THEN 1 ELSE 0 END,
      status = CASE WHEN v.final THEN 'failed' ELSE w.status END,
      next_attempt_at = now() + make_interval(secs => v.delay),
      last_error_code = v.code, last_error = v.err,
      claimed_until = NULL, updated_at = now()
    FROM unnest(CAST(:ids AS bigint[]), CAST(:delays AS float8[]), CAST(:codes AS text[]),
                CAST(:errs AS text[]), CAST(:counts AS boolean[]), CAST(:finals AS boolean[]))
      AS v(id, delay, code, err, counts, final)
    WHERE w.id = v.id
    """
)
_RELEASE = text("UPDATE sf_writes SET claimed_until = NULL WHERE id = ANY(CAST(:ids AS bigint[]))")


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _state(row: Any) -> OppState:
    return OppState(
        play_id=row.play_id,
        account_id=row.account_id,
        opportunity_id=row.opportunity_id,
        desired=dict(row.desired),
        last_written=dict(row.last_written),
        inflight=dict(row.inflight),
        sf_current=dict(row.sf_current),
        known_stage=row.known_stage,
        hygiene=row.hygiene,
        play_event_at=row.play_event_at,
    )


class SqlSyncStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_opportunities(
        self, play_ids: Collection[str], opportunity_ids: Collection[str] = ()
    ) -> dict[str, OppState]:
        if not play_ids and not opportunity_ids:
            return {}
        rows = await self.session.execute(
            _LOCK_OPPORTUNITIES, {"plays": list(play_ids), "opps": list(opportunity_ids)}
        )
        return {row.play_id: _state(row) for row in rows}

    async def save_opportunities(self, states: Sequence[OppState]) -> None:
        if not states:
            return
        stmt = insert(opportunities)
        stmt = stmt.on_conflict_do_update(
            index_elements=[opportunities.c.play_id],
            set_={c.name: stmt.excluded[c.name] for c in opportunities.c if c.name != "play_id"},
        )
        rows = [
            {
                "play_id": s.play_id,
                "account_id": s.account_id,
                "opportunity_id": s.opportunity_id,
                "desired": s.desired,
                "last_written": s.last_written,
                "inflight": s.inflight,
                "sf_current": s.sf_current,
                "known_stage": s.known_stage,
                "hygiene": s.hygiene,
                "play_event_at": s.play_event_at,
            }
            for s in sorted(states, key=lambda s: s.play_id)
        ]
        for start in range(0, len(rows), _CHUNK):
            await self.session.execute(stmt, _with_now(rows[start : start + _CHUNK]))

    async def tasks_of(self, play_ids: Collection[str]) -> dict[str, TaskState]:
        if not play_ids:
            return {}
        rows = await self.session.execute(_TASKS, {"plays": list(play_ids)})
        return {
            row.task_key: TaskState(
                row.task_key, row.play_id, row.purpose, row.open, row.task_id, dict(row.fields)
            )
            for row in rows
        }

    async def save_tasks(self, rows: Sequence[TaskState]) -> None:
        if not rows:
            return
        stmt = insert(tasks)
        stmt = stmt.on_conflict_do_update(
            index_elements=[tasks.c.task_key],
            set_={c.name: stmt.excluded[c.name] for c in tasks.c if c.name != "task_key"},
        )
        values = [
            {
                "task_key": t.key,
                "play_id": t.play_id,
                "purpose": t.purpose,
                "task_id": t.task_id,
                "open": t.open,
                "fields": t.fields,
            }
            for t in sorted(rows, key=lambda t: t.key)
        ]
        await self.session.execute(stmt, _with_now(values))

    async def enqueue(self, writes: Sequence[WriteRequest]) -> None:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for w in writes:
            row = merged.setdefault(
                (w.kind, w.key),
                {
                    "kind": w.kind,
                    "key": w.key,
                    "play_id": w.play_id,
                    "payload": {},
                    "urgent": False,
                },
            )
            row["payload"].update(w.payload)
            row["urgent"] = row["urgent"] or w.urgent
        if not merged:
            return
        params = [{**row, "payload": _json(row["payload"])} for _, row in sorted(merged.items())]
        await self.session.execute(_ENQUEUE, params)

    async def record_notifications(self, notes: Sequence[ReceivedNotification]) -> set[str]:
        unique = {n.notification_id: n for n in notes}
        if not unique:
            return set()
        result = await self.session.execute(
            _RECORD,
            {
                "ids": list(unique),
                "sources": [n.source for n in unique.values()],
                "opps": [n.opportunity_id for n in unique.values()],
                "fields": [_json(dict(n.fields)) for n in unique.values()],
            },
        )
        return {row[0] for row in result}

    async def emit(self, topic: str, envelopes: Sequence[Envelope]) -> None:
        await outbox.add(self.session, topic, envelopes)

    async def claim(
        self, limit: int, *, include_normal: bool, lease_s: float
    ) -> list[ClaimedWrite]:
        rows = await self.session.execute(
            _CLAIM, {"limit": limit, "normal": include_normal, "lease": lease_s}
        )
        claimed = [
            ClaimedWrite(
                r.id, r.kind, r.key, r.play_id, dict(r.payload), r.version, r.urgent, r.attempts
            )
            for r in rows
        ]
        return sorted(claimed, key=lambda c: (not c.urgent, c.id))

    async def count_due(self, cap: int) -> int:
        return int((await self.session.execute(_COUNT_DUE, {"cap": cap})).scalar_one())

    async def finish(self, results: Sequence[WriteResult]) -> None:
        if not results:
            return
        current = {
            row.id: (row.version, dict(row.payload))
            for row in await self.session.execute(_VERSIONS, {"ids": [r.id for r in results]})
        }
        done: list[int] = []
        wait: list[tuple[WriteResult, bool, bool]] = []
        released: list[int] = []
        for r in results:
            if r.id not in current:
                continue
            version, payload = current[r.id]
            same = version == r.version
            if r.outcome == "done" and same:
                done.append(r.id)
            elif r.outcome == "done":
                await self.session.execute(
                    _STILL_PENDING, {"id": r.id, "payload": _json(remaining(payload, r.sent))}
                )
            elif r.outcome in ("retry", "failed"):
                wait.append((r, True, r.outcome == "failed" and same))
            elif r.outcome in ("limited", "postponed"):
                wait.append((r, False, False))
            else:
                released.append(r.id)
        if done:
            await self.session.execute(_DONE, {"ids": done})
        if released:
            await self.session.execute(_RELEASE, {"ids": released})
        if wait:
            await self.session.execute(
                _WAIT,
                {
                    "ids": [r.id for r, _, _ in wait],
                    "delays": [float(r.delay_s) for r, _, _ in wait],
                    "codes": [r.error_code for r, _, _ in wait],
                    "errs": [(r.error or "")[:1000] for r, _, _ in wait],
                    "counts": [counts for _, counts, _ in wait],
                    "finals": [final for _, _, final in wait],
                },
            )

    async def purge(self, done_older_than_s: int, notifications_older_than_s: int) -> None:
        await self.session.execute(
            text(
                "DELETE FROM sf_writes WHERE status = 'done' "
                "AND done_at < now() - make_interval(secs => :s)"
            ),
            {"s": done_older_than_s},
        )
        await self.session.execute(
            text(
                "DELETE FROM sf_notifications WHERE received_at < now() - make_interval(secs => :s)"
            ),
            {"s": notifications_older_than_s},
        )


def _with_now(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [{**row, "updated_at": now} for row in rows]
