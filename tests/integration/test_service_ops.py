"""Each service answers the ops endpoints of SPEC section 2 with real dependencies."""

from __future__ import annotations

import httpx
import pytest

from services.crm_sync.app import create_app as crm_sync_app
from services.crm_sync.settings import CrmSyncSettings
from services.play_orchestrator.app import create_app as play_orchestrator_app
from services.play_orchestrator.settings import PlayOrchestratorSettings
from services.signal_ingest.app import create_app as signal_ingest_app
from services.signal_ingest.settings import SignalIngestSettings
from tests.support.http import serve
from tests.support.isolation import Isolation
from tests.support.kafka import wait_until

FACTORIES = {
    "signal_ingest": (signal_ingest_app, SignalIngestSettings),
    "play_orchestrator": (play_orchestrator_app, PlayOrchestratorSettings),
    "crm_sync": (crm_sync_app, CrmSyncSettings),
}


@pytest.mark.parametrize("service", list(FACTORIES))
async def test_ops_endpoints(service: str, isolated: Isolation, monkeypatch) -> None:
    for key, value in isolated.env(service).items():
        monkeypatch.setenv(key, value)
    factory, settings_cls = FACTORIES[service]
    app = factory(settings_cls.load())  # type: ignore[operator]
    async with serve(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as http:
        assert (await http.get("/healthz")).json() == {"status": "alive"}

        async def ready() -> bool:
            return (await http.get("/readyz")).status_code == 200

        await wait_until(ready, timeout_s=30)
        assert (await http.get("/readyz")).json()["checks"] == {"database": "ok", "broker": "ok"}
        assert "crosssell_dependency_up" in (await http.get("/metrics")).text
        assert (await http.get("/openapi.json")).json()["info"]["title"] == service
        assert (await http.get("/docs")).status_code == 200
        clock = await http.post("/v1/admin/clock", json={"now": "2026-11-02T14:00:00Z"})
        assert clock.json() == {"now": "2026-11-02T14:00:00+00:00"}
