"""Behaviour shared by the real adapter and the fake: chunking, retries,
session refresh, error classification and usage tracking.

Subclasses provide only the transport (``_send``, ``_send_url``,
``_authenticate``); everything a caller can observe is decided here, which
is what lets one contract suite hold the fake and the adapter to the same
answers.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from services.crm_sync.gateway.answers import (
    TRANSIENT_CODES,
    CallFailed,
    SessionExpired,
    Transient,
    classify,
    record_result,
)
from services.crm_sync.gateway.bulk import BulkUpsert
from services.crm_sync.gateway.config import GatewayConfig
from services.crm_sync.gateway.port import (
    ApiLimitExceeded,
    ApiUsage,
    Record,
    RecordResult,
    SalesforceRequestError,
    SalesforceUnavailable,
)

log = logging.getLogger(__name__)
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")

# Re-exported: the transports import these from here.
__all__ = ["TRANSIENT_CODES", "CallFailed", "GatewayCore", "Transient", "classify"]


def _strip_attributes(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _strip_attributes(v) for k, v in value.items() if k != "attributes"}
    if isinstance(value, list):
        return [_strip_attributes(v) for v in value]
    return value


class GatewayCore:
    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self._usage: ApiUsage | None = None
        self._auth_lock = asyncio.Lock()
        self._generation = 0
        self._authenticated = False
        self._slots = asyncio.Semaphore(config.max_concurrency)
        self.sleep: Callable[[float], Any] = asyncio.sleep
        self.transient_codes = TRANSIENT_CODES

    # -- transport, provided by subclasses -------------------------------

    async def _send(
        self, method: str, path: str, params: Mapping[str, str] | None, body: Any
    ) -> Any:
        raise NotImplementedError

    async def _send_url(self, url_path: str) -> Any:
        raise NotImplementedError

    async def _send_csv(self, method: str, path: str, body: str | None) -> str:
        """A Bulk API call whose request or answer is CSV (job data, results)."""
        raise NotImplementedError

    async def _authenticate(self) -> None:
        raise NotImplementedError

    # -- usage -----------------------------------------------------------

    def _observe_limit_header(self, header: str | None) -> None:
        match = _USAGE.search(header or "")
        if match:
            self._usage = ApiUsage(int(match.group(1)), int(match.group(2)))

    def usage(self) -> ApiUsage | None:
        return self._usage

    def should_defer(self, urgent: bool = False) -> bool:
        usage = self._usage
        if urgent or usage is None:
            return False
        return usage.used >= self.config.max_share * usage.limit

    # -- calls -----------------------------------------------------------

    async def _refresh(self, seen_generation: int) -> None:
        async with self._auth_lock:
            if self._authenticated and self._generation != seen_generation:
                return  # another task refreshed while we waited
            await self._authenticate()
            self._authenticated = True
            self._generation += 1

    async def _call(self, send: Callable[[], Any]) -> Any:
        """One API call with the session handling: refresh and retry once on 401."""
        if not self._authenticated:
            await self._refresh(self._generation)
        async with self._slots:
            generation = self._generation
            try:
                return await send()
            except SessionExpired:
                log.info("salesforce session expired; refreshing token")
            await self._refresh(generation)
            try:
                return await send()
            except SessionExpired as exc:
                raise Transient("INVALID_SESSION_ID", str(exc)) from None

    async def _backoff(self, attempt: int) -> None:
        retry = self.config.retry
        delay = min(retry.cap_s, retry.base_s * 2 ** (attempt - 1))
        if retry.jitter:
            delay *= 0.5 + random.random() / 2
        if delay > 0:
            await self.sleep(delay)

    async def _read(self, send: Callable[[], Any]) -> Any:
        attempts = self.config.retry.attempts
        for attempt in range(1, attempts + 1):
            try:
                return await self._call(send)
            except Transient as exc:
                if attempt == attempts:
                    raise SalesforceUnavailable(str(exc)) from None
                log.warning(
                    "salesforce read failed transiently code=%s attempt=%d", exc.code, attempt
                )
                await self._backoff(attempt)
            except CallFailed as exc:
                raise SalesforceRequestError(exc.status, exc.code, exc.message) from None
        raise AssertionError("unreachable")

    async def query(self, soql: str) -> list[dict[str, Any]]:
        page = await self._read(lambda: self._send("GET", "query", {"q": soql}, None))
        records = list(page["records"])
        while not page["done"]:
            next_url = str(page["nextRecordsUrl"])
            page = await self._read(functools.partial(self._send_url, next_url))
            records.extend(page["records"])
        return [_strip_attributes(r) for r in records]

    async def get(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        try:
            found = await self._read(
                lambda: self._send("GET", f"sobjects/{sobject}/{record_id}", None, None)
            )
        except SalesforceRequestError as exc:
            if exc.status == 404:
                return None
            raise
        result: dict[str, Any] = _strip_attributes(found)
        return result

    async def bulk_call(self, method: str, path: str, body: Any) -> Any:
        """One Bulk API 2.0 call, retried like a read; CSV in or out as the resource wants."""
        if isinstance(body, str) or path.endswith(("Results", "unprocessedrecords")):
            return await self._read(functools.partial(self._send_csv, method, path, body))
        return await self._read(functools.partial(self._send, method, path, None, body))

    # -- writes ----------------------------------------------------------

    async def bulk_upsert(
        self, sobject: str, ext_id_field: str, records: Sequence[Record]
    ) -> list[RecordResult]:
        return await BulkUpsert(self).upsert(sobject, ext_id_field, records)

    async def create(self, sobject: str, records: Sequence[Record]) -> list[RecordResult]:
        return await self._write("POST", "composite/sobjects", sobject, records, None)

    async def update(self, sobject: str, records: Sequence[Record]) -> list[RecordResult]:
        return await self._write("PATCH", "composite/sobjects", sobject, records, "Id")

    async def upsert(
        self, sobject: str, ext_id_field: str, records: Sequence[Record]
    ) -> list[RecordResult]:
        path = f"composite/sobjects/{sobject}/{ext_id_field}"
        return await self._write("PATCH", path, sobject, records, ext_id_field)

    async def _write(
        self,
        method: str,
        path: str,
        sobject: str,
        records: Sequence[Record],
        key_field: str | None,
    ) -> list[RecordResult]:
        results: list[RecordResult | None] = [None] * len(records)
        size = self.config.batch_size
        for start in range(0, len(records), size):
            chunk = list(range(start, min(len(records), start + size)))
            try:
                await self._write_chunk(method, path, sobject, records, key_field, chunk, results)
            except ApiLimitExceeded as exc:
                raise ApiLimitExceeded(str(exc), results, self._usage) from None
        return [r for r in results if r is not None]

    async def _write_chunk(
        self,
        method: str,
        path: str,
        sobject: str,
        records: Sequence[Record],
        key_field: str | None,
        chunk: list[int],
        results: list[RecordResult | None],
    ) -> None:
        creating = method == "POST"
        attempts = self.config.retry.attempts

        def key(i: int) -> str | None:
            value = records[i].get(key_field) if key_field else None
            return None if value is None else str(value)

        pending = chunk
        for attempt in range(1, attempts + 1):
            body = {
                "allOrNone": False,
                "records": [{"attributes": {"type": sobject}, **records[i]} for i in pending],
            }
            try:
                answer = await self._call(functools.partial(self._send, method, path, None, body))
            except Transient as exc:
                if attempt == attempts:
                    for i in pending:
                        results[i] = RecordResult(
                            False,
                            error_code=exc.code,
                            message=exc.message,
                            retryable=True,
                            key=key(i),
                        )
                    return
                log.warning(
                    "salesforce write failed transiently code=%s attempt=%d records=%d",
                    exc.code,
                    attempt,
                    len(pending),
                )
                await self._backoff(attempt)
                continue
            except CallFailed as exc:
                for i in pending:
                    results[i] = RecordResult(
                        False,
                        error_code=exc.code,
                        message=exc.message,
                        fields=exc.fields,
                        key=key(i),
                    )
                return
            if not isinstance(answer, list) or len(answer) != len(pending):
                raise SalesforceUnavailable(f"unexpected collections answer for {path}")
            retry = []
            for i, raw in zip(pending, answer, strict=True):
                result = record_result(raw, key(i), creating)
                results[i] = result
                if result.retryable:
                    retry.append(i)
            if not retry:
                return
            pending = retry
            if attempt < attempts:
                await self._backoff(attempt)
