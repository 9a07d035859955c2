"""Apply a service's Alembic migrations programmatically (at start-up and in tests).

Each service keeps its own ``migrations/`` folder; the version table lives in
the service's schema. An advisory lock keeps two replicas starting at once from
migrating concurrently.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.engine import create_engine


def _upgrade(sync_conn: Connection, script_location: Path, schema: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["connection"] = sync_conn
    config.attributes["schema"] = schema
    command.upgrade(config, "head")


async def upgrade(engine: AsyncEngine, schema: str, script_location: Path) -> None:
    lock_id = zlib.crc32(f"crosssell-migrate-{schema}".encode())
    async with engine.begin() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await conn.run_sync(_upgrade, script_location, schema)


async def upgrade_url(url: str, schema: str, script_location: Path) -> None:
    engine = create_engine(url, schema, pool_size=1)
    try:
        await upgrade(engine, schema, script_location)
    finally:
        await engine.dispose()
