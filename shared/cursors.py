"""The one answer every service gives for a cursor it did not issue.

A forged, truncated or stale-format ``cursor`` is a bad query parameter like
any other, so it gets FastAPI's 422 and its body shape, whichever service and
list it was sent to: a client (or an attacker probing) cannot tell the
services' cursor codecs apart by their errors.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from fastapi.responses import JSONResponse

STATUS = 422
MESSAGE = "not a cursor this API issued: pass next_cursor from a previous page"
DETAIL: list[dict[str, Any]] = [
    {"type": "cursor_invalid", "loc": ["query", "cursor"], "msg": MESSAGE}
]
RESPONSE_DOC: dict[int | str, dict[str, Any]] = {
    STATUS: {
        "description": "a filter is invalid, or the cursor is not a next_cursor this API issued"
    }
}


def bad_cursor() -> HTTPException:
    return HTTPException(STATUS, DETAIL)


def bad_cursor_response() -> JSONResponse:
    return JSONResponse({"detail": DETAIL}, status_code=STATUS)
