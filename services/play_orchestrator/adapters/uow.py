"""The SQL unit of work: every port bound to one session (one transaction)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from services.play_orchestrator.adapters.outbox_writer import OutboxEventSink
from services.play_orchestrator.adapters.repository import SqlPlayRepository
from services.play_orchestrator.adapters.stores import (
    SqlAccountBook,
    SqlAccountFacts,
    SqlReviewStore,
    SqlSignalLog,
)
from services.play_orchestrator.adapters.timers import SqlTimerStore


@dataclass
class SqlUnitOfWork:
    """Build one inside ``async with sessions() as s, s.begin():``; the caller commits."""

    session: AsyncSession
    plays_topic: str
    plays: SqlPlayRepository = field(init=False)
    timers: SqlTimerStore = field(init=False)
    events: OutboxEventSink = field(init=False)
    reviews: SqlReviewStore = field(init=False)
    facts: SqlAccountFacts = field(init=False)
    accounts: SqlAccountBook = field(init=False)
    signals: SqlSignalLog = field(init=False)

    def __post_init__(self) -> None:
        self.plays = SqlPlayRepository(self.session)
        self.timers = SqlTimerStore(self.session)
        self.events = OutboxEventSink(self.session, self.plays_topic)
        self.reviews = SqlReviewStore(self.session)
        self.facts = SqlAccountFacts(self.session)
        self.accounts = SqlAccountBook(self.session)
        self.signals = SqlSignalLog(self.session)
