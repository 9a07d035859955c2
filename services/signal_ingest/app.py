"""signal_ingest FastAPI app (uvicorn factory: services.signal_ingest.app:create_app)."""

from __future__ import annotations

from fastapi import FastAPI

from services.signal_ingest.api_ingest import router as ingest_router
from services.signal_ingest.bootstrap import build_runtime
from services.signal_ingest.ingest.mappings import VendorMappings
from services.signal_ingest.settings import SignalIngestSettings
from shared.web import create_service_app


def create_app(settings: SignalIngestSettings | None = None) -> FastAPI:
    settings = settings or SignalIngestSettings.load()
    app = create_service_app(
        lambda: build_runtime(settings),
        title="signal_ingest",
        description=(
            "Inbound events to Kafka, per-account state, cross-sell signals, "
            "readiness gates and scoring."
        ),
        routers=[ingest_router],
        test_clock=settings.test_clock,
    )
    app.state.mappings = VendorMappings(
        settings.churnzero_mapping_path, settings.gainsight_mapping_path
    )
    return app
