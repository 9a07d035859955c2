"""The port crm_sync writes Salesforce through, and what it answers.

Writes return one ``RecordResult`` per input record, in input order, so the
caller can acknowledge or keep each pending write. A record failure is either
final (a validation error: fix the data) or ``retryable`` (lock contention,
an outage that outlasted the retries: try again later). Running out of the
org's daily API allocation is not a record failure: it raises
``ApiLimitExceeded`` carrying the results of the records already written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class RecordResult:
    ok: bool
    id: str | None = None
    created: bool | None = None
    error_code: str | None = None
    message: str | None = None
    fields: tuple[str, ...] = ()
    retryable: bool = False
    key: str | None = None  # external id (upsert) or Id (update) the result belongs to


@dataclass(frozen=True)
class ApiUsage:
    used: int
    limit: int

    @property
    def share(self) -> float:
        return self.used / self.limit if self.limit else 1.0


class GatewayError(Exception):
    """Base class of the gateway's errors."""


class ApiLimitExceeded(GatewayError):
    """REQUEST_LIMIT_EXCEEDED: the org refuses every call until its allocation frees up.

    ``results`` is aligned with the input records: a ``RecordResult`` for each
    record Salesforce already answered, None for records not written.
    ``completed`` lists just the answered ones.
    """

    def __init__(
        self,
        message: str,
        results: Sequence[RecordResult | None] = (),
        usage: ApiUsage | None = None,
    ) -> None:
        super().__init__(message)
        self.results = list(results)
        self.usage = usage

    @property
    def completed(self) -> list[RecordResult]:
        return [r for r in self.results if r is not None]


class SalesforceUnavailable(GatewayError):
    """A read kept failing transiently (5xx, lock, network) after all retries."""


class SalesforceAuthError(GatewayError):
    """The token endpoint refused our credentials (a configuration problem)."""


class SalesforceRequestError(GatewayError):
    """A read was refused for good (e.g. MALFORMED_QUERY, INVALID_FIELD)."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(f"{status} {error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message


Record = Mapping[str, Any]


@runtime_checkable
class SalesforceGateway(Protocol):
    async def create(self, sobject: str, records: Sequence[Record]) -> list[RecordResult]:
        """Insert records (200 per sObject Collections call)."""
        ...

    async def update(self, sobject: str, records: Sequence[Record]) -> list[RecordResult]:
        """Update records; each must carry its ``Id``."""
        ...

    async def upsert(
        self, sobject: str, ext_id_field: str, records: Sequence[Record]
    ) -> list[RecordResult]:
        """Create or update by external id; ``created`` tells which happened."""
        ...

    async def bulk_upsert(
        self, sobject: str, ext_id_field: str, records: Sequence[Record]
    ) -> list[RecordResult]:
        """``upsert`` through Bulk API 2.0 ingest jobs: a few calls per job, not per 200.

        Same answers as ``upsert``: one result per record, in order; rows the job
        failed transiently are retried, the others reported with their error.
        """
        ...

    async def query(self, soql: str) -> list[dict[str, Any]]:
        """All records of a SOQL query (follows nextRecordsUrl), without ``attributes``."""
        ...

    async def get(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        """One record without ``attributes``; None if it does not exist."""
        ...

    def usage(self) -> ApiUsage | None:
        """API usage from the last ``Sforce-Limit-Info`` header seen, if any."""
        ...

    def should_defer(self, urgent: bool = False) -> bool:
        """True when a non-urgent write should wait: usage is past the configured share."""
        ...

    async def aclose(self) -> None: ...
