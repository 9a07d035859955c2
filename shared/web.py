"""The FastAPI app every service builds: lifespan, health, readiness, metrics, clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.auth import AdminScope
from shared.body_deadline import BodyDeadline
from shared.clock import TestClock
from shared.guards import RequestGuards
from shared.headers import SecurityHeaders
from shared.runtime import ServiceRuntime
from shared.timerange import UtcDatetime


def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]


class ClockBody(BaseModel):
    now: UtcDatetime


class ConsoleCors:
    """CORS for the ops console, a page on play_orchestrator's origin that calls
    every service with ``Authorization: Bearer``. The allowed origins are the
    service settings' ``CROSSSELL_CONSOLE_ORIGINS``, read from the runtime the
    lifespan builds, so the middleware is made on the first HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._cors: CORSMiddleware | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._cors is None:
            runtime = getattr(scope["app"].state, "runtime", None)
            if runtime is None:  # not started yet: nothing to allow
                await self.app(scope, receive, send)
                return
            raw = str(getattr(runtime.settings, "console_origins", ""))
            self._cors = CORSMiddleware(
                self.app,
                allow_origins=[o.strip().rstrip("/") for o in raw.split(",") if o.strip()],
                allow_methods=["GET", "POST", "PUT"],
                allow_headers=["Authorization", "Content-Type"],
                max_age=600,
            )
        await self._cors(scope, receive, send)


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
        async def set_clock(body: ClockBody, runtime: RuntimeDep, _: AdminScope) -> dict[str, str]:
            clock = runtime.clock
            if not isinstance(clock, TestClock):
                raise HTTPException(404, "the test clock is off")
            if body.now.tzinfo is None:
                raise HTTPException(422, "now needs a timezone")
            clock.set(body.now)
            return {"now": clock.now().isoformat()}

    return router


async def _http_error(request: Request, exc: Exception) -> Response:
    """FastAPI's own answer, except that a JSON body that is not UTF-8 gets the 422
    of any other malformed JSON body (FastAPI says 400 there, documented nowhere)."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeError):
        error = {"type": "json_invalid", "loc": ["body"], "msg": "JSON body is not UTF-8"}
        return JSONResponse({"detail": [error]}, status_code=422)
    return await http_exception_handler(request, exc)


# PostgreSQL refuses a NUL character in text (22021) and in JSONB (22P05): input
# carrying one is the client's to fix (422), and nothing was written.
_UNSTORABLE_TEXT = {"22021", "22P05"}


async def _db_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DBAPIError)
    if getattr(exc.orig, "sqlstate", None) in _UNSTORABLE_TEXT:
        error = {"type": "string_nul", "loc": ["body"], "msg": "NUL characters are not allowed"}
        return JSONResponse({"detail": [error]}, status_code=422)
    raise exc  # any other database error stays a 500


def create_service_app(
    runtime_factory: Callable[[], ServiceRuntime],
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    test_clock: bool = False,
    exception_handlers: dict[Any, Any] | None = None,
    max_body_bytes: int = 1024 * 1024,
    own_body_limit_paths: Sequence[str] = (),
) -> FastAPI:
    """Build the app; the runtime (engine, clients) is created inside the lifespan.

    Bodies over ``max_body_bytes`` get 413 and NUL characters in the URL 422
    (``shared.guards``), except that ``own_body_limit_paths`` limit their bodies
    themselves."""

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
        exception_handlers={
            StarletteHTTPException: _http_error,
            DBAPIError: _db_error,
            **(exception_handlers or {}),
        },
    )
    app.add_middleware(
        RequestGuards, max_body_bytes=max_body_bytes, own_limit_paths=own_body_limit_paths
    )
    app.add_middleware(ConsoleCors)
    app.add_middleware(BodyDeadline)
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, the guards' too
    app.include_router(_ops_router(test_clock))
    for router in routers:
        app.include_router(router)
    return app
