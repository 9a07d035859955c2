"""How long a client may take to send its request body, and what a hang-up costs.

uvicorn has no body read timeout: a client sending one byte a second holds a
connection (and a request's memory) for as long as it likes. Here every body
must keep coming (at most ``idle_s`` between chunks) and be complete within
``total_s``; past either the answer is 408 with ``Connection: close``. The
limit counts only while the body is being read: a handler that is still
working, or waiting for the client to go away, is not timed.

An answer ready before the body was read to its end (a 405, a 401, a 413)
waits while the rest of the body is read and dropped, under the same
deadline and up to ``DRAIN_MAX_BYTES`` (a client sending a body reads the
answer only once it has sent it all: closing at once would reset its
connection and lose the answer). A sender too slow or too big for that gets
the answer with ``Connection: close``; otherwise the server would go on
reading the rest, at the sender's pace, to reach the next request.

A client that hangs up mid-body makes Starlette raise ``ClientDisconnect``
inside the route; nobody is left to answer, so it is one info line, not an
ERROR traceback anyone could use to flood the log.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import HTTPException
from starlette.datastructures import MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.logs import get_logger

log = get_logger(__name__)

IDLE_S = 10.0
TOTAL_S = 30.0
DRAIN_MAX_BYTES = 32 * 1024 * 1024


class BodyTimeout(HTTPException):
    def __init__(self, limit: str) -> None:
        super().__init__(
            408, f"request body not received in time ({limit})", headers={"Connection": "close"}
        )


class BodyDeadline:
    def __init__(self, app: ASGIApp, *, idle_s: float = IDLE_S, total_s: float = TOTAL_S) -> None:
        self.app = app
        self.idle_s = idle_s
        self.total_s = total_s

    def _limits(self, scope: Scope) -> tuple[float, float]:
        """The running service's settings, else the defaults given here."""
        settings = getattr(getattr(scope["app"].state, "runtime", None), "settings", None)
        return (
            float(getattr(settings, "body_idle_timeout_s", self.idle_s)),
            float(getattr(settings, "body_total_timeout_s", self.total_s)),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        idle_s, total_s = self._limits(scope)
        deadline = time.monotonic() + total_s
        body_done = not _has_body(scope)

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:  # only a disconnect can come now; waiting for it is not slow
                return await receive()
            left = deadline - time.monotonic()
            wait = min(idle_s, left)
            try:
                async with asyncio.timeout(max(wait, 0.0)):
                    message = await receive()
            except TimeoutError:
                limit = f"{idle_s:g} s between chunks" if wait < left else f"{total_s:g} s in all"
                log.info("request_body_timeout", method=scope["method"], path=scope["path"])
                raise BodyTimeout(limit) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def drain() -> bool:
            """Read and drop the rest of the body; False if it was too slow or too big."""
            dropped = 0
            try:
                while not body_done and dropped <= DRAIN_MAX_BYTES:
                    dropped += len((await timed_receive()).get("body", b""))
            except BodyTimeout:
                return False
            return body_done

        async def closing_send(message: Message) -> None:
            if message["type"] == "http.response.start" and not body_done:
                if not await drain():
                    MutableHeaders(scope=message)["connection"] = "close"
            await send(message)

        try:
            await self.app(scope, timed_receive, closing_send)
        except ClientDisconnect:
            log.info("client_disconnected", method=scope["method"], path=scope["path"])


def _has_body(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return value.strip() not in (b"0", b"")
        if name == b"transfer-encoding":
            return True
    return False
