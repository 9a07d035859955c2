"""Request guards every service runs before its routes (ASGI middleware).

- A NUL character in the URL path or query (``%00``) is refused with 422: no
  route can use one, and PostgreSQL refuses it in text (it would be a 500).
- A request body over ``max_body_bytes`` is refused with 413, by its declared
  ``Content-Length`` before anything is read, or as soon as a chunked body
  passes the limit, so an oversized JSON body is never buffered or parsed.
  Routes that read and limit their bodies themselves (the ingest and Salesforce
  endpoints, with their own configurable limits and answers) are listed in
  ``own_limit_paths`` and left to do so.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import orjson
from fastapi import HTTPException

Scope = dict[str, Any]

_NUL_DETAIL = [{"type": "string_nul", "loc": ["url"], "msg": "NUL characters are not allowed"}]


class RequestGuards:
    def __init__(
        self, app: Any, *, max_body_bytes: int, own_limit_paths: Collection[str] = ()
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.own_limit_paths = frozenset(own_limit_paths)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
            await _answer(send, 422, {"detail": _NUL_DETAIL})
            return
        if scope.get("path") in self.own_limit_paths:
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _answer(send, 413, {"detail": f"body over {limit} bytes"})
            return
        received = 0

        async def limited_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI re-raises an HTTPException met while reading the body.
                    raise HTTPException(413, f"body over {limit} bytes")
            return message

        await self.app(scope, limited_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _answer(send: Any, status: int, body: Any) -> None:
    payload = orjson.dumps(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
