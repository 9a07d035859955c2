"""The FastAPI app every service builds: lifespan, health, readiness, metrics, clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from shared.clock import TestClock
from shared.runtime import ServiceRuntime


def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]


class ClockBody(BaseModel):
    now: datetime


def _ops_router(test_clock: bool) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @router.get(
        "/readyz",
        tags=["ops"],
        responses={503: {"description": "database or broker unreachable"}},
    )
    async def readyz(runtime: RuntimeDep) -> Response:
        checks = await runtime.readiness()
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    @router.get("/metrics", tags=["ops"])
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    if test_clock:

        @router.post("/v1/admin/clock", tags=["ops"])
        async def set_clock(body: ClockBody, runtime: RuntimeDep) -> dict[str, str]:
            clock = runtime.clock
            if not isinstance(clock, TestClock):
                raise HTTPException(404, "the test clock is off")
            if body.now.tzinfo is None:
                raise HTTPException(422, "now needs a timezone")
            clock.set(body.now)
            return {"now": clock.now().isoformat()}

    return router


def create_service_app(
    runtime_factory: Callable[[], ServiceRuntime],
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    test_clock: bool = False,
    exception_handlers: dict[Any, Any] | None = None,
) -> FastAPI:
    """Build the app; the runtime (engine, clients) is created inside the lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = runtime_factory()
        app.state.runtime = runtime
        app.state.api_keys = runtime.api_keys
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        exception_handlers=exception_handlers or {},
    )
    app.include_router(_ops_router(test_clock))
    for router in routers:
        app.include_router(router)
    return app
