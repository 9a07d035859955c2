"""What the handlers need from the outside world (adapters implement these).

``AccountRepository`` hands out an account's state together with its *live*
signals (suppressed ones, and qualified ones inside the play window: the only
signals that can still change status or count towards a play), for many
accounts in one call, and saves them back in one call. ``SignalRepository``
stores new and changed signals; ``SignalSink`` takes the decided
``crosssell.signals`` messages (the outbox in production); ``PainReading``
compares ticket texts with the catalog's pain examples by meaning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from services.signal_ingest.domain import AccountState, Catalog, Signal
from services.signal_ingest.domain.state import Resemblance
from shared.messages.inbound import CanonicalEvent
from shared.messages.signals import SignalMessage


@dataclass(slots=True)
class AccountRecord:
    state: AccountState
    signals: list[Signal] = field(default_factory=list)  # live signals, oldest first


@dataclass(frozen=True, slots=True)
class Decision:
    """One ``crosssell.signals`` message: a first decision or a change of status."""

    message_type: str  # SignalQualified | SignalSuppressed | SignalStale | SignalRequalified
    message: SignalMessage

    @property
    def envelope_id(self) -> str:
        # Deterministic: a retried batch emits the same ids, the consumers'
        # inboxes drop the repeats. A signal takes each status at most once.
        suffix = "requalified" if self.message_type == "SignalRequalified" else self.message.status
        return f"{self.message.signal_id}:{suffix}"


class StateConflict(Exception):
    """Another writer changed an account between our read and our write; retry."""


class AccountRepository(Protocol):
    async def load(
        self, account_ids: Sequence[str], live_since: datetime
    ) -> dict[str, AccountRecord]:
        """Every id gets a record (a fresh empty state when none is stored), with
        its suppressed signals and its qualified ones detected since ``live_since``."""
        ...

    async def save(self, records: Sequence[AccountRecord]) -> None:
        """Write the states; raise ``StateConflict`` if one changed since ``load``."""
        ...


class SignalRepository(Protocol):
    async def save(self, signals: Sequence[Signal]) -> None:
        """Insert new signals, update status/reasons/flags of known ones."""
        ...


class SignalSink(Protocol):
    async def emit(self, decisions: Sequence[Decision]) -> None: ...


class PainReading(Protocol):
    async def read(
        self, catalog: Catalog, events: Sequence[CanonicalEvent]
    ) -> dict[str, dict[str, Resemblance]]:
        """Per ticket event id, how close its words came to each adjacent
        product's pain examples (an empty dict when there is nothing to read or
        the model is unavailable: the batch goes on by phrases)."""
        ...


@dataclass(frozen=True, slots=True)
class Ports:
    accounts: AccountRepository
    signals: SignalRepository
    sink: SignalSink
    pain: PainReading | None = None  # none: pains match by phrases and topics only
