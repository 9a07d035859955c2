"""play_orchestrator FastAPI app (uvicorn factory: services.play_orchestrator.app:create_app)."""

from __future__ import annotations

import asyncio

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
from shared.logs import get_logger
from shared.meaning import CachedEmbedder
from shared.meaning.minilm import ProcessEmbedder
from shared.runtime import ServiceRuntime
from shared.web import create_service_app

log = get_logger(__name__)


def create_app(settings: PlayOrchestratorSettings | None = None) -> FastAPI:
    settings = settings or PlayOrchestratorSettings.load()
    default_language_rules()  # the reviewed rules file is validated at start, not on a request
    worker = ProcessEmbedder() if settings.language_meaning else None

    def runtime() -> ServiceRuntime:
        built = build_runtime(settings)
        if worker is not None:
            built.add_task("play_orchestrator-embedder", lambda: _preload(worker), worker.close)
        return built

    app = create_service_app(
        runtime,
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
    app.state.language_worker = worker
    app.state.language_embedder = CachedEmbedder(worker, 2_000) if worker is not None else None
    return app


async def _preload(worker: ProcessEmbedder) -> None:
    """Load the model at start, so the first check does not wait for it."""
    try:
        seconds = await asyncio.to_thread(worker.start, 600.0)
        log.info("embedding_model_loaded", seconds=round(seconds, 2))
    except Exception as exc:  # the check falls back to its patterns
        log.warning("embedding_model_unavailable", error=repr(exc))
