"""Async SQLAlchemy engine factory: one Postgres schema per service.

The schema is put on the connection's ``search_path``, so tables are declared
and migrated without a schema qualifier and tests isolate themselves simply by
choosing a fresh schema name.
"""

from __future__ import annotations

from decimal import Decimal

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def _dumps(value: object) -> str:
    return orjson.dumps(value, default=_default).decode()


def create_engine(url: str, schema: str, *, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        url,
        json_serializer=_dumps,
        json_deserializer=orjson.loads,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={
            "server_settings": {"search_path": schema, "application_name": f"crosssell-{schema}"},
            "command_timeout": 60,
        },
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
