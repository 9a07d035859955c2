"""In-memory fakes of signal_ingest's ports.

States are kept encoded (as the database keeps them), so a handler that
forgets to save loses its changes here too, and nothing is shared by
reference between batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.signal_ingest.adapters.state_codec import decode_state, encode_state
from services.signal_ingest.domain import AccountState, Signal, SignalStatus
from services.signal_ingest.ports import AccountRecord, Decision, Ports, StateConflict


@dataclass
class FakeSignals:
    rows: dict[str, Signal] = field(default_factory=dict)
    saves: int = 0

    async def save(self, signals: Sequence[Signal]) -> None:
        self.saves += 1
        for s in signals:
            self.rows[s.id] = s

    def live(self, account_id: str, since: datetime) -> list[Signal]:
        return sorted(
            (
                s
                for s in self.rows.values()
                if s.account_id == account_id
                and (
                    s.status is SignalStatus.SUPPRESSED
                    or (s.status is SignalStatus.QUALIFIED and s.detected_at >= since)
                )
            ),
            key=lambda s: (s.detected_at, s.id),
        )


@dataclass
class FakeAccounts:
    """One instance plays one repository (one transaction's view): it remembers
    the versions it loaded and refuses to save over a newer one."""

    signals: FakeSignals
    stored: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    loaded: dict[str, int] = field(default_factory=dict)

    def view(self) -> FakeAccounts:
        """Another repository over the same storage (another process)."""
        return FakeAccounts(self.signals, self.stored)

    async def load(
        self, account_ids: Sequence[str], live_since: datetime
    ) -> dict[str, AccountRecord]:
        out = {}
        for a in account_ids:
            version, raw = self.stored.get(a, (0, b""))
            self.loaded[a] = version
            state = decode_state(raw) if raw else AccountState(a)
            out[a] = AccountRecord(state, self.signals.live(a, live_since))
        return out

    async def save(self, records: Sequence[AccountRecord]) -> None:
        ids = [r.state.account_id for r in records]
        lost = [a for a in ids if self.stored.get(a, (0, b""))[0] != self.loaded.get(a, 0)]
        if lost:
            raise StateConflict(f"account state changed concurrently: {', '.join(lost)}")
        for r in records:
            version = self.loaded.get(r.state.account_id, 0) + 1
            self.stored[r.state.account_id] = (version, encode_state(r.state))
            self.loaded[r.state.account_id] = version

    def state(self, account_id: str) -> AccountState:
        return decode_state(self.stored[account_id][1])


@dataclass
class FakeSink:
    decisions: list[Decision] = field(default_factory=list)

    async def emit(self, decisions: Sequence[Decision]) -> None:
        self.decisions.extend(decisions)

    def kinds(self) -> list[tuple[str, str]]:
        return [(d.message_type, d.message.type) for d in self.decisions]


@dataclass
class World:
    signals: FakeSignals = field(default_factory=FakeSignals)
    sink: FakeSink = field(default_factory=FakeSink)
    accounts: FakeAccounts = field(init=False)

    def __post_init__(self) -> None:
        self.accounts = FakeAccounts(self.signals)

    @property
    def ports(self) -> Ports:
        return Ports(accounts=self.accounts, signals=self.signals, sink=self.sink)
