"""Wires the shared consume loop to the handlers.

Two consumer groups: ``signal_ingest.events`` reads ``crosssell.events`` (every
inbound type, one account's in the order the edge accepted them);
``signal_ingest.plays`` reads ``crosssell.plays`` for the play_open and
cooldown gates. Both handlers (and the suppressed-signal sweep)
take one asyncio lock so they never work on the same account at once inside
this process; across processes the version check on the state rows does it.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.signal_ingest import handlers
from services.signal_ingest.adapters.accounts import PgAccountRepository
from services.signal_ingest.adapters.signal_store import PgSignalRepository
from services.signal_ingest.adapters.sink import OutboxSignalSink
from services.signal_ingest.adapters.state_cache import StateCache
from services.signal_ingest.catalog_store import CatalogStore
from services.signal_ingest.ports import Ports, StateConflict
from services.signal_ingest.settings import SignalIngestSettings
from shared.kafka.consumer import Consumed
from shared.kafka.topics import EVENTS, PLAYS, SIGNALS
from shared.logs import get_logger
from shared.messages import plays as play_messages
from shared.messages.envelope import SchemaRegistry
from shared.messages.inbound import (
    AccountEscalationData,
    AccountEscalationEvent,
    AccountNoteData,
    AccountNoteEvent,
    AccountProfileData,
    AccountProfileEvent,
    AccountRenewalData,
    AccountRenewalEvent,
    AccountStakeholderData,
    AccountStakeholderEvent,
    CanonicalEvent,
    TicketClosedEvent,
    TicketData,
    TicketOpenedEvent,
    UsageMetricData,
    UsageMetricEvent,
    UsageWorkaroundData,
    UsageWorkaroundEvent,
)
from shared.messages.plays import PlayEventMessage
from shared.runtime import ServiceRuntime

log = get_logger(__name__)

EVENTS_CONSUMER = "signal_ingest.events"
PLAYS_CONSUMER = "signal_ingest.plays"
EVENT_TOPICS = (EVENTS,)

# envelope type -> (payload model, canonical event class)
EVENT_MODELS: dict[str, tuple[type, type[CanonicalEvent]]] = {
    "usage.metric": (UsageMetricData, UsageMetricEvent),
    "usage.workaround": (UsageWorkaroundData, UsageWorkaroundEvent),
    "ticket.opened": (TicketData, TicketOpenedEvent),
    "ticket.closed": (TicketData, TicketClosedEvent),
    "account.profile": (AccountProfileData, AccountProfileEvent),
    "account.renewal": (AccountRenewalData, AccountRenewalEvent),
    "account.escalation": (AccountEscalationData, AccountEscalationEvent),
    "account.stakeholder": (AccountStakeholderData, AccountStakeholderEvent),
    "account.note": (AccountNoteData, AccountNoteEvent),
}

EVENTS_APPLIED = Counter(
    "crosssell_signal_ingest_events_applied_total",
    "Inbound events folded into account state (counted after the commit)",
)
SIGNALS_DECIDED = Counter(
    "crosssell_signal_ingest_decisions_total", "crosssell.signals messages emitted", ["type"]
)


def register_schemas(registry: SchemaRegistry) -> None:
    for message_type, (model, _) in EVENT_MODELS.items():
        registry.register(message_type, model)
    play_messages.register(registry)


def to_event(message: Consumed) -> CanonicalEvent | None:
    """Rebuild the canonical event from its envelope (payload already validated).

    The envelope id is ``"{source}:{event id}"``; the domain wants the event id.
    """
    env = message.envelope
    spec = EVENT_MODELS.get(env.type)
    if spec is None or message.payload is None:
        return None
    if not env.source:
        raise ValueError(f"event {env.id}: envelope has no source")
    return _assemble(
        spec[1],
        {
            "id": env.id.removeprefix(f"{env.source}:"),
            "type": env.type,
            "source": env.source,
            "account_id": env.account_id,
            "occurred_at": env.occurred_at,
            "data": message.payload,
        },
    )


_EVENT_FIELDS = frozenset(CanonicalEvent.model_fields)
_new = object.__new__
_set = object.__setattr__


def _assemble(cls: type[CanonicalEvent], values: dict[str, Any]) -> CanonicalEvent:
    """``cls.model_construct(**values)`` without its per-field bookkeeping (2-3x
    faster on the hot path): every field is given and every value was
    validated when the envelope and its payload were decoded."""
    event = _new(cls)
    _set(event, "__dict__", values)
    _set(event, "__pydantic_fields_set__", set(_EVENT_FIELDS))
    _set(event, "__pydantic_extra__", None)
    _set(event, "__pydantic_private__", None)
    return event


def to_play_update(message: Consumed) -> handlers.PlayUpdate | None:
    payload = message.payload
    if not isinstance(payload, PlayEventMessage):
        return None
    play = payload.play
    return handlers.PlayUpdate(
        account_id=play.account_id,
        play_id=play.play_id,
        adjacent_product=play.adjacent_product,
        state=play.state,
        at=message.envelope.occurred_at,
    )


class SignalWorker:
    """The consumers' handlers and the sweep, sharing the cache and the lock."""

    def __init__(
        self, runtime: ServiceRuntime, catalogs: CatalogStore, settings: SignalIngestSettings
    ) -> None:
        self.runtime = runtime
        self.catalogs = catalogs
        self.settings = settings
        self.cache = StateCache(settings.state_cache_size)
        self.lock = asyncio.Lock()
        self.signals_topic = runtime.topic(SIGNALS)
        self._stopping = asyncio.Event()
        self._collected_at = time.monotonic()

    def wire(self) -> None:
        register_schemas(self.runtime.registry)
        if not self.settings.run_consumers:
            return
        if self.settings.gc_gen0_threshold:
            gen0, gen1, gen2 = gc.get_threshold()
            gc.set_threshold(max(self.settings.gc_gen0_threshold, gen0), gen1, gen2)
        self.runtime.add_consumer(
            EVENTS_CONSUMER, EVENT_TOPICS, self.handle_events, after_db_commit=self._committed
        )
        self.runtime.add_consumer(PLAYS_CONSUMER, (PLAYS,), self.handle_plays)
        if self.settings.sweep_interval_s > 0:
            self.runtime.add_task("signal_ingest-sweep", self.sweep_loop, self._stopping.set)

    def ports(self, session: AsyncSession, now: datetime) -> Ports:
        return Ports(
            accounts=PgAccountRepository(session, self.cache),
            signals=PgSignalRepository(session),
            sink=OutboxSignalSink(session, self.signals_topic, now),
        )

    async def handle_events(self, session: AsyncSession, messages: list[Consumed]) -> None:
        events = [e for m in messages if (e := to_event(m)) is not None]
        skipped = len(messages) - len(events)
        if skipped:
            log.warning("events_skipped_unexpected_type", count=skipped)
        now = self.runtime.clock.now()
        async with self.lock:
            result = await handlers.handle_events(
                self.ports(session, now), events, self.catalogs.current(), now
            )
        self._count(result)

    async def _committed(self, applied: list[Consumed]) -> None:
        EVENTS_APPLIED.inc(len(applied))
        self._settle_garbage()

    def _settle_garbage(self) -> None:
        """Freeze what survived the batch, or now and then collect everything."""
        every = self.settings.gc_full_collect_s
        if not every:
            return
        now = time.monotonic()
        if now - self._collected_at >= every:
            gc.unfreeze()
            unreachable = gc.collect()
            self._collected_at = time.monotonic()
            log.info(
                "gc_full_collect",
                unreachable=unreachable,
                seconds=round(self._collected_at - now, 3),
            )
        gc.freeze()

    async def handle_plays(self, session: AsyncSession, messages: list[Consumed]) -> None:
        updates = [u for m in messages if (u := to_play_update(m)) is not None]
        now = self.runtime.clock.now()
        async with self.lock:
            result = await handlers.handle_play_updates(
                self.ports(session, now), updates, self.catalogs.current(), now
            )
        self._count(result)

    def _count(self, result: handlers.BatchResult) -> None:
        for decision in result.decisions:
            SIGNALS_DECIDED.labels(decision.message_type).inc()

    # -- the sweep: time-based gates lapse and old suppressed signals go stale --
    async def sweep_once(self, chunk: int = 500) -> int:
        """Re-check every account holding suppressed signals; return the decisions."""
        decided = 0
        after = ""
        while True:
            async with self.runtime.sessions() as session, session.begin():
                ids = await _suppressed_accounts(session, after, chunk)
                if not ids:
                    return decided
                now = self.runtime.clock.now()
                async with self.lock:
                    result = await handlers.sweep_suppressed(
                        self.ports(session, now), ids, self.catalogs.current(), now
                    )
            decided += len(result.decisions)
            self._count(result)
            after = ids[-1]

    async def sweep_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await asyncio.wait_for(
                    self._stopping.wait(), timeout=self.settings.sweep_interval_s
                )
                return
            except TimeoutError:
                pass
            try:
                decided = await self.sweep_once()
                if decided:
                    log.info("suppressed_sweep", decisions=decided)
            except StateConflict as exc:
                log.info("suppressed_sweep_conflict", error=str(exc)[:200])
            except Exception as exc:  # the next round tries again
                log.warning("suppressed_sweep_failed", error=repr(exc)[:300])


_SUPPRESSED_ACCOUNTS = text(
    """
    SELECT DISTINCT account_id FROM signals
    WHERE status = 'suppressed' AND account_id > :after
    ORDER BY account_id LIMIT :limit
    """
)


async def _suppressed_accounts(session: AsyncSession, after: str, limit: int) -> Sequence[str]:
    rows = await session.execute(_SUPPRESSED_ACCOUNTS, {"after": after, "limit": limit})
    return [r[0] for r in rows]
