"""A migrated play_orchestrator schema on the real PostgreSQL, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.play_orchestrator.adapters.uow import SqlUnitOfWork
from services.play_orchestrator.app import create_app
from services.play_orchestrator.bootstrap import MIGRATIONS
from services.play_orchestrator.settings import PlayOrchestratorSettings
from shared.auth import create_key
from shared.db.engine import create_engine, session_factory
from shared.db.migrate import upgrade
from shared.messages.envelope import Envelope
from tests.support.http import serve
from tests.support.isolation import Isolation, new_isolation
from tests.support.kafka import produce, wait_until

T = TypeVar("T")
PLAYS_TOPIC = "test.crosssell.plays"


@dataclass
class PlaysDb:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    schema: str

    async def tx(self, work: Callable[[SqlUnitOfWork], Awaitable[T]]) -> T:
        """Run ``work`` in one committed transaction."""
        async with self.sessions() as session, session.begin():
            return await work(SqlUnitOfWork(session, PLAYS_TOPIC))

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.sessions() as session:
            return (await session.execute(text(sql), params)).scalar()

    async def outbox(self) -> list[dict[str, Any]]:
        """Every envelope written to the outbox, oldest first."""
        async with self.sessions() as session:
            rows = await session.execute(text("SELECT value FROM outbox ORDER BY id"))
            return [orjson.loads(r.value) for r in rows]


async def migrated(isolated: Isolation) -> PlaysDb:
    schema = isolated.schema("play_orchestrator")
    engine = create_engine(isolated.async_url, schema, pool_size=5)
    await upgrade(engine, schema, MIGRATIONS)
    return PlaysDb(engine, session_factory(engine), schema)


@pytest.fixture
async def plays_db(isolated: Isolation) -> AsyncIterator[PlaysDb]:
    db = await migrated(isolated)
    yield db
    await db.engine.dispose()


# ---- one running service for the HTTP/Kafka tests of this package ------------------


@dataclass
class PlayApp:
    """The running service: its URL, keys, broker topics, database and clock.

    The clock is the app's and shared by the tests of the package: each test
    takes a fresh ``base()`` later than anything before it, so moving time for
    one test never moves another's play backwards."""

    base_url: str
    http: httpx.AsyncClient  # with a read+write key
    read_key: str
    write_key_id: str  # its label, WRITE_KEY_LABEL, is the actor of its changes
    iso: Isolation
    db: PlaysDb
    _epoch: datetime
    admin_key: str = ""  # the test clock needs the admin scope

    def base(self) -> datetime:
        """A Monday 09:00 UTC later than every earlier base (70 days apart)."""
        self._epoch += timedelta(days=70)
        return self._epoch

    async def set_clock(self, now: datetime) -> None:
        response = await self.http.post(
            "/v1/admin/clock",
            json={"now": now.isoformat()},
            headers={"Authorization": f"Bearer {self.admin_key}"},
        )
        assert response.status_code == 200, response.text

    async def produce(self, topic: str, envelopes: list[Envelope]) -> None:
        await produce(
            self.iso.bootstrap, self.iso.topic(topic), [(e.key, e.encode()) for e in envelopes]
        )

    async def play(self, play_id: str) -> dict[str, Any]:
        response = await self.http.get(f"/v1/plays/{play_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def plays_of(self, account_id: str) -> list[dict[str, Any]]:
        response = await self.http.get("/v1/plays", params={"account_id": account_id})
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def wait_play(
        self, play_id: str, check: Callable[[dict[str, Any]], bool], timeout_s: float = 20
    ) -> dict[str, Any]:
        async def ready() -> dict[str, Any] | None:
            play = await self.play(play_id)
            return play if check(play) else None

        return dict(await wait_until(ready, timeout_s=timeout_s, interval_s=0.1))

    async def wait_opened(self, account_id: str, timeout_s: float = 30) -> dict[str, Any]:
        async def opened() -> list[dict[str, Any]]:
            return await self.plays_of(account_id)

        [play] = await wait_until(opened, timeout_s=timeout_s, interval_s=0.1)
        return play


WRITE_KEY_LABEL = "Sam Carter (CSM)"


@pytest.fixture(scope="package")
async def po_app(
    pg_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[PlayApp]:
    iso = new_isolation(pg_url, kafka_bootstrap, tmp_path_factory.mktemp("play_orchestrator"))
    write_id, write_key = create_key(iso.api_keys_file, ["read", "write"], label=WRITE_KEY_LABEL)
    _, read_key = create_key(iso.api_keys_file, ["read"])
    _, admin_key = create_key(iso.api_keys_file, ["admin"])
    settings = PlayOrchestratorSettings.load(
        database_url=iso.pg_url,
        kafka_bootstrap_servers=iso.bootstrap,
        db_schema=iso.schema("play_orchestrator"),
        topic_prefix=iso.topic_prefix,
        api_keys_file=iso.api_keys_file,
        test_clock=True,
        sweep_interval_s=0.1,
        log_level="WARNING",
    )
    app = create_app(settings)
    headers = {"Authorization": f"Bearer {write_key}"}
    async with (
        serve(app) as base_url,
        httpx.AsyncClient(base_url=base_url, headers=headers, timeout=20) as http,
    ):
        engine = create_engine(iso.async_url, settings.db_schema_name, pool_size=2)
        db = PlaysDb(engine, session_factory(engine), settings.db_schema_name)
        epoch = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # a Monday
        yield PlayApp(base_url, http, read_key, write_id, iso, db, epoch, admin_key)
        await engine.dispose()
