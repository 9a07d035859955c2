"""How the gateway reads Salesforce's answers: error classification and record results.

Shared by the core, the Bulk path and the transports (the simple-salesforce
adapter and the test fake), so every path names a failure the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.crm_sync.gateway.port import ApiLimitExceeded, RecordResult

# Per-record or whole-call codes worth retrying: contention and capacity, not data.
TRANSIENT_CODES = frozenset(
    {"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "REQUEST_RUNNING_TOO_LONG", "QUERY_TIMEOUT"}
)


class Transient(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class SessionExpired(Exception):
    pass


class CallFailed(Exception):
    def __init__(self, status: int, code: str, message: str, fields: Sequence[str] = ()) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = tuple(fields)


def classify(status: int, content: Any) -> Exception:
    """Map an error response (status, parsed body) to the exception the core handles."""
    first = content[0] if isinstance(content, list) and content else {}
    code = str(first.get("errorCode", "")) if isinstance(first, Mapping) else ""
    message = str(first.get("message", "")) if isinstance(first, Mapping) else str(content)
    fields = first.get("fields", []) if isinstance(first, Mapping) else []
    if status == 401:
        return SessionExpired(message)
    if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
        return ApiLimitExceeded(message)
    if status >= 500 or code in TRANSIENT_CODES:
        return Transient(code or f"HTTP_{status}", message[:500])
    return CallFailed(status, code or f"HTTP_{status}", message, fields or [])


def record_result(raw: Mapping[str, Any], key: str | None, creating: bool) -> RecordResult:
    if raw.get("success"):
        created = raw.get("created")
        return RecordResult(
            True,
            id=raw.get("id"),
            created=creating if created is None else bool(created),
            key=key,
        )
    errors = raw.get("errors") or [{}]
    first = errors[0]
    code = str(first.get("statusCode", "UNKNOWN"))
    return RecordResult(
        False,
        id=raw.get("id"),
        error_code=code,
        message=first.get("message"),
        fields=tuple(first.get("fields") or ()),
        retryable=code in TRANSIENT_CODES,
        key=key,
    )
