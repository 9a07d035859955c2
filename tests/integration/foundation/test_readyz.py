"""/readyz follows the broker (issue 2, must-show 6): 503 while it is away, 200 after."""

from __future__ import annotations

import httpx

from shared.embedded import EmbeddedBroker
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.web import create_service_app
from tests.integration.foundation import ledger
from tests.support.http import serve
from tests.support.isolation import Isolation
from tests.support.kafka import wait_until


async def test_readyz_is_503_while_the_broker_is_stopped_and_200_after(
    isolated: Isolation, tmp_path
) -> None:
    broker = EmbeddedBroker(log_path=tmp_path / "broker.log")
    broker.start()
    settings = ServiceSettings.load(
        service_name="ledger",
        database_url=isolated.pg_url,
        kafka_bootstrap_servers=broker.bootstrap,
        db_schema=isolated.schema("ledger"),
    )
    app = create_service_app(
        lambda: ServiceRuntime(settings, migrations=ledger.MIGRATIONS, topics=[ledger.IN_TOPIC]),
        title="ledger",
        description="test service",
    )
    try:
        async with serve(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as http:

            async def status() -> int:
                return (await http.get("/readyz")).status_code

            await wait_until(lambda: _is(status, 200), timeout_s=20)
            assert (await http.get("/healthz")).json() == {"status": "alive"}

            broker.stop()
            await wait_until(lambda: _is(status, 503), timeout_s=20)
            body = (await http.get("/readyz")).json()
            assert body["checks"]["database"] == "ok"
            assert body["checks"]["broker"].startswith("unreachable")
            assert (await http.get("/healthz")).status_code == 200

            broker.start()
            await wait_until(lambda: _is(status, 200), timeout_s=30)
            metrics = (await http.get("/metrics")).text
            assert 'crosssell_dependency_up{dependency="broker",service="ledger"} 1.0' in metrics
    finally:
        broker.stop()


async def _is(status, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return await status() == expected
