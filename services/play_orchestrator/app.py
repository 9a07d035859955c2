"""play_orchestrator FastAPI app (uvicorn factory: services.play_orchestrator.app:create_app)."""

from __future__ import annotations

from fastapi import FastAPI

from services.play_orchestrator.api import EXCEPTION_HANDLERS, router
from services.play_orchestrator.api_board import router as board_router
from services.play_orchestrator.api_coaching import router as coaching_router
from services.play_orchestrator.api_console import console_router, mount_console
from services.play_orchestrator.api_reviews import router as reviews_router
from services.play_orchestrator.api_scorecard import scorecard_router
from services.play_orchestrator.bootstrap import build_runtime
from services.play_orchestrator.coaching import default_language_rules
from services.play_orchestrator.settings import PlayOrchestratorSettings
from shared.web import create_service_app


def create_app(settings: PlayOrchestratorSettings | None = None) -> FastAPI:
    settings = settings or PlayOrchestratorSettings.load()
    default_language_rules()  # the reviewed rules file is validated at start, not on a request
    app = create_service_app(
        lambda: build_runtime(settings),
        title="play_orchestrator",
        description="The play state machine, durable deadlines, reviews and pipeline metrics.",
        routers=[
            router,
            reviews_router,
            board_router,
            coaching_router,
            console_router(settings),
            scorecard_router(settings),
        ],
        test_clock=settings.test_clock,
        exception_handlers=EXCEPTION_HANDLERS,
    )
    mount_console(app)  # the ops console at /console/
    return app
