"""Stop accepting at the edge while the system drains.

``crosssell up`` sends SIGUSR1 to signal_ingest when it is asked to stop: from
then on the ingest routes answer 503 with ``Retry-After`` (a sender keeps its
events and tries again later, against the next start), while everything the
service already accepted keeps flowing - the relay publishes the journal and
the outbox, the consumers keep consuming - until the supervisor sees every
outbox empty and every consumer group caught up.

``install(app)`` wraps the app's lifespan to listen for the signal;
``refuse_while_draining`` is the dependency the ingest routes are mounted with.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request, status

from shared.logs import get_logger

log = get_logger(__name__)
DRAIN_SIGNAL = signal.SIGUSR1
RETRY_AFTER_S = 10  # a drain takes seconds; the next start of the system takes about as long


def start_draining(app: FastAPI) -> None:
    """From now on the ingest routes refuse new events (idempotent)."""
    if not getattr(app.state, "draining", False):
        app.state.draining = True
        log.info("ingest_draining", signal=DRAIN_SIGNAL.name, retry_after_s=RETRY_AFTER_S)


def is_draining(app: FastAPI) -> bool:
    return bool(getattr(app.state, "draining", False))


async def refuse_while_draining(request: Request) -> None:
    """503 + ``Retry-After`` while draining: nothing of the request is read or recorded."""
    if is_draining(request.app):
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "this system is stopping: nothing accepted, retry later",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )


def install(app: FastAPI) -> None:
    """Listen for ``DRAIN_SIGNAL`` while the app runs (wraps its lifespan)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.draining = False
        async with inner(app):
            loop = asyncio.get_running_loop()
            try:
                loop.add_signal_handler(DRAIN_SIGNAL, start_draining, app)
                listening = True
            except (ValueError, RuntimeError, NotImplementedError) as exc:
                # not the main thread (an app run inside a test client): no signal
                log.warning("drain_signal_not_installed", error=str(exc)[:200])
                listening = False
            try:
                yield
            finally:
                if listening:
                    loop.remove_signal_handler(DRAIN_SIGNAL)

    app.router.lifespan_context = lifespan
