"""signal_ingest FastAPI app (uvicorn factory: services.signal_ingest.app:create_app)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from services.signal_ingest.api import router as signals_router
from services.signal_ingest.api_backtests import router as backtests_router
from services.signal_ingest.api_ingest import router as ingest_router
from services.signal_ingest.bootstrap import build_runtime
from services.signal_ingest.catalog_store import CatalogStore
from services.signal_ingest.domain import CatalogError
from services.signal_ingest.ingest import draining
from services.signal_ingest.ingest.mappings import VendorMappings
from services.signal_ingest.settings import SignalIngestSettings
from shared.logs import get_logger
from shared.web import create_service_app

log = get_logger(__name__)


def create_app(settings: SignalIngestSettings | None = None) -> FastAPI:
    settings = settings or SignalIngestSettings.load()
    try:
        catalogs = CatalogStore(settings.catalog_path)
    except CatalogError as exc:  # refuse to start, saying what is wrong
        log.error("catalog_invalid", path=str(settings.catalog_path), error=str(exc))
        raise
    # The ingest routes answer 503 + Retry-After once `crosssell up` starts its drain.
    edge = APIRouter(dependencies=[Depends(draining.refuse_while_draining)])
    edge.include_router(ingest_router)
    app = create_service_app(
        lambda: build_runtime(settings, catalogs),
        title="signal_ingest",
        description=(
            "Inbound events to Kafka, per-account state, cross-sell signals, "
            "readiness gates and scoring."
        ),
        routers=[edge, signals_router, backtests_router],
        test_clock=settings.test_clock,
        # These read their bodies themselves, with their own limits and answers.
        own_body_limit_paths=("/v1/events", "/v1/ingest/churnzero", "/v1/ingest/gainsight"),
    )
    draining.install(app)
    app.state.catalogs = catalogs
    app.state.mappings = VendorMappings(
        settings.churnzero_mapping_path, settings.gainsight_mapping_path
    )
    return app
