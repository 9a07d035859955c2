"""An in-memory ``SyncStore`` keeping what the SQL adapter guarantees.

Rows are copied in and out (no object shared between "transactions"); one
pending write per (kind, key) absorbs later ones and bumps its version;
claims lease rows; ``finish`` applies the same outcome rules, version check
included. Time for the queue is a number the test moves (``advance``).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from services.crm_sync.compose import remaining
from services.crm_sync.ports import (
    ClaimedWrite,
    OppState,
    ReceivedNotification,
    TaskState,
    WriteRequest,
    WriteResult,
)
from shared.messages.envelope import Envelope


@dataclass
class QueuedWrite:
    id: int
    kind: Any
    key: str
    play_id: str
    payload: dict[str, Any]
    urgent: bool
    version: int = 1
    attempts: int = 0
    next_attempt_at: float = 0.0
    claimed_until: float | None = None
    status: str = "pending"
    last_error_code: str | None = None
    last_error: str | None = None


@dataclass
class FakeSyncStore:
    opportunities: dict[str, OppState] = field(default_factory=dict)
    tasks: dict[str, TaskState] = field(default_factory=dict)
    writes: dict[int, QueuedWrite] = field(default_factory=dict)
    notifications: dict[str, ReceivedNotification] = field(default_factory=dict)
    outbox: list[tuple[str, Envelope]] = field(default_factory=list)
    now: float = 1000.0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- test helpers ----------------------------------------------------------
    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[FakeSyncStore]:
        yield self

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def pending(self, kind: str | None = None) -> list[QueuedWrite]:
        return [
            w
            for w in self.writes.values()
            if w.status == "pending" and (kind is None or w.kind == kind)
        ]

    def messages(self, type_: str) -> list[Envelope]:
        return [e for _, e in self.outbox if e.type == type_]

    # -- SyncStore ---------------------------------------------------------------
    async def lock_opportunities(
        self, play_ids: Collection[str], opportunity_ids: Collection[str] = ()
    ) -> dict[str, OppState]:
        wanted = set(opportunity_ids)
        return {
            pid: copy.deepcopy(s)
            for pid, s in sorted(self.opportunities.items())
            if pid in play_ids or (s.opportunity_id is not None and s.opportunity_id in wanted)
        }

    async def save_opportunities(self, states: Sequence[OppState]) -> None:
        for state in states:
            self.opportunities[state.play_id] = copy.deepcopy(state)

    async def tasks_of(self, play_ids: Collection[str]) -> dict[str, TaskState]:
        return {k: copy.deepcopy(t) for k, t in self.tasks.items() if t.play_id in play_ids}

    async def save_tasks(self, rows: Sequence[TaskState]) -> None:
        for row in rows:
            self.tasks[row.key] = copy.deepcopy(row)

    async def enqueue(self, writes: Sequence[WriteRequest]) -> None:
        merged: dict[tuple[str, str], WriteRequest] = {}
        for w in writes:  # one statement per batch, as in SQL: one row per (kind, key)
            prior = merged.get((w.kind, w.key))
            if prior is not None:
                w = WriteRequest(
                    w.kind,
                    w.key,
                    w.play_id,
                    {**prior.payload, **w.payload},
                    prior.urgent or w.urgent,
                )
            merged[(w.kind, w.key)] = w
        for w in merged.values():
            existing = next(
                (q for q in self.pending(w.kind) if q.key == w.key),
                None,
            )
            if existing is None:
                new_id = next(self._ids)
                self.writes[new_id] = QueuedWrite(
                    new_id,
                    w.kind,
                    w.key,
                    w.play_id,
                    dict(w.payload),
                    w.urgent,
                    next_attempt_at=self.now,
                )
                continue
            existing.payload.update(w.payload)
            existing.urgent = existing.urgent or w.urgent
            existing.version += 1
            if existing.attempts == 0:
                existing.next_attempt_at = min(existing.next_attempt_at, self.now)

    async def record_notifications(self, notes: Sequence[ReceivedNotification]) -> set[str]:
        new = set()
        for note in notes:
            if note.notification_id not in self.notifications:
                self.notifications[note.notification_id] = note
                new.add(note.notification_id)
        return new

    async def emit(self, topic: str, envelopes: Sequence[Envelope]) -> None:
        self.outbox.extend((topic, e) for e in envelopes)

    async def claim(
        self, limit: int, *, include_normal: bool, lease_s: float
    ) -> list[ClaimedWrite]:
        due = [
            w
            for w in self.pending()
            if w.next_attempt_at <= self.now
            and (w.claimed_until is None or w.claimed_until < self.now)
            and (w.urgent or include_normal)
        ]
        due.sort(key=lambda w: (not w.urgent, w.next_attempt_at, w.id))
        out = []
        for w in due[:limit]:
            w.claimed_until = self.now + lease_s
            out.append(
                ClaimedWrite(
                    w.id, w.kind, w.key, w.play_id, dict(w.payload), w.version, w.urgent, w.attempts
                )
            )
        return sorted(out, key=lambda c: (not c.urgent, c.id))

    async def count_due(self, cap: int) -> int:
        due = [
            w
            for w in self.pending()
            if w.next_attempt_at <= self.now
            and (w.claimed_until is None or w.claimed_until < self.now)
        ]
        return min(cap, len(due))

    async def finish(self, results: Sequence[WriteResult]) -> None:
        for r in results:
            w = self.writes[r.id]
            same = w.version == r.version
            w.claimed_until = None
            if r.outcome == "done" and same:
                w.status, w.last_error_code, w.last_error = "done", None, None
            elif r.outcome == "done":
                w.payload = remaining(w.payload, r.sent)
                w.next_attempt_at = self.now
            elif r.outcome in ("retry", "failed", "limited", "postponed"):
                if r.outcome in ("retry", "failed"):
                    w.attempts += 1
                if r.outcome == "failed" and same:
                    w.status = "failed"
                w.next_attempt_at = self.now + r.delay_s
                w.last_error_code, w.last_error = r.error_code, r.error

    async def purge(self, done_older_than_s: int, notifications_older_than_s: int) -> None:
        return None
