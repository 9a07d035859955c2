"""The HTTP face of the emulator: a FastAPI app over one ``Org``.

Data calls go to a single catch-all route that hands the raw request to
``Org.handle`` (routing by path there keeps Composite subrequests and the
gateway fake on the same code). Handlers are ``async`` so all state is touched
from uvicorn's one event loop and needs no locks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI, Request, Response

from emulators.salesforce import identity
from emulators.salesforce.admin import admin_router
from emulators.salesforce.http_errors import install_error_handlers
from emulators.salesforce.org import Org
from emulators.salesforce.rest import Reply

_DATA_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]


def _response(reply: Reply) -> Response:
    if reply.status == 204 or reply.body is None:
        return Response(status_code=reply.status, headers=reply.headers)
    if reply.content_type is not None:
        raw = reply.body.encode() if isinstance(reply.body, str) else reply.body
        return Response(raw, reply.status, reply.headers, media_type=reply.content_type)
    return Response(
        content=orjson.dumps(reply.body),
        status_code=reply.status,
        headers=reply.headers,
        media_type="application/json;charset=UTF-8",
    )


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() in ("bearer", "oauth") else None


def create_app(org: Org) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        delivery = asyncio.create_task(org.outbound.run(), name="outbound-delivery")
        try:
            yield
        finally:
            delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await delivery

    app = FastAPI(
        title="Salesforce emulator",
        lifespan=lifespan,
        docs_url="/admin/docs",
        openapi_url="/admin/openapi.json",
    )
    app.state.org = org
    install_error_handlers(app)

    @app.post("/services/oauth2/token")
    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        form.update(request.query_params)
        return _response(org.token(form))

    @app.api_route("/services/oauth2/userinfo", methods=["GET", "POST"])
    async def userinfo(request: Request) -> Response:
        return _response(identity.userinfo(org, _bearer(request)))

    @app.api_route("/id/{org_id}/{user_id}", methods=["GET", "POST"])
    async def identity_url(request: Request, org_id: str, user_id: str) -> Response:
        token = _bearer(request) or request.query_params.get("oauth_token")
        return _response(identity.identity(org, token, org_id, user_id))

    @app.get("/services/data")
    async def versions() -> Response:
        return _response(org.handle("GET", "", {}, None, {}, None))

    @app.api_route("/services/data/{path:path}", methods=_DATA_METHODS)
    async def data(request: Request, path: str) -> Response:
        reply = org.handle(
            request.method,
            path,
            dict(request.query_params),
            await request.body(),
            request.headers,
            _bearer(request),
        )

        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        return _response(reply)

    app.include_router(admin_router(org))
    return app
