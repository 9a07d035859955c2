"""PostgreSQL is the system of record, the broker only transport (SPEC section 3).

With signal_ingest and play_orchestrator running on a broker of their own, the
broker is replaced by an empty one (the embedded broker forgets everything on
restart): every journaled event and every retained outbox row reaches its
consumer once (one signal, one play per account). A journal row that no longer
decodes goes to the DLQ with its coordinates and stops nothing; ``crosssell
replay`` re-publishes journaled events, and the inboxes make that harmless.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from crosssell.replay import replay
from services.play_orchestrator.app import create_app as create_plays_app
from services.play_orchestrator.settings import PlayOrchestratorSettings
from shared.auth import create_key
from shared.db.engine import create_engine
from shared.embedded import EmbeddedBroker
from tests.integration.signal_ingest.harness import Pipeline, ago, canonical, running
from tests.support.http import serve
from tests.support.isolation import Isolation, new_isolation
from tests.support.kafka import read_all, wait_until


def _healthy(account: str) -> list[dict[str, Any]]:
    renewal = (datetime.now(UTC) + timedelta(days=300)).date().isoformat()
    profile = {
        "name": f"Customer {account}",
        "csm_owner": "Casey",
        "ae_owner": "Alex",
        "health": "green",
        "products": [
            {
                "product": "workflow_platform",
                "tier": "business",
                "acv": 120_000,
                "renewal_date": renewal,
                "adoption_pct": 85,
            }
        ],
    }
    usage = {"product": "workflow_platform", "metric": "api_calls", "value": 90, "limit": 100}
    return [
        canonical(account, "account.profile", profile, "product", ago(days=2)),
        canonical(account, "usage.metric", usage, "product", ago(hours=1)),
    ]


@dataclass
class System:
    broker: EmbeddedBroker
    iso: Isolation
    pipeline: Pipeline
    plays: httpx.AsyncClient

    async def plays_of(self, account: str) -> list[dict[str, Any]]:
        response = await self.plays.get("/v1/plays", params={"account_id": account})
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def wait_one_play(self, account: str) -> dict[str, Any]:
        async def opened() -> list[dict[str, Any]]:
            return await self.plays_of(account)

        (play,) = await wait_until(opened, timeout_s=60, interval_s=0.5)
        return dict(play)

    async def sql(self, service: str, query: str, **params: Any) -> list[Any]:
        engine = create_engine(self.iso.async_url, self.iso.schema(service), pool_size=1)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(query), params)
                return list(result.all()) if result.returns_rows else []
        finally:
            await engine.dispose()


@pytest.fixture
async def system(pg_url: str, tmp_path: Path) -> AsyncIterator[System]:
    broker = EmbeddedBroker(log_path=tmp_path / "broker.log")
    broker.start()
    iso = new_isolation(pg_url, broker.bootstrap, tmp_path)
    _, key = create_key(iso.api_keys_file, ["read"])
    settings = PlayOrchestratorSettings.load(
        database_url=iso.pg_url,
        kafka_bootstrap_servers=iso.bootstrap,
        db_schema=iso.schema("play_orchestrator"),
        topic_prefix=iso.topic_prefix,
        api_keys_file=iso.api_keys_file,
        log_level="WARNING",
        broker_epoch_check_s=1,
    )
    try:
        async with (
            running(iso, tmp_path, broker_epoch_check_s=1) as pipeline,
            serve(create_plays_app(settings)) as plays_url,
            httpx.AsyncClient(
                base_url=plays_url, timeout=20, headers={"Authorization": f"Bearer {key}"}
            ) as plays,
        ):
            yield System(broker, iso, pipeline, plays)
    finally:
        broker.stop()


async def test_an_empty_broker_loses_nothing_and_duplicates_no_effect(system: System) -> None:
    before, during = "001BRKR00001", "001BRKR00002"
    await system.pipeline.post("product", _healthy(before))
    first = await system.wait_one_play(before)

    system.broker.stop()
    await system.pipeline.post("product", _healthy(during))  # accepted: journaled
    system.broker.start()  # the same port, nothing on it

    await system.wait_one_play(during)
    # what was sent before the restart went out again; the inboxes absorbed it
    await wait_until(lambda: _republished_consumed(system), timeout_s=60, interval_s=0.5)
    assert [p["id"] for p in await system.plays_of(before)] == [first["id"]]
    for account in (before, during):
        signals = await system.pipeline.signals(account_id=account)
        assert [(s["type"], s["status"]) for s in signals] == [("usage_ceiling", "qualified")]
    rows = await system.sql(
        "play_orchestrator",
        "SELECT count(*) FROM signals WHERE account_id = ANY(:a)",
        a=[before, during],
    )
    assert rows[0][0] == 2


async def _republished_consumed(system: System) -> bool:
    """Both services met the new epoch, and nothing waits in a journal or outbox."""
    for service in ("signal_ingest", "play_orchestrator"):
        (epoch,) = await system.sql(service, "SELECT epoch FROM broker_epoch")
        if epoch[0] is None:
            return False
    unsent = await system.sql(
        "signal_ingest",
        "SELECT (SELECT count(*) FROM ingest_journal WHERE sent_at IS NULL)"
        " + (SELECT count(*) FROM outbox WHERE sent_at IS NULL)",
    )
    duplicates = await system.sql("play_orchestrator", "SELECT count(*) FROM processed_messages")
    return unsent[0][0] == 0 and duplicates[0][0] > 0


async def test_an_undecodable_journal_row_is_dead_lettered_and_replay_goes_on(
    system: System,
) -> None:
    account = "001BRKR00003"
    await system.sql(
        "signal_ingest",
        "INSERT INTO ingest_journal (source, event_id, account_id, type, value)"
        " VALUES ('product', 'garbled-1', :a, 'usage.metric', :v)",
        a=account,
        v=b'{"id": "product:garbled-1", "type": "usage.metric", "payl',
    )
    await system.pipeline.post("product", _healthy(account))
    await system.wait_one_play(account)  # the events behind the bad row were applied

    dlq = system.iso.topic("crosssell.events.dlq")
    (dead,) = await read_all(system.iso.bootstrap, dlq, expect=1, timeout_s=30)
    headers = {k: bytes(v).decode() for k, v in dead.headers}
    (row,) = await system.sql(
        "signal_ingest", "SELECT id FROM ingest_journal WHERE event_id = 'garbled-1'"
    )
    assert headers["journal_id"] == str(row[0])
    assert headers["original_topic"] == system.iso.topic("crosssell.events")
    assert {"original_partition", "original_offset", "error"} <= set(headers)

    # an operator re-publishes the account's events: no second effect
    marked = await replay(
        system.iso.pg_url,
        datetime.now(UTC) - timedelta(hours=1),
        [account],
        schema=system.iso.schema("signal_ingest"),
    )
    assert marked == 3  # the garbled row and the two good events

    async def sent_again() -> bool:
        rows = await system.sql(
            "signal_ingest", "SELECT count(*) FROM ingest_journal WHERE sent_at IS NULL"
        )
        return rows[0][0] == 0

    await wait_until(sent_again, timeout_s=30, interval_s=0.5)
    events = await read_all(system.iso.bootstrap, system.iso.topic("crosssell.events"), timeout_s=5)
    assert sum(1 for e in events if e.key == account.encode()) == 6
    await wait_until(lambda: _dead_letters(system, 2), timeout_s=30, interval_s=0.5)
    assert len(await system.plays_of(account)) == 1
    signals = await system.pipeline.signals(account_id=account)
    assert len(signals) == 1


async def _dead_letters(system: System, count: int) -> bool:
    dlq = system.iso.topic("crosssell.events.dlq")
    return len(await read_all(system.iso.bootstrap, dlq, timeout_s=2)) >= count
