"""In-memory implementations of the handler ports for the replay.

Unlike the unit-test fakes, states are kept as live objects (no encoding
round-trip per batch): the replay is one process, one writer, and speed is the
point. Each signal remembers the replay clock at which it was first decided,
so the report can count only what happened inside the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.signal_ingest.domain import AccountState, Signal, SignalStatus
from services.signal_ingest.ports import AccountRecord, Decision, Ports


@dataclass(slots=True)
class WouldOpen:
    """A play this catalog's decisions would have opened."""

    account_id: str
    adjacent_product: str
    at: datetime  # replay clock of the deciding batch
    signal_id: str
    signal_type: str


@dataclass(slots=True)
class MemorySignals:
    rows: dict[str, Signal] = field(default_factory=dict)
    first_seen: dict[str, datetime] = field(default_factory=dict)
    clock: datetime | None = None

    async def save(self, signals: Sequence[Signal]) -> None:
        for signal in signals:
            if signal.id not in self.rows and self.clock is not None:
                self.first_seen[signal.id] = self.clock
            self.rows[signal.id] = signal


@dataclass(slots=True)
class MemoryAccounts:
    records: dict[str, AccountRecord] = field(default_factory=dict)

    async def load(
        self, account_ids: Sequence[str], live_since: datetime
    ) -> dict[str, AccountRecord]:
        out = {}
        for account_id in account_ids:
            record = self.records.get(account_id)
            if record is None:
                record = self.records[account_id] = AccountRecord(AccountState(account_id))
            out[account_id] = record
        return out

    async def save(self, records: Sequence[AccountRecord]) -> None:
        return None  # the records are the stored objects themselves

    def with_suppressed(self) -> list[str]:
        return sorted(
            a
            for a, r in self.records.items()
            if any(s.status is SignalStatus.SUPPRESSED for s in r.signals)
        )


@dataclass(slots=True)
class PlayOpenings:
    """The sink: turns decisions into the plays play_orchestrator would open
    (a qualified decision whose pair score reaches the threshold, one play per
    pair at a time; a simulated play holds its pair for the play window)."""

    window: timedelta
    opened: list[WouldOpen] = field(default_factory=list)
    holding: dict[tuple[str, str], datetime] = field(default_factory=dict)
    clock: datetime | None = None

    async def emit(self, decisions: Sequence[Decision]) -> None:
        now = self.clock
        if now is None:
            return
        for decision in decisions:
            m = decision.message
            if m.status != SignalStatus.QUALIFIED.value or not m.opens_play:
                continue
            pair = (m.account_id, m.adjacent_product)
            since = self.holding.get(pair)
            if since is not None and now - since <= self.window:
                continue
            self.holding[pair] = now
            self.opened.append(
                WouldOpen(m.account_id, m.adjacent_product, now, m.signal_id, str(m.type))
            )


@dataclass(slots=True)
class MemoryWorld:
    """One catalog's replay state: the ports the handlers run on."""

    accounts: MemoryAccounts
    signals: MemorySignals
    sink: PlayOpenings

    @classmethod
    def new(cls, window: timedelta) -> MemoryWorld:
        return cls(MemoryAccounts(), MemorySignals(), PlayOpenings(window))

    @property
    def ports(self) -> Ports:
        return Ports(accounts=self.accounts, signals=self.signals, sink=self.sink)

    def set_clock(self, now: datetime) -> None:
        self.signals.clock = now
        self.sink.clock = now
