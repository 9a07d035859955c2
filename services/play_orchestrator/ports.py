"""The ports the handlers talk to, and the plain values that cross them.

The SQL adapters (``adapters/``) implement them on one ``AsyncSession`` per
transaction; the unit tests implement them in memory. Every method works on a
batch, so a consumed batch or a sweep costs a handful of statements, not one
per message.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal, Protocol

from services.play_orchestrator.domain import (
    PauseReason,
    Play,
    PlayEvent,
    ReviewDue,
    ReviewResolved,
    SignalRef,
    TimerKind,
)
from shared.messages.signals import AccountSnapshot, AdjacentProductInfo, GateCheck


class PlayNotFound(LookupError):
    def __init__(self, play_id: str) -> None:
        self.play_id = play_id
        super().__init__(f"play {play_id!r} not found")


class ConcurrentUpdate(RuntimeError):
    """The play changed since it was loaded (optimistic version check)."""


@dataclass(frozen=True)
class Origin:
    """What the play's domain document does not keep about its primary signal."""

    signal_source: str = ""
    note_kind: str | None = None


@dataclass(frozen=True)
class DueTimer:
    play_id: str
    kind: TimerKind
    due_at: datetime


@dataclass(frozen=True)
class Emission:
    """Events raised by one play in one transaction, with the version saved."""

    play: Play
    origin: Origin
    version: int
    events: tuple[PlayEvent, ...]


@dataclass(frozen=True)
class AccountFacts:
    """What pauses an account's plays: open escalations, renewals in negotiation."""

    account_id: str
    open_escalations: frozenset[str] = field(default_factory=frozenset)
    renewals_negotiating: frozenset[str] = field(default_factory=frozenset)

    def pause_reasons(self) -> tuple[PauseReason, ...]:
        reasons = []
        if self.open_escalations:
            reasons.append(PauseReason.ESCALATION_OPENED)
        if self.renewals_negotiating:
            reasons.append(PauseReason.RENEWAL_NEGOTIATION)
        return tuple(reasons)

    def with_change(self, change: FactChange) -> AccountFacts:
        def apply(current: frozenset[str]) -> frozenset[str]:
            return current | {change.key} if change.active else current - {change.key}

        if change.kind == "escalation":
            return replace(self, open_escalations=apply(self.open_escalations))
        return replace(self, renewals_negotiating=apply(self.renewals_negotiating))


@dataclass(frozen=True)
class FactChange:
    """An escalation opened/resolved or a renewal negotiating/settled."""

    account_id: str
    kind: Literal["escalation", "renewal"]
    key: str  # the escalation id, or the product being renewed
    active: bool  # opened / negotiating


@dataclass(frozen=True)
class AccountRecord:
    account_id: str
    name: str
    core_acv: float
    total_acv: float
    as_of: datetime  # when the snapshot was true (the message's occurred_at)
    snapshot: AccountSnapshot | None = None  # stakeholders, health, owners (coaching)


@dataclass(frozen=True)
class StoredSignal:
    signal_id: str
    account_id: str
    adjacent_product: str
    status: str
    ref: SignalRef
    adjacent_problem: str = ""
    # For coaching (see adapters/coaching.py): the named evidence facts, every gate
    # with its result, the decision's flags, and the adjacent product's description
    # (kept once per product id, the newest wins).
    facts: Mapping[str, str] = field(default_factory=dict)
    gates: tuple[GateCheck, ...] = ()
    flags: tuple[str, ...] = ()
    adjacent: AdjacentProductInfo | None = None


@dataclass(frozen=True)
class CrmLink:
    """crm_sync wrote the play's Opportunity (``OpportunitySynced``)."""

    play_id: str
    opportunity_id: str
    hygiene: str
    stage: str | None
    synced_at: datetime


class PlayRepository(Protocol):
    async def get_many(self, play_ids: Collection[str]) -> dict[str, Play]:
        """Load and lock (until commit) the plays that exist among ``play_ids``."""
        ...

    async def active_for_pairs(
        self, pairs: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], Play]: ...

    async def active_for_accounts(self, account_ids: Collection[str]) -> list[Play]: ...

    async def add_many(self, plays: Sequence[tuple[Play, Origin]]) -> set[str]:
        """Insert new plays (version 1); return the ids inserted. A play whose
        (account, adjacent product) already has an active play is not."""
        ...

    async def save_many(self, plays: Sequence[Play]) -> dict[str, int]:
        """Save loaded plays; return their new versions. Raises
        ``ConcurrentUpdate`` when one changed since it was loaded."""
        ...

    def origin(self, play_id: str) -> Origin: ...

    async def record_crm_links(self, links: Sequence[CrmLink]) -> None: ...


class TimerStore(Protocol):
    async def sync(self, plays: Sequence[Play]) -> None:
        """Make the unfired rows of ``plays`` equal ``timers_for(play)``."""
        ...

    async def claim_due(self, now: datetime, limit: int) -> list[DueTimer]:
        """Unfired timers due at ``now``, oldest first, locked with their plays;
        rows another transaction holds are skipped."""
        ...

    async def mark_fired(self, keys: Sequence[tuple[str, str]], at: datetime) -> None: ...


class EventSink(Protocol):
    async def emit(self, emissions: Sequence[Emission]) -> None: ...


class ReviewStore(Protocol):
    async def add_many(self, items: Sequence[tuple[Play, ReviewDue]]) -> None: ...

    async def resolve_many(self, items: Sequence[tuple[Play, ReviewResolved]]) -> None: ...


class AccountFactsStore(Protocol):
    async def lock_many(self, account_ids: Collection[str]) -> dict[str, AccountFacts]: ...

    async def save_many(self, facts: Sequence[AccountFacts]) -> None: ...


class AccountBook(Protocol):
    async def upsert_many(self, accounts: Sequence[AccountRecord]) -> None: ...


class SignalLog(Protocol):
    async def record_many(self, signals: Sequence[StoredSignal]) -> None: ...

    async def get_many(self, signal_ids: Collection[str]) -> dict[str, StoredSignal]: ...


class UnitOfWork(Protocol):
    """One transaction's worth of ports."""

    @property
    def plays(self) -> PlayRepository: ...

    @property
    def timers(self) -> TimerStore: ...

    @property
    def events(self) -> EventSink: ...

    @property
    def reviews(self) -> ReviewStore: ...

    @property
    def facts(self) -> AccountFactsStore: ...

    @property
    def accounts(self) -> AccountBook: ...

    @property
    def signals(self) -> SignalLog: ...
