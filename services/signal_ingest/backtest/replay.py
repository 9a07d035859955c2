"""Replay journaled events through the live handlers, one catalog per world.

Each run is the consumer's own code path on in-memory ports: the journal's
envelopes are decoded by the same registry and ``to_event`` as the consumer,
applied by ``handlers.handle_events`` (so by ``process_event`` and the gates),
play facts by ``handlers.handle_play_updates`` and lapsed gates by
``handlers.sweep_suppressed``. The clock of a batch is the time its events were
accepted (events accepted together share it and form one batch). The journal is
decoded once and fed to every world, so a live-vs-candidate backtest reads the
history once.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import asyncpg

from services.signal_ingest import handlers
from services.signal_ingest.backtest.memory import MemoryWorld
from services.signal_ingest.consumer import register_schemas, to_event
from services.signal_ingest.domain import Catalog
from shared.kafka.consumer import Consumed
from shared.messages.envelope import DecodeError, SchemaRegistry
from shared.messages.inbound import CanonicalEvent

SWEEP_EVERY = timedelta(hours=1)


@dataclass(slots=True)
class Run:
    name: str
    catalog: Catalog
    world: MemoryWorld


@dataclass(slots=True)
class ReplayStats:
    events: int = 0
    undecodable: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)


class Replayer:
    """Feed a journal stream to several catalogs' worlds at once."""

    def __init__(
        self,
        catalogs: dict[str, Catalog],
        plays: Sequence[handlers.PlayUpdate] = (),
        sweep_every: timedelta = SWEEP_EVERY,
    ) -> None:
        self.runs = [
            Run(name, c, MemoryWorld.new(timedelta(days=c.settings.play_window_days)))
            for name, c in catalogs.items()
        ]
        self.plays = list(plays)
        self._next_play = 0
        self.sweep_every = sweep_every
        self._next_sweep: datetime | None = None
        self.registry = SchemaRegistry()
        register_schemas(self.registry)
        self.stats = ReplayStats()

    def world(self, name: str) -> MemoryWorld:
        return next(r.world for r in self.runs if r.name == name)

    async def feed(
        self,
        chunks: AsyncIterable[Sequence[asyncpg.Record | tuple[datetime, bytes]]],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        batch: list[CanonicalEvent] = []
        at: datetime | None = None
        decode = self.registry.decode
        async for chunk in chunks:
            for accepted_at, value in chunk:
                if accepted_at != at:
                    if batch and at is not None:
                        await self._batch(batch, at)
                    batch, at = [], accepted_at
                try:
                    header, payload = decode(value)
                    event = to_event(Consumed(header, payload, cast(Any, None)))
                except (DecodeError, ValueError) as exc:
                    self._undecodable(exc)
                    continue
                if event is None:
                    self._undecodable(ValueError("not an inbound event type"))
                    continue
                batch.append(event)
            if progress is not None:
                progress(len(chunk))
        if batch and at is not None:
            await self._batch(batch, at)

    async def finish(self, until: datetime) -> None:
        """Play facts up to ``until``, then one last sweep at ``until`` (what the
        live sweep does between the last event and now)."""
        await self._plays_until(until)
        await self._sweep(until)

    def _undecodable(self, exc: Exception) -> None:
        self.stats.undecodable += 1
        if len(self.stats.errors) < 20:
            self.stats.errors.append(str(exc)[:200])

    async def _batch(self, events: list[CanonicalEvent], at: datetime) -> None:
        await self._plays_until(at)
        if self._next_sweep is None:
            self._next_sweep = at + self.sweep_every
        elif at >= self._next_sweep:
            await self._sweep(at)
            self._next_sweep = at + self.sweep_every
        for run in self.runs:
            run.world.set_clock(at)
            await handlers.handle_events(run.world.ports, events, run.catalog, at)
        self.stats.events += len(events)
        self.stats.batches += 1

    async def _plays_until(self, at: datetime) -> None:
        while self._next_play < len(self.plays) and self.plays[self._next_play].at <= at:
            update = self.plays[self._next_play]
            self._next_play += 1
            for run in self.runs:
                run.world.set_clock(update.at)
                await handlers.handle_play_updates(
                    run.world.ports, [update], run.catalog, update.at
                )

    async def _sweep(self, at: datetime) -> None:
        for run in self.runs:
            ids = run.world.accounts.with_suppressed()
            if ids:
                run.world.set_clock(at)
                await handlers.sweep_suppressed(run.world.ports, ids, run.catalog, at)
