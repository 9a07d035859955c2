"""Salesforce API calls crm_sync's writer spends: a backfill, and steady-state writes.

python -m bench.crm_sync --economy [--backfill N] [--steady N]

No broker: PlayOpened events are applied in process (``on_play_events``, as
the consumer does) into a fresh schema of the real PostgreSQL
(``DATABASE_URL``, else the embedded one), then crm_sync's real writer loop
sends them with the real simple-salesforce gateway to an HTTPS emulator, and
the emulator counts the calls.

* backfill: N Opportunities pending at once (default 100,000): more than
  ``SYNC_BULK_THRESHOLD``, so Bulk API 2.0 jobs; target <= 0.001 calls each.
* steady: N Opportunity writes arriving in waves of 400, below the threshold,
  so sObject Collections; target <= 0.01 calls each.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import Row, say
from emulators.salesforce.server import EmulatorServer
from services.crm_sync.adapters.store import SqlSyncStore
from services.crm_sync.bootstrap import MIGRATIONS
from services.crm_sync.gateway import GatewayConfig
from services.crm_sync.gateway.simple_salesforce_adapter import SimpleSalesforceGateway
from services.crm_sync.play_events import PlayEvent, on_play_events
from services.crm_sync.writer import IntegrationUser, SyncWriter, WriterConfig
from shared.clock import SystemClock
from shared.db.engine import create_engine, session_factory
from shared.db.migrate import upgrade
from shared.messages.plays import PlaySnapshot
from shared.settings import asyncpg_url

BACKFILL_TARGET = 0.001
STEADY_TARGET = 0.01
WAVE = 400
LOAD_BATCH = 5_000


def _events(run: str, start: int, count: int, now: datetime) -> list[PlayEvent]:
    from bench.crm_sync import play_opened

    out = []
    for i in range(start, start + count):
        envelope = play_opened(run, i, now)
        play = PlaySnapshot.model_validate(envelope.payload["play"])
        out.append(PlayEvent("PlayOpened", now, {}, play))
    return out


class Rig:
    """A schema, the writer and the gateway over one emulator."""

    def __init__(self, pg_url: str, emulator: EmulatorServer, run: str) -> None:
        self.schema = f"bench_{run}_economy"
        self.engine: AsyncEngine = create_engine(asyncpg_url(pg_url), self.schema, pool_size=4)
        self.sessions = session_factory(self.engine)
        self.emulator = emulator
        self.gateway = SimpleSalesforceGateway(
            GatewayConfig(
                login_url=emulator.base_url,
                client_id=emulator.client_id,
                client_secret=SecretStr(emulator.client_secret),
                ca_path=emulator.ca_path,
            )
        )
        self.writer = SyncWriter(
            self.transactions,
            self.gateway,
            SystemClock(),
            WriterConfig(crm_topic=f"bench{run}.crosssell.crm"),
            IntegrationUser(emulator.org.users.integration_user_id),
        )

    @asynccontextmanager
    async def transactions(self) -> AsyncIterator[SqlSyncStore]:
        async with self.sessions() as session, session.begin():
            yield SqlSyncStore(session)

    async def start(self) -> None:
        await upgrade(self.engine, self.schema, MIGRATIONS)

    async def close(self) -> None:
        await self.gateway.aclose()
        async with self.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
        await self.engine.dispose()

    async def load(self, events: list[PlayEvent]) -> None:
        today = datetime.now(UTC).date()
        for i in range(0, len(events), LOAD_BATCH):
            async with self.transactions() as store:
                await on_play_events(store, events[i : i + LOAD_BATCH], today)

    async def pending(self) -> int:
        async with self.engine.connect() as conn:
            query = text("SELECT count(*) FROM sf_writes WHERE status = 'pending'")
            return int((await conn.execute(query)).scalar_one())

    async def drain(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if await self.writer.cycle() == 0:
                if await self.pending() == 0:
                    return
                await asyncio.sleep(0.2)
        raise TimeoutError(f"writes still pending after {timeout_s:.0f}s")


def _usage(emulator: EmulatorServer) -> tuple[int, dict[str, int]]:
    usage = emulator.org.usage
    return usage.used, dict(usage.by_kind)


def _reset_usage(emulator: EmulatorServer) -> None:
    emulator.org.usage.used = 0
    emulator.org.usage.by_kind.clear()


async def economy(pg_url: str, state_dir: Path, backfill: int, steady: int) -> dict[str, Any]:
    run = uuid.uuid4().hex[:8]
    now = datetime.now(UTC)
    out: dict[str, Any] = {"at": now.isoformat()}
    with EmulatorServer(state_dir=state_dir, daily_limit=10_000_000) as emulator:
        for name, count in (("backfill", backfill), ("steady", steady)):
            if count <= 0:
                continue
            rig = Rig(pg_url, emulator, f"{run}{name[0]}")
            await rig.start()
            try:
                emulator.org.store.reset()
                _reset_usage(emulator)
                started = time.perf_counter()
                if name == "backfill":
                    say(f"backfill: loading {count:,} PlayOpened")
                    await rig.load(_events(run, 0, count, now))
                    loaded = time.perf_counter()
                    say("backfill: writing")
                    await rig.drain(timeout_s=max(600.0, count / 50))
                else:
                    say(f"steady: {count:,} writes in waves of {WAVE}")
                    loaded = started
                    for start in range(0, count, WAVE):
                        await rig.load(_events(run, start, min(WAVE, count - start), now))
                        await rig.drain(timeout_s=300.0)
                done = time.perf_counter()
                calls, by_kind = _usage(emulator)
                opportunities = len(emulator.org.store.live["Opportunity"])
                tasks = len(emulator.org.store.live["Task"])
                out[name] = {
                    "opportunities": opportunities,
                    "tasks": tasks,
                    "api_calls": calls,
                    "api_calls_by_kind": by_kind,
                    "api_calls_per_opportunity": round(calls / max(opportunities, 1), 6),
                    "api_calls_per_record": round(calls / max(opportunities + tasks, 1), 6),
                    "backfill_cycles": rig.writer.state.backfill_cycles,
                    "load_s": round(loaded - started, 1),
                    "write_s": round(done - loaded, 1),
                }
                say(f"{name}: {out[name]}")
            finally:
                await rig.close()
    return out


def rows(result: dict[str, Any]) -> list[Row]:
    out = []
    if "backfill" in result:
        b = result["backfill"]
        out.append(
            Row(
                4,
                f"API calls per Opportunity, backfill of {b['opportunities']:,} (Bulk API 2.0)",
                b["api_calls_per_opportunity"],
                "calls",
                BACKFILL_TARGET,
                "<=",
                b,
            )
        )
    if "steady" in result:
        s = result["steady"]
        out.append(
            Row(
                4,
                f"API calls per Opportunity, {s['opportunities']:,} steady-state writes "
                f"(waves of {WAVE}, Collections)",
                s["api_calls_per_opportunity"],
                "calls",
                STEADY_TARGET,
                "<=",
                s,
            )
        )
    return out
