"""crm_sync FastAPI app (uvicorn factory: services.crm_sync.app:create_app)."""

from __future__ import annotations

from fastapi import FastAPI

from services.crm_sync.bootstrap import build_runtime
from services.crm_sync.settings import CrmSyncSettings
from shared.web import create_service_app


def create_app(settings: CrmSyncSettings | None = None) -> FastAPI:
    settings = settings or CrmSyncSettings.load()
    return create_service_app(
        lambda: build_runtime(settings),
        title="crm_sync",
        description=(
            "Cross-sell Opportunities in Salesforce, write-back enforcement "
            "of the required fields, Salesforce notifications."
        ),
        test_clock=settings.test_clock,
    )
