"""One contract for the account and signal repositories, run against the
in-memory fakes and the PostgreSQL adapters, so the fakes cannot drift."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.signal_ingest.adapters.accounts import PgAccountRepository, load_state
from services.signal_ingest.adapters.signal_store import PgSignalRepository
from services.signal_ingest.adapters.state_cache import StateCache
from services.signal_ingest.bootstrap import MIGRATIONS
from services.signal_ingest.domain import (
    AccountState,
    Signal,
    SignalCandidate,
    SignalStatus,
    SignalType,
    state_to_dict,
)
from services.signal_ingest.ports import AccountRecord, StateConflict
from shared.db.engine import create_engine, session_factory
from shared.db.migrate import upgrade
from shared.settings import asyncpg_url
from tests.unit.signal_ingest_service.fakes import FakeAccounts, FakeSignals

NOW = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
Repos = tuple[Any, Any]  # (AccountRepository, SignalRepository)
Unit = Callable[..., AbstractAsyncContextManager[Repos]]


def signal(account: str, n: int, status: SignalStatus, age_days: float) -> Signal:
    return Signal(
        SignalCandidate(
            id=f"sig-{account}-{n}",
            account_id=account,
            adjacent_product="insights_analytics",
            type=SignalType.USAGE_CEILING,
            score=10,
            evidence={"summary": "api_calls at 85 of 100", "value": 85},
            source="product",
            surfaced_by="system",
            detected_at=NOW - timedelta(days=age_days),
            event_id=f"evt-{n}",
        ),
        status,
        ("open_escalation",) if status is SignalStatus.SUPPRESSED else (),
        ("health_yellow",),
    )


@pytest.fixture(scope="module")
async def pg_sessions(pg_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    schema = f"t{uuid.uuid4().hex[:10]}_si_contract"
    engine = create_engine(asyncpg_url(pg_url), schema, pool_size=4)
    await upgrade(engine, schema, MIGRATIONS)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture(params=["fake", "postgres"])
def unit(request: pytest.FixtureRequest) -> Unit:
    """``unit(cache=...)``: one transaction's repositories; each cache is one process."""
    if request.param == "fake":
        storage = FakeAccounts(FakeSignals())

        @asynccontextmanager
        async def fake_unit(cache: object = None) -> AsyncIterator[Repos]:
            yield storage.view(), storage.signals

        return fake_unit
    sessions: async_sessionmaker[AsyncSession] = request.getfixturevalue("pg_sessions")
    caches: dict[str, StateCache] = {}

    @asynccontextmanager
    async def pg_unit(cache: str = "default") -> AsyncIterator[Repos]:
        async with sessions() as session, session.begin():
            state_cache = caches.setdefault(cache, StateCache())
            yield PgAccountRepository(session, state_cache), PgSignalRepository(session)

    return pg_unit


def _account(request: pytest.FixtureRequest) -> str:
    return f"001C-{request.node.name}"[:64]


async def test_unknown_account_loads_empty_and_saved_state_round_trips(
    unit: Unit, request: pytest.FixtureRequest
) -> None:
    account = _account(request)
    async with unit() as (accounts, _):
        record = (await accounts.load([account], NOW))[account]
        assert state_to_dict(record.state) == state_to_dict(AccountState(account))
        assert record.signals == []
        record.state.profile.name = "Acme"
        record.state.observe(NOW)
        await accounts.save([record])
    async with unit(cache="other process") as (accounts, _):
        again = (await accounts.load([account], NOW))[account]
    assert state_to_dict(again.state) == state_to_dict(record.state)


async def test_live_signals_are_suppressed_ones_and_recent_qualified_ones(
    unit: Unit, request: pytest.FixtureRequest
) -> None:
    account = _account(request)
    kept = [
        signal(account, 1, SignalStatus.SUPPRESSED, 40),
        signal(account, 2, SignalStatus.QUALIFIED, 3),
    ]
    dropped = [
        signal(account, 3, SignalStatus.QUALIFIED, 20),
        signal(account, 4, SignalStatus.STALE, 1),
    ]
    async with unit() as (accounts, signals):
        record = (await accounts.load([account], NOW))[account]
        await signals.save(kept + dropped)
        await accounts.save([record])
    async with unit(cache="other process") as (accounts, signals):
        live = (await accounts.load([account], NOW - timedelta(days=14)))[account].signals
        assert live == kept  # oldest first, every field intact
        requalified = kept[0].with_status(SignalStatus.QUALIFIED, ())
        await signals.save([requalified])
        await accounts.save([AccountRecord(AccountState(account))])
    async with unit(cache="third") as (accounts, _):
        live = (await accounts.load([account], NOW - timedelta(days=14)))[account].signals
    assert live == [kept[1]]  # the requalified one is 40 days old: no longer live


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
async def test_a_concurrent_writer_makes_the_later_save_conflict(
    unit: Unit, request: pytest.FixtureRequest, existing: bool
) -> None:
    account = _account(request)
    if existing:
        async with unit() as (accounts, _):
            await accounts.save(list((await accounts.load([account], NOW)).values()))
    with pytest.raises(StateConflict, match=re.escape(account)):
        async with unit(cache="a") as (first, _):
            mine = await first.load([account], NOW)
            async with unit(cache="b") as (second, _):
                await second.save(list((await second.load([account], NOW)).values()))
            await first.save(list(mine.values()))


async def test_pg_cache_sees_other_writers_and_forgets_rolled_back_batches(
    pg_sessions: async_sessionmaker[AsyncSession],
) -> None:
    account = "001CACHE0001"
    mine, theirs = StateCache(), StateCache()

    async def write(cache: StateCache, name: str, fail: bool = False) -> None:
        async with pg_sessions() as session, session.begin():
            repo = PgAccountRepository(session, cache)
            record = (await repo.load([account], NOW))[account]
            record.state.profile.name = name
            await repo.save([record])
            if fail:
                raise RuntimeError("the batch failed after saving")

    async def name_seen_by(cache: StateCache) -> str | None:
        async with pg_sessions() as session, session.begin():
            record = (await PgAccountRepository(session, cache).load([account], NOW))[account]
            return record.state.profile.name

    await write(mine, "v1")
    assert await name_seen_by(mine) == "v1" and mine.hits == 1
    await write(theirs, "v2")  # another process moves the row on
    assert await name_seen_by(mine) == "v2"
    with pytest.raises(RuntimeError):
        await write(mine, "never committed", fail=True)
    assert await name_seen_by(mine) == "v2"
    async with pg_sessions() as session:
        stored = await load_state(session, account)
    assert stored is not None and stored.profile.name == "v2"
