"""signal_ingest FastAPI app (uvicorn factory: services.signal_ingest.app:create_app)."""

from __future__ import annotations

from fastapi import FastAPI

from services.signal_ingest.bootstrap import build_runtime
from services.signal_ingest.settings import SignalIngestSettings
from shared.web import create_service_app


def create_app(settings: SignalIngestSettings | None = None) -> FastAPI:
    settings = settings or SignalIngestSettings.load()
    return create_service_app(
        lambda: build_runtime(settings),
        title="signal_ingest",
        description=(
            "Inbound events to Kafka, per-account state, cross-sell signals, "
            "readiness gates and scoring."
        ),
        test_clock=settings.test_clock,
    )
