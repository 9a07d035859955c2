"""No service log may hold a traceback after hostile input.

Two places logs go: the files ``crosssell up`` writes under ``<data-dir>/logs``
(``tracebacks``), and, for the in-process services of this package, the
logging calls themselves (``LogSpy``): uvicorn's "Exception in ASGI
application" (stdlib logging, with ``exc_info``) and the services' structlog
lines that carry an exception. A spy that only saw text would miss nothing
either, but one that sees the records can say which request caused them.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import structlog

TRACEBACK = "Traceback (most recent call last)"
SERVICE_LOGS = ("signal_ingest", "play_orchestrator", "crm_sync", "sf_emulator")
STDLIB_LOGGERS = ("", "uvicorn", "uvicorn.error", "asyncio")


def tracebacks(logs: Path) -> list[Path]:
    """The service logs (of a ``crosssell up`` data dir) that hold a traceback."""
    found = []
    for name in SERVICE_LOGS:
        path = logs / f"{name}.log"
        if path.exists() and TRACEBACK in path.read_text(errors="replace"):
            found.append(path)
    return found


class LogSpy(logging.Handler):
    """Collects every log record or structlog event that carries an exception."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.found: list[str] = []

    # stdlib logging (uvicorn, asyncio, libraries)
    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or TRACEBACK in record.getMessage():
            kind = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
            self.found.append(f"{record.name}: {record.getMessage()[:200]} {kind}".strip())

    # structlog: first in the processor chain, so it sees ``exc_info`` before rendering
    def __call__(
        self, _logger: Any, method: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        if event.get("exc_info") or TRACEBACK in str(event.get("exception", "")):
            self.found.append(f"structlog {method}: {str(event.get('event'))[:200]}")
        return event

    def install(self) -> None:
        """Hook in after the services configured their logging (each start
        reconfigures it). The processor list is shared with loggers already
        cached, so it is changed in place."""
        processors = structlog.get_config()["processors"]
        if self not in processors:
            processors.insert(0, self)
        for name in STDLIB_LOGGERS:
            logger = logging.getLogger(name)
            if self not in logger.handlers:
                logger.addHandler(self)

    def remove(self) -> None:
        processors = structlog.get_config()["processors"]
        if self in processors:
            processors.remove(self)
        for name in STDLIB_LOGGERS:
            logging.getLogger(name).removeHandler(self)
