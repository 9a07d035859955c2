"""In-memory implementations of the service's ports (``ports.py``).

They keep what the SQL adapters guarantee that the handlers rely on: plays
round-trip through JSON (no shared objects between "transactions"), the
version check, one active play per (account, adjacent product), fired timer
rows never revived.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.play_orchestrator.domain import (
    ACTIVE_STATES,
    Play,
    PlayEvent,
    ReviewDue,
    ReviewResolved,
    TimerKind,
    timers_for,
)
from services.play_orchestrator.ports import (
    AccountFacts,
    AccountRecord,
    ConcurrentUpdate,
    CrmLink,
    DueTimer,
    Emission,
    Origin,
    StoredSignal,
)


@dataclass
class Row:
    doc: str
    version: int
    origin: Origin
    state: str
    pair: tuple[str, str]


class FakePlays:
    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.crm: dict[str, CrmLink] = {}
        self._versions: dict[str, int] = {}

    def _load(self, ids: Collection[str]) -> dict[str, Play]:
        out = {}
        for play_id in sorted(ids):
            row = self.rows.get(play_id)
            if row is not None:
                out[play_id] = Play.model_validate_json(row.doc)
                self._versions[play_id] = row.version
        return out

    def _active(self) -> list[str]:
        return [i for i, r in self.rows.items() if r.state in {s.value for s in ACTIVE_STATES}]

    async def get_many(self, play_ids: Collection[str]) -> dict[str, Play]:
        return self._load(play_ids)

    async def active_for_pairs(
        self, pairs: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], Play]:
        ids = [i for i in self._active() if self.rows[i].pair in set(pairs)]
        return {(p.account_id, p.adjacent_product): p for p in self._load(ids).values()}

    async def active_for_accounts(self, account_ids: Collection[str]) -> list[Play]:
        ids = [i for i in self._active() if self.rows[i].pair[0] in set(account_ids)]
        return list(self._load(ids).values())

    async def add_many(self, plays: Sequence[tuple[Play, Origin]]) -> set[str]:
        inserted = set()
        for play, origin in plays:
            pair = (play.account_id, play.adjacent_product)
            if play.id in self.rows or any(self.rows[i].pair == pair for i in self._active()):
                continue
            self.rows[play.id] = Row(play.model_dump_json(), 1, origin, play.state.value, pair)
            self._versions[play.id] = 1
            inserted.add(play.id)
        return inserted

    async def save_many(self, plays: Sequence[Play]) -> dict[str, int]:
        for play in plays:
            if self.rows[play.id].version != self._versions[play.id]:
                raise ConcurrentUpdate(play.id)
        saved = {}
        for play in plays:
            row = self.rows[play.id]
            row.doc, row.version = play.model_dump_json(), row.version + 1
            row.state = play.state.value
            self._versions[play.id] = saved[play.id] = row.version
        return saved

    def origin(self, play_id: str) -> Origin:
        return self.rows[play_id].origin if play_id in self.rows else Origin()

    async def record_crm_links(self, links: Sequence[CrmLink]) -> None:
        self.crm.update({link.play_id: link for link in links})

    def stored(self, play_id: str) -> Play:
        return Play.model_validate_json(self.rows[play_id].doc)


@dataclass
class TimerRow:
    due_at: datetime
    fired_at: datetime | None = None


class FakeTimers:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], TimerRow] = {}

    async def sync(self, plays: Sequence[Play]) -> None:
        for play in plays:
            wanted = {t.kind.value: t.due_at for t in timers_for(play)}
            for key in [k for k, r in self.rows.items() if k[0] == play.id and not r.fired_at]:
                if key[1] not in wanted:
                    del self.rows[key]
            for kind, due in wanted.items():
                row = self.rows.get((play.id, kind))
                if row is None:
                    self.rows[(play.id, kind)] = TimerRow(due)
                elif row.fired_at is None:
                    row.due_at = due

    async def claim_due(self, now: datetime, limit: int) -> list[DueTimer]:
        due = [
            DueTimer(p, TimerKind(k), r.due_at)
            for (p, k), r in self.rows.items()
            if r.fired_at is None and r.due_at <= now
        ]
        return sorted(due, key=lambda d: d.due_at)[:limit]

    async def mark_fired(self, keys: Sequence[tuple[str, str]], at: datetime) -> None:
        for key in keys:
            if key in self.rows and self.rows[key].fired_at is None:
                self.rows[key].fired_at = at

    def pending(self, play_id: str) -> dict[str, datetime]:
        return {k: r.due_at for (p, k), r in self.rows.items() if p == play_id and not r.fired_at}


class FakeEvents:
    def __init__(self) -> None:
        self.emitted: list[tuple[str, PlayEvent, Emission]] = []

    async def emit(self, emissions: Sequence[Emission]) -> None:
        for emission in emissions:
            for index, event in enumerate(emission.events, start=1):
                envelope_id = f"{emission.play.id}:v{emission.version}:{index}"
                self.emitted.append((envelope_id, event, emission))

    def types(self, play_id: str | None = None) -> list[str]:
        return [e.event_type for _, e, m in self.emitted if play_id in (None, m.play.id)]


class FakeReviews:
    def __init__(self) -> None:
        self.items: dict[str, ReviewDue] = {}

        self.resolved: dict[str, ReviewResolved] = {}

    async def add_many(self, items: Sequence[tuple[Play, ReviewDue]]) -> None:
        for play, event in items:
            self.items.setdefault(f"{play.id}:{event.review}", event)

    async def resolve_many(self, items: Sequence[tuple[Play, ReviewResolved]]) -> None:
        for play, event in items:
            self.resolved[f"{play.id}:{event.review}"] = event


class FakeFacts:
    def __init__(self) -> None:
        self.facts: dict[str, AccountFacts] = {}

    async def lock_many(self, account_ids: Collection[str]) -> dict[str, AccountFacts]:
        return {a: self.facts.get(a, AccountFacts(a)) for a in account_ids}

    async def save_many(self, facts: Sequence[AccountFacts]) -> None:
        self.facts.update({f.account_id: f for f in facts})


class FakeAccounts:
    def __init__(self) -> None:
        self.accounts: dict[str, AccountRecord] = {}

    async def upsert_many(self, accounts: Sequence[AccountRecord]) -> None:
        for record in accounts:
            known = self.accounts.get(record.account_id)
            if known is None or record.as_of >= known.as_of:
                self.accounts[record.account_id] = record


class FakeSignals:
    def __init__(self) -> None:
        self.signals: dict[str, StoredSignal] = {}

    async def record_many(self, signals: Sequence[StoredSignal]) -> None:
        self.signals.update({s.signal_id: s for s in signals})

    async def get_many(self, signal_ids: Collection[str]) -> dict[str, StoredSignal]:
        return {i: self.signals[i] for i in signal_ids if i in self.signals}


@dataclass
class FakeUnitOfWork:
    plays: FakePlays = field(default_factory=FakePlays)
    timers: FakeTimers = field(default_factory=FakeTimers)
    events: FakeEvents = field(default_factory=FakeEvents)
    reviews: FakeReviews = field(default_factory=FakeReviews)
    facts: FakeFacts = field(default_factory=FakeFacts)
    accounts: FakeAccounts = field(default_factory=FakeAccounts)
    signals: FakeSignals = field(default_factory=FakeSignals)
