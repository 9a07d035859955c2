"""crm_sync FastAPI app (uvicorn factory: services.crm_sync.app:create_app)."""

from __future__ import annotations

from fastapi import FastAPI

from services.crm_sync.api import router
from services.crm_sync.bootstrap import build_runtime
from services.crm_sync.gateway import SalesforceGateway
from services.crm_sync.settings import CrmSyncSettings
from shared.web import create_service_app


def create_app(
    settings: CrmSyncSettings | None = None, gateway: SalesforceGateway | None = None
) -> FastAPI:
    """``gateway`` replaces the simple-salesforce gateway (tests); built in the lifespan."""
    settings = settings or CrmSyncSettings.load()
    return create_service_app(
        lambda: build_runtime(settings, gateway),
        title="crm_sync",
        description=(
            "Cross-sell Opportunities in Salesforce, write-back enforcement "
            "of the required fields, Salesforce notifications."
        ),
        routers=[router],
        test_clock=settings.test_clock,
        # These read their bodies themselves, with their own limits and answers.
        own_body_limit_paths=("/v1/salesforce/outbound-message", "/v1/salesforce/webhook"),
    )
