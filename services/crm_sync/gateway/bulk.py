"""Bulk API 2.0 upserts for the gateway core: one ingest job per ``bulk_job_size`` records.

A job costs a fixed handful of calls whatever its size — create, upload the
CSV, close, poll until done, read the successful and the failed results (and
the unprocessed records only when some row has no result) — so a backfill of
100,000 records costs tens of calls where Collections needs 500.

Each input record gets a ``RecordResult``, matched to the result rows by its
external id. A row Salesforce failed for a transient reason (lock
contention) is sent again through Collections, which retries it with
backoff; any other failed row is reported with its error; a row that has no
result at all is reported as retryable. Nothing is dropped.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from services.crm_sync.gateway.port import (
    ApiLimitExceeded,
    Record,
    RecordResult,
    SalesforceUnavailable,
)

if TYPE_CHECKING:
    from services.crm_sync.gateway.core import GatewayCore

log = logging.getLogger(__name__)

NULL = "#N/A"  # Bulk API's "set this field to null"; an empty cell leaves it alone
FINAL_STATES = ("JobComplete", "Failed", "Aborted")


def to_csv(records: Sequence[Record]) -> str:
    """CSV of the records; ``{"Account": {"Ext__c": v}}`` becomes column ``Account.Ext__c``."""
    flat = [_flatten(r) for r in records]
    header: dict[str, None] = {}
    for row in flat:
        header.update(dict.fromkeys(row))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in flat:
        writer.writerow([row.get(name, "") for name in header])
    return buffer.getvalue()


def _flatten(record: Record) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, Mapping):
            for child, inner in value.items():
                if child != "attributes":
                    out[f"{key}.{child}"] = _cell(inner)
        else:
            out[key] = _cell(value)
    return out


def _cell(value: Any) -> str:
    if value is None or value == "":
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_error(text: str) -> tuple[str, str, tuple[str, ...]]:
    """``CODE:message:Field1,Field2 --`` -> (code, message, fields)."""
    body = text.removesuffix(" --").removesuffix("--").strip()
    code, _, rest = body.partition(":")
    message, _, fields = rest.rpartition(":")
    if not message:  # no fields part
        message, fields = rest, ""
    return code, message, tuple(f for f in fields.split(",") if f)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


class BulkUpsert:
    """``GatewayCore.bulk_upsert`` lives here to keep the core about Collections."""

    def __init__(self, core: GatewayCore) -> None:
        self.core = core

    async def upsert(
        self, sobject: str, ext_field: str, records: Sequence[Record]
    ) -> list[RecordResult]:
        results: list[RecordResult | None] = [None] * len(records)
        size = self.core.config.bulk_job_size
        for start in range(0, len(records), size):
            chunk = list(range(start, min(len(records), start + size)))
            try:
                await self._job(sobject, ext_field, records, chunk, results)
            except ApiLimitExceeded as exc:
                raise ApiLimitExceeded(str(exc), results, self.core.usage()) from None
        retry = [i for i, r in enumerate(results) if r is not None and r.retryable]
        if retry:  # lock contention: Collections retries these with backoff
            log.info("bulk rows retried through collections records=%d", len(retry))
            again = await self.core.upsert(sobject, ext_field, [records[i] for i in retry])
            for i, result in zip(retry, again, strict=True):
                results[i] = result
        return [r for r in results if r is not None]

    async def _job(
        self,
        sobject: str,
        ext_field: str,
        records: Sequence[Record],
        chunk: list[int],
        results: list[RecordResult | None],
    ) -> None:
        core = self.core
        body = {
            "object": sobject,
            "operation": "upsert",
            "externalIdFieldName": ext_field,
            "contentType": "CSV",
            "lineEnding": "LF",
        }
        job = await core.bulk_call("POST", "jobs/ingest", body)
        path = f"jobs/ingest/{job['id']}"
        await core.bulk_call("PUT", f"{path}/batches", to_csv([records[i] for i in chunk]))
        await core.bulk_call("PATCH", path, {"state": "UploadComplete"})
        info = await self._wait(path)
        keys = {i: str(records[i].get(ext_field)) for i in chunk}
        waiting: dict[str, list[int]] = {}
        for i in chunk:
            waiting.setdefault(keys[i], []).append(i)

        def take(key: str | None) -> int | None:
            slots = waiting.get(key or "")
            return slots.pop(0) if slots else None

        if info["state"] == "JobComplete":
            for row in _rows(await core.bulk_call("GET", f"{path}/successfulResults", None)):
                if (done := take(row.get(ext_field))) is not None:
                    created = row.get("sf__Created", "").lower() == "true"
                    results[done] = RecordResult(True, row.get("sf__Id"), created, key=keys[done])
            for row in _rows(await core.bulk_call("GET", f"{path}/failedResults", None)):
                if (failed := take(row.get(ext_field))) is not None:
                    code, message, fields = parse_error(row.get("sf__Error", ""))
                    results[failed] = RecordResult(
                        False,
                        row.get("sf__Id") or None,
                        error_code=code,
                        message=message,
                        fields=fields,
                        retryable=code in core.transient_codes,
                        key=keys[failed],
                    )
        reason = info.get("errorMessage") or f"bulk job ended {info['state']}"
        final = info["state"] == "Failed"  # the upload itself was refused: fix the data
        for slots in waiting.values():
            for i in slots:
                results[i] = RecordResult(
                    False,
                    error_code="BULK_JOB_FAILED" if final else "BULK_UNPROCESSED",
                    message=str(reason)[:500],
                    retryable=not final,
                    key=keys[i],
                )
        if any(waiting.values()):
            log.warning("bulk job left records without a result job=%s", job["id"])

    async def _wait(self, path: str) -> dict[str, Any]:
        core = self.core
        delay = core.config.bulk_poll_s
        for _ in range(core.config.bulk_max_polls):
            info: dict[str, Any] = await core.bulk_call("GET", path, None)
            if info.get("state") in FINAL_STATES:
                return info
            await core.sleep(delay)
            delay = min(delay * 2, 10.0)
        raise SalesforceUnavailable(f"bulk job {path} did not finish in time")
