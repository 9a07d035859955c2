"""play_orchestrator FastAPI app (uvicorn factory: services.play_orchestrator.app:create_app)."""

from __future__ import annotations

from fastapi import FastAPI

from services.play_orchestrator.api import EXCEPTION_HANDLERS, router
from services.play_orchestrator.bootstrap import build_runtime
from services.play_orchestrator.settings import PlayOrchestratorSettings
from shared.web import create_service_app


def create_app(settings: PlayOrchestratorSettings | None = None) -> FastAPI:
    settings = settings or PlayOrchestratorSettings.load()
    return create_service_app(
        lambda: build_runtime(settings),
        title="play_orchestrator",
        description="The play state machine, durable deadlines, reviews and pipeline metrics.",
        routers=[router],
        test_clock=settings.test_clock,
        exception_handlers=EXCEPTION_HANDLERS,
    )
