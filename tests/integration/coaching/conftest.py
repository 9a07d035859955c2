"""One running play_orchestrator (real PostgreSQL and broker) for the coaching API tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from services.play_orchestrator.app import create_app
from services.play_orchestrator.settings import PlayOrchestratorSettings
from shared.auth import create_key
from shared.db.engine import create_engine, session_factory
from tests.integration.play_orchestrator.conftest import PlayApp, PlaysDb
from tests.support.http import serve
from tests.support.isolation import new_isolation


@dataclass
class CoachingApp:
    app: PlayApp  # its http client holds a read+write key
    write_only_key: str  # no read scope: 403 on every coaching route


@pytest.fixture(scope="package")
async def coaching_app(
    pg_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[CoachingApp]:
    iso = new_isolation(pg_url, kafka_bootstrap, tmp_path_factory.mktemp("coaching"))
    write_id, write_key = create_key(iso.api_keys_file, ["read", "write"])
    _, read_key = create_key(iso.api_keys_file, ["read"])
    _, write_only_key = create_key(iso.api_keys_file, ["write"])
    _, admin_key = create_key(iso.api_keys_file, ["admin"])  # the test clock
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
    headers = {"Authorization": f"Bearer {write_key}"}
    async with (
        serve(create_app(settings)) as base_url,
        httpx.AsyncClient(base_url=base_url, headers=headers, timeout=20) as http,
    ):
        engine = create_engine(iso.async_url, settings.db_schema_name, pool_size=2)
        db = PlaysDb(engine, session_factory(engine), settings.db_schema_name)
        epoch = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # a Monday
        yield CoachingApp(
            PlayApp(base_url, http, read_key, write_id, iso, db, epoch, admin_key), write_only_key
        )
        await engine.dispose()
