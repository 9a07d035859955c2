"""Bulk API 2.0 ingest jobs: ``/services/data/vXX.X/jobs/ingest``.

Create a job (insert, update, upsert by an external id, delete), PUT its CSV
once, PATCH it to ``UploadComplete``; the emulator then processes it at once,
in chunks of 200 records each in their own transaction, so the next job-info
call reads ``JobComplete`` (or ``Failed`` when the upload could not be read).
Results: ``successfulResults``, ``failedResults`` and ``unprocessedrecords``
as CSV. Each row succeeds or fails alone, as in a real org.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emulators.salesforce import bulk_csv
from emulators.salesforce.errors import SfError, lock_error, not_found
from emulators.salesforce.values import now_string

if TYPE_CHECKING:
    from emulators.salesforce.rest import CallContext, Reply, RestApi

OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
CHUNK = 200
CSV_TYPE = "text/csv"
RECORDS_PER_BATCH = 10_000  # what Salesforce counts as one batch of DailyBulkApiBatches


def bulk_error(message: str, status: int = 400, code: str = "INVALIDJOB") -> SfError:
    return SfError(code, message, status)


@dataclass
class IngestJob:
    id: str
    object: str
    operation: str
    external_id: str | None
    created_by: str
    api_version: str
    delimiter: str = "COMMA"
    line_ending: str = "LF"
    state: str = "Open"
    created: str = field(default_factory=now_string)
    modstamp: str = field(default_factory=now_string)
    data: str | None = None
    header: list[str] = field(default_factory=list)
    succeeded: list[tuple[str, bool, list[str]]] = field(default_factory=list)
    failed: list[tuple[str, str, list[str]]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    error_message: str | None = None
    processing_ms: int = 0

    def info(self, detail: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by,
            "createdDate": self.created,
            "systemModstamp": self.modstamp,
            "state": self.state,
            "externalIdFieldName": self.external_id,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
            "jobType": "V2Ingest",
            "lineEnding": self.line_ending,
            "columnDelimiter": self.delimiter,
        }
        if self.state == "Open":
            out["contentUrl"] = f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"
        if detail:
            out.update(
                numberRecordsProcessed=len(self.succeeded) + len(self.failed),
                numberRecordsFailed=len(self.failed),
                retries=0,
                totalProcessingTime=self.processing_ms,
                apiActiveProcessingTime=self.processing_ms,
                apexProcessingTime=0,
            )
            if self.error_message:
                out["errorMessage"] = self.error_message
        return out


class IngestJobs:
    def __init__(self, api: RestApi, new_id: Any) -> None:
        self.api = api
        self.new_id = new_id
        self.jobs: dict[str, IngestJob] = {}
        self.batches = 0  # DailyBulkApiBatches used

    def dispatch(
        self, method: str, rest: list[str], params: Mapping[str, str], body: Any, ctx: CallContext
    ) -> Reply:
        from emulators.salesforce.rest import Reply

        if not rest:
            if method == "POST":
                return Reply(200, self.create(body, ctx).info(detail=False))
            if method == "GET":
                return Reply(200, self.list_jobs())
            raise not_found()
        job = self.jobs.get(rest[0])
        if job is None:
            raise bulk_error("Job not found", 404, "NOT_FOUND")
        if len(rest) == 1:
            if method == "GET":
                return Reply(200, job.info(detail=True))
            if method == "PATCH":
                return Reply(200, self.set_state(job, body, ctx).info(detail=False))
            if method == "DELETE":
                if job.state in ("Open", "InProgress"):
                    raise bulk_error(f"Job {job.id} can not be deleted in state {job.state}")
                del self.jobs[job.id]
                return Reply(204, None)
        if len(rest) == 2 and rest[1] == "batches" and method == "PUT":
            self.upload(job, body)
            return Reply(201, None)
        if len(rest) == 2 and method == "GET":
            return self.results(job, rest[1])
        raise not_found()

    def create(self, body: Any, ctx: CallContext) -> IngestJob:
        if not isinstance(body, dict):
            raise SfError("JSON_PARSER_ERROR", "The request body must be a JSON object")
        operation = body.get("operation")
        if operation not in OPERATIONS:
            raise bulk_error(f"Invalid operation: {operation}", code="INVALIDJOB")
        obj = self.api.store.object(str(body.get("object", "")))
        external = body.get("externalIdFieldName")
        if operation == "upsert":
            if not external:
                raise bulk_error("External ID was blank for upsert")
            from emulators.salesforce.rest import external_id_field

            external = external_id_field(obj, str(external)).name
        delimiter = str(body.get("columnDelimiter") or "COMMA")
        line_ending = str(body.get("lineEnding") or "LF")
        if delimiter not in bulk_csv.DELIMITERS or line_ending not in bulk_csv.LINE_ENDINGS:
            raise bulk_error("Invalid columnDelimiter or lineEnding")
        if str(body.get("contentType") or "CSV") != "CSV":
            raise bulk_error("Only CSV is supported")
        job = IngestJob(
            self.new_id("750"),
            obj.name,
            operation,
            external if operation == "upsert" else None,
            ctx.user_id,
            ctx.version,
            delimiter,
            line_ending,
        )
        self.jobs[job.id] = job
        return job

    def list_jobs(self) -> dict[str, Any]:
        return {"done": True, "records": [j.info(detail=False) for j in self.jobs.values()]}

    def upload(self, job: IngestJob, body: Any) -> None:
        if job.state != "Open":
            raise bulk_error(f"Job {job.id} is not open for data upload (state {job.state})")
        if job.data is not None:
            raise bulk_error(
                f"Found multiple contents for job: <{job.id}>, please 'Close' / 'Abort' / "
                "'Delete' the current Job then create a new Job and make sure you only do "
                "'PUT' once on a given Job."
            )
        if not isinstance(body, str):
            raise bulk_error("Upload the job data as text/csv", 400, "INVALIDJOB")
        job.data = body

    def set_state(self, job: IngestJob, body: Any, ctx: CallContext) -> IngestJob:
        wanted = body.get("state") if isinstance(body, dict) else None
        if wanted == "Aborted":
            if job.state in ("JobComplete", "Failed", "Aborted"):
                raise bulk_error(f"Job {job.id} is already {job.state}")
            job.state = "Aborted"
        elif wanted == "UploadComplete":
            if job.state != "Open":
                raise bulk_error(f"Job {job.id} is not Open (state {job.state})")
            job.state = "UploadComplete"
            self._process(job, ctx)
            job.modstamp = now_string()
            return _snapshot(job, "UploadComplete")
        else:
            raise bulk_error(f"Invalid state: {wanted}")
        job.modstamp = now_string()
        return job

    def _process(self, job: IngestJob, ctx: CallContext) -> None:
        started = time.perf_counter()
        obj = self.api.store.object(job.object)
        try:
            if not job.data:
                raise bulk_error("No data was found in the uploaded content")
            job.header, rows = bulk_csv.parse(job.data, job.delimiter)
            bulk_csv.check_header(obj, job.header)
        except SfError as err:
            job.state, job.error_message = "Failed", err.message
            return
        self.batches += max(1, -(-len(rows) // RECORDS_PER_BATCH))
        for start in range(0, len(rows), CHUNK):
            with self.api.store.transaction():
                for row in rows[start : start + CHUNK]:
                    self._one(job, obj, row, ctx)
        job.state = "JobComplete"
        job.processing_ms = int((time.perf_counter() - started) * 1000)

    def _one(self, job: IngestJob, obj: Any, row: list[str], ctx: CallContext) -> None:
        store = self.api.store
        values = bulk_csv.body(obj, job.header, row)
        given_id = next((v for k, v in values.items() if k.lower() == "id"), None)
        values = {k: v for k, v in values.items() if k.lower() != "id"}
        try:
            if ctx.lock_record():
                raise lock_error()
            if job.operation == "insert":
                job.succeeded.append((store.create(obj.name, values, ctx.user_id), True, row))
            elif job.operation in ("update", "delete", "hardDelete"):
                if not given_id:
                    raise SfError("MISSING_ARGUMENT", "Id not specified in an update call")
                record_id = store.get(obj.name, str(given_id))["Id"]
                if job.operation == "update":
                    store.update(obj.name, record_id, values, ctx.user_id)
                else:
                    store.delete(obj.name, record_id)
                job.succeeded.append((record_id, False, row))
            else:
                fdef = obj.field(job.external_id or "")
                key = values.get(fdef.name) if fdef is not None else None
                if fdef is None or key in (None, ""):
                    raise SfError("MISSING_ARGUMENT", f"{job.external_id} not specified")
                record_id, created = self.api.upsert_one(obj, fdef, key, values, ctx)
                job.succeeded.append((record_id, created, row))
        except SfError as err:
            job.failed.append((str(given_id or ""), bulk_csv.error_text(err), row))

    def results(self, job: IngestJob, kind: str) -> Reply:
        from emulators.salesforce.rest import Reply

        text: str
        if kind == "successfulResults":
            text = bulk_csv.render(
                ["sf__Id", "sf__Created", *job.header],
                ([rid, created, *row] for rid, created, row in job.succeeded),
                line_ending=job.line_ending,
            )
        elif kind == "failedResults":
            text = bulk_csv.render(
                ["sf__Id", "sf__Error", *job.header],
                ([rid, error, *row] for rid, error, row in job.failed),
                line_ending=job.line_ending,
            )
        elif kind == "unprocessedrecords":
            rows = job.unprocessed
            if job.state in ("Open", "Aborted", "Failed") and job.data and not job.succeeded:
                try:
                    header, rows = bulk_csv.parse(job.data, job.delimiter)
                    job.header = job.header or header
                except SfError:
                    rows = []
            text = bulk_csv.render(job.header, rows, line_ending=job.line_ending)
        else:
            raise not_found()
        if kind != "unprocessedrecords" and job.state not in ("JobComplete", "Failed"):
            raise bulk_error(f"Job {job.id} is not complete (state {job.state})")
        return Reply(200, text, content_type="text/csv")


def _snapshot(job: IngestJob, state: str) -> IngestJob:
    """The job as the PATCH answers it: the state it was moved to, not the one it reached."""
    view = IngestJob(**{**job.__dict__})
    view.state = state
    return view
