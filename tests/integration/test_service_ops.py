"""Each service answers the ops endpoints of SPEC section 2 with real dependencies.

The three services are configured from the environment (``Settings.load()``, as
a deployment does) and served side by side for the module: a service stopped
right after its start waits for its consumer groups' first join (about 5 s on
the embedded broker), so starting them together pays that wait once, not three
times. Each test checks its own service exactly as before.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.crm_sync.app import create_app as crm_sync_app
from services.crm_sync.settings import CrmSyncSettings
from services.play_orchestrator.app import create_app as play_orchestrator_app
from services.play_orchestrator.settings import PlayOrchestratorSettings
from services.signal_ingest.app import create_app as signal_ingest_app
from services.signal_ingest.settings import SignalIngestSettings
from tests.support.http import serve
from tests.support.isolation import new_isolation
from tests.support.kafka import wait_until

FACTORIES = {
    "signal_ingest": (signal_ingest_app, SignalIngestSettings),
    "play_orchestrator": (play_orchestrator_app, PlayOrchestratorSettings),
    "crm_sync": (crm_sync_app, CrmSyncSettings),
}


@pytest.fixture(scope="module")
async def base_urls(
    pg_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, str]]:
    """service -> base URL of that service, running on the real PostgreSQL and broker."""
    iso = new_isolation(pg_url, kafka_bootstrap, tmp_path_factory.mktemp("service_ops"))
    apps = {}
    for service, (factory, settings_cls) in FACTORIES.items():
        # Settings come from the environment; the services read it only here.
        with pytest.MonkeyPatch.context() as env:
            for key, value in iso.env(service).items():
                env.setenv(key, value)
            apps[service] = factory(settings_cls.load())  # type: ignore[operator]
    async with (
        serve(apps["signal_ingest"]) as signal_ingest,
        serve(apps["play_orchestrator"]) as play_orchestrator,
        serve(apps["crm_sync"]) as crm_sync,
    ):
        yield {
            "signal_ingest": signal_ingest,
            "play_orchestrator": play_orchestrator,
            "crm_sync": crm_sync,
            "admin_key": iso.api_key("admin"),
            "read_key": iso.api_key("read"),
        }


@pytest.mark.parametrize("service", list(FACTORIES))
async def test_ops_endpoints(service: str, base_urls: dict[str, str]) -> None:
    base = base_urls[service]
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        assert (await http.get("/healthz")).json() == {"status": "alive"}

        async def ready() -> bool:
            return (await http.get("/readyz")).status_code == 200

        await wait_until(ready, timeout_s=30)
        assert (await http.get("/readyz")).json()["checks"] == {"database": "ok", "broker": "ok"}
        assert "crosssell_dependency_up" in (await http.get("/metrics")).text
        assert (await http.get("/openapi.json")).json()["info"]["title"] == service
        assert (await http.get("/docs")).status_code == 200
        now = {"now": "2026-11-02T14:00:00Z"}
        assert (await http.post("/v1/admin/clock", json=now)).status_code == 401
        read = {"Authorization": f"Bearer {base_urls['read_key']}"}
        assert (await http.post("/v1/admin/clock", json=now, headers=read)).status_code == 403
        admin = {"Authorization": f"Bearer {base_urls['admin_key']}"}
        clock = await http.post("/v1/admin/clock", json=now, headers=admin)
        assert clock.json() == {"now": "2026-11-02T14:00:00+00:00"}
