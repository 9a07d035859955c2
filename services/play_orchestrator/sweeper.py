"""The deadline sweeper: fires due timers, every ``SWEEP_INTERVAL_S``.

One sweep is one transaction: claim up to ``sweep_batch`` due timers (SKIP
LOCKED, with their plays), fire them through the domain, mark them fired,
save the plays and write their events to the outbox, then commit. A sweeper
killed or cancelled mid-sweep rolls back and leaves the rows unfired for the
next sweep; two sweepers never claim the same row. So each timer fires
exactly once, across restarts and replicas. A full batch sweeps again at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.play_orchestrator import handlers
from services.play_orchestrator.adapters.uow import SqlUnitOfWork
from shared.clock import Clock
from shared.kafka.errors import is_infrastructure
from shared.logs import get_logger

log = get_logger(__name__)
Hook = Callable[[], Awaitable[None]]


class DeadlineSweeper:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        plays_topic: str,
        *,
        interval_s: float = 1.0,
        batch: int = 500,
        before_commit: Hook | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._topic = plays_topic
        self._interval = interval_s
        self._batch = batch
        self._before_commit = before_commit  # tests: interrupt a sweep mid-transaction
        self._stopping = asyncio.Event()
        self.fired = 0

    async def sweep_once(self) -> int:
        """One transaction; return how many timers were marked fired."""
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            fired = await handlers.fire_due(SqlUnitOfWork(session, self._topic), now, self._batch)
            if self._before_commit is not None:
                await self._before_commit()
        self.fired += len(fired)
        return len(fired)

    async def run(self) -> None:
        backoff = self._interval
        while not self._stopping.is_set():
            try:
                count = await self.sweep_once()
                backoff = self._interval
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bad moment must not end the loop
                kind = "infrastructure" if is_infrastructure(exc) else "error"
                log.warning("sweep_failed", kind=kind, error=repr(exc)[:300])
                await self._sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if count < self._batch:
                await self._sleep(self._interval)

    def stop(self) -> None:
        self._stopping.set()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
