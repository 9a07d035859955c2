"""The ``crosssell.plays`` consume loop, wired to ``play_events``.

Each batch arrives inside one transaction with the inbox applied (only new
messages reach us); after the commit the writer is woken so the batch's
writes go out at once.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.crm_sync.adapters.store import SqlSyncStore
from services.crm_sync.play_events import PlayEvent, on_play_events
from services.crm_sync.writer import SyncWriter
from shared.clock import Clock
from shared.kafka.consumer import BatchHandler, BatchHook, Consumed
from shared.messages import crm, plays
from shared.messages.envelope import SchemaRegistry
from shared.messages.plays import PlayEventMessage


def register_messages(registry: SchemaRegistry) -> None:
    plays.register(registry)
    crm.register(registry)


def plays_handler(clock: Clock) -> BatchHandler:
    async def handle(session: AsyncSession, messages: list[Consumed]) -> None:
        events = [
            PlayEvent(m.envelope.type, m.envelope.occurred_at, m.payload.event, m.payload.play)
            for m in messages
            if isinstance(m.payload, PlayEventMessage)
        ]
        await on_play_events(SqlSyncStore(session), events, clock.now().date())

    return handle


def wake_after_commit(writer: SyncWriter) -> BatchHook:
    async def hook(applied: list[Consumed]) -> None:
        if applied:
            writer.wake()

    return hook
