"""What the handlers and the writer need from storage, as plain data and one protocol.

``SyncStore`` is one transaction's view of crm_sync's tables: the SQL adapter
(``adapters.store.SqlSyncStore``) runs inside the caller's transaction, the
in-memory fake in the unit tests keeps the same guarantees the handlers rely
on (coalescing of pending writes, notification ids recorded once, version
checks when a write finishes).

Lock order, everywhere: opportunities (by play id) -> tasks -> sf_writes ->
outbox, so concurrent transactions queue instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal, Protocol

from shared.messages.envelope import Envelope

WriteKind = Literal["opportunity", "task"]
OPPORTUNITY: Final = "opportunity"
TASK: Final = "task"
Outcome = Literal["done", "retry", "failed", "limited", "postponed", "released"]


@dataclass
class OppState:
    """crm_sync's knowledge of one play's Opportunity (a row of ``opportunities``)."""

    play_id: str
    account_id: str
    opportunity_id: str | None = None
    desired: dict[str, Any] = field(default_factory=dict)
    last_written: dict[str, Any] = field(default_factory=dict)
    inflight: dict[str, Any] = field(default_factory=dict)
    sf_current: dict[str, Any] = field(default_factory=dict)
    known_stage: str | None = None
    hygiene: str | None = None
    play_event_at: datetime | None = None

    def ours(self) -> dict[str, Any]:
        """Every value we wrote or are writing: what an echo of our own write carries."""
        return {**self.last_written, **self.inflight}

    def known(self) -> dict[str, Any]:
        """Salesforce's record as best we know it (notifications over our own writes)."""
        return {**self.last_written, **self.sf_current}


@dataclass
class TaskState:
    """One (play, purpose) Task (a row of ``tasks``); ``fields`` as last enqueued."""

    key: str
    play_id: str
    purpose: str
    open: bool
    task_id: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WriteRequest:
    """Enqueue (or coalesce into the pending) write of one record.

    Opportunity: ``payload`` holds forced fields (roll-backs); the play's fields
    are merged at send time. Task: the Task fields to upsert by its key.
    """

    kind: WriteKind
    key: str
    play_id: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    urgent: bool = False


@dataclass(frozen=True)
class ClaimedWrite:
    id: int
    kind: WriteKind
    key: str
    play_id: str
    payload: dict[str, Any]
    version: int
    urgent: bool
    attempts: int


@dataclass(frozen=True)
class WriteResult:
    """How one claimed write ended this round.

    done: Salesforce acknowledged (or nothing was left to send); retry: a
    transient failure, try again after ``delay_s`` (counts an attempt);
    failed: refused for good; limited: the API allocation is spent, wait
    ``delay_s`` (no attempt counted); postponed: waiting for something else
    (the Task's Opportunity), ``delay_s``; released: not sent this round.
    ``sent`` is what went out: a write coalesced while in flight keeps only
    what is still to send.
    """

    id: int
    version: int
    outcome: Outcome
    delay_s: float = 0.0
    error_code: str | None = None
    error: str | None = None
    sent: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReceivedNotification:
    notification_id: str
    source: str  # outbound | webhook
    opportunity_id: str | None
    fields: Mapping[str, Any]


class SyncStore(Protocol):
    async def lock_opportunities(
        self, play_ids: Collection[str], opportunity_ids: Collection[str] = ()
    ) -> dict[str, OppState]:
        """The rows of these plays or Opportunity ids, locked for this transaction, by play id."""
        ...

    async def save_opportunities(self, states: Sequence[OppState]) -> None: ...

    async def tasks_of(self, play_ids: Collection[str]) -> dict[str, TaskState]:
        """Every task row of these plays, by task key."""
        ...

    async def save_tasks(self, tasks: Sequence[TaskState]) -> None: ...

    async def enqueue(self, writes: Sequence[WriteRequest]) -> None:
        """Add pending writes; a pending write of the same (kind, key) absorbs the new one."""
        ...

    async def record_notifications(self, notes: Sequence[ReceivedNotification]) -> set[str]:
        """Remember these notification ids; return the ones not seen before."""
        ...

    async def emit(self, topic: str, envelopes: Sequence[Envelope]) -> None:
        """Messages for the outbox, published after this transaction commits."""
        ...

    async def claim(
        self, limit: int, *, include_normal: bool, lease_s: float
    ) -> list[ClaimedWrite]:
        """Due pending writes, leased to the caller (SKIP LOCKED), urgent ones first."""
        ...

    async def count_due(self, cap: int) -> int:
        """How many pending writes are due and unclaimed, counting no further than ``cap``."""
        ...

    async def finish(self, results: Sequence[WriteResult]) -> None:
        """Apply the outcomes of claimed writes and release their lease."""
        ...

    async def purge(self, done_older_than_s: int, notifications_older_than_s: int) -> None:
        """Forget finished writes and old notification ids."""
        ...


Transactions = Callable[[], AbstractAsyncContextManager[SyncStore]]
