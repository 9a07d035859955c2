"""Salesforce-shaped answers for requests no route serves, or serves badly.

Outside ``/admin`` (the emulator's own API), a client must never see FastAPI's
``{"detail": …}``: Salesforce answers unknown resources with 404 NOT_FOUND and
wrong methods with 405 METHOD_NOT_ALLOWED, both as a JSON error array.
"""

from __future__ import annotations

import re

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from emulators.salesforce.errors import SfError

_JSON = "application/json;charset=UTF-8"


def _sf(err: SfError, headers: dict[str, str] | None = None) -> Response:
    body = orjson.dumps(err.body())
    return Response(body, err.status, headers=headers, media_type=_JSON)


def _own(request: Request) -> bool:
    return request.url.path.startswith("/admin")


class CollapseSlashes:
    """``https://host//services/data`` (an instance URL with a trailing slash, as
    the sf CLI stores it) reaches the same resource, as at Salesforce."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and "//" in path:
            scope = {**scope, "path": re.sub("/{2,}", "/", path)}
        await self.app(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_middleware(CollapseSlashes)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _own(request):
            return await http_exception_handler(request, exc)
        if exc.status_code == 405:
            err = SfError(
                "METHOD_NOT_ALLOWED",
                f"HTTP Method '{request.method}' not allowed. Allowed are "
                + (exc.headers or {}).get("allow", "GET"),
                405,
            )
            return _sf(err, {"Allow": (exc.headers or {}).get("allow", "GET")})
        if exc.status_code == 404:
            return _sf(SfError("NOT_FOUND", "The requested resource does not exist", 404))
        return _sf(SfError("UNKNOWN_EXCEPTION", str(exc.detail), exc.status_code))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if _own(request):
            return await request_validation_exception_handler(request, exc)
        return _sf(SfError("JSON_PARSER_ERROR", "The request could not be parsed"))
