"""A deadline for a request's line and headers (uvicorn's HTTP protocol, subclassed).

``shared.body_deadline`` times a body, but a request reaches the app only
once its headers are complete, and uvicorn times nothing before that: a
client that opens a connection and sends a header byte every few seconds
(slowloris) holds it for ever, since every byte also cancels uvicorn's
keep-alive timer. Here the line and headers must be complete within
``CROSSSELL_HEADER_TIMEOUT_S`` (15 s) of the connection opening or of the
previous answer on it; else the connection is closed (one info line).
``crosssell serve`` runs the services with it.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from shared.logs import get_logger

log = get_logger(__name__)


def header_timeout_s() -> float:
    return float(os.environ.get("CROSSSELL_HEADER_TIMEOUT_S", "15"))


class HeaderDeadlineProtocol(HttpToolsProtocol):
    _header_timer: asyncio.TimerHandle | None = None
    _begun = False  # a request line has started arriving since the timer was armed

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        self._begun = True
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request's headers are timed too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._begun = False
        self._header_timer = self.loop.call_later(header_timeout_s(), self._too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being answered (a pipelined one): not ours to time
        if not self.transport.is_closing():
            if self._begun:  # an idle connection is simply closed, as keep-alive does
                log.info("request_headers_timeout", client=str(self.client))
            self.transport.close()
