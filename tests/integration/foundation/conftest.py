from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.db.engine import create_engine, session_factory
from shared.db.migrate import upgrade
from shared.kafka.topics import ensure_topics
from tests.integration.foundation import ledger
from tests.support.isolation import Isolation


@dataclass
class LedgerDb:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    schema: str

    async def counts(self) -> tuple[int, int]:
        async with self.sessions() as s:
            return await ledger.ledger_counts(s)


@pytest.fixture
async def ledger_db(isolated: Isolation) -> AsyncIterator[LedgerDb]:
    schema = isolated.schema("ledger")
    engine = create_engine(isolated.async_url, schema)
    await upgrade(engine, schema, ledger.MIGRATIONS)
    await ensure_topics(
        isolated.bootstrap, [isolated.topic(ledger.IN_TOPIC), isolated.topic(ledger.OUT_TOPIC)]
    )
    yield LedgerDb(engine, session_factory(engine), schema)
    await engine.dispose()
