"""Bulk API 2.0 query jobs: ``/services/data/vXX.X/jobs/query``.

The query runs when the job is created (a bad query is refused then, with
the REST errors); results are CSV pages read with ``maxRecords`` and the
``Sforce-Locator`` header, ``Sforce-NumberOfRecords`` giving each page's size.
Relationship columns are named by their path (``Owner.Name``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emulators.salesforce import bulk_csv
from emulators.salesforce.bulk_ingest import bulk_error
from emulators.salesforce.errors import SfError, not_found
from emulators.salesforce.soql import parse
from emulators.salesforce.soql_results import run
from emulators.salesforce.values import now_string

if TYPE_CHECKING:
    from emulators.salesforce.rest import CallContext, Reply, RestApi

DEFAULT_PAGE = 50_000


@dataclass
class QueryJob:
    id: str
    operation: str
    object: str
    query: str
    created_by: str
    api_version: str
    delimiter: str
    line_ending: str
    header: list[str]
    rows: list[list[Any]]
    state: str = "UploadComplete"
    created: str = field(default_factory=now_string)

    def info(self, detail: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by,
            "createdDate": self.created,
            "systemModstamp": self.created,
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
            "lineEnding": self.line_ending,
            "columnDelimiter": self.delimiter,
        }
        if detail:
            out.update(
                jobType="V2Query",
                numberRecordsProcessed=len(self.rows),
                retries=0,
                totalProcessingTime=0,
            )
        return out


class QueryJobs:
    def __init__(self, api: RestApi, new_id: Any) -> None:
        self.api = api
        self.new_id = new_id
        self.jobs: dict[str, QueryJob] = {}
        self.created = 0  # DailyBulkV2QueryJobs used

    def dispatch(
        self, method: str, rest: list[str], params: Mapping[str, str], body: Any, ctx: CallContext
    ) -> Reply:
        from emulators.salesforce.rest import Reply

        if not rest:
            if method == "POST":
                return Reply(200, self.create(body, ctx).info(detail=False))
            if method == "GET":
                return Reply(
                    200, {"done": True, "records": [j.info(False) for j in self.jobs.values()]}
                )
            raise not_found()
        job = self.jobs.get(rest[0])
        if job is None:
            raise bulk_error("Job not found", 404, "NOT_FOUND")
        if len(rest) == 1 and method == "GET":
            # Processing finished when the job was created; the first look sees it done.
            if job.state == "UploadComplete":
                job.state = "JobComplete"
            return Reply(200, job.info(detail=True))
        if len(rest) == 1 and method == "PATCH":
            if not isinstance(body, dict) or body.get("state") != "Aborted":
                raise bulk_error("Invalid state")
            job.state = "Aborted"
            return Reply(200, job.info(detail=False))
        if len(rest) == 1 and method == "DELETE":
            del self.jobs[job.id]
            return Reply(204, None)
        if len(rest) == 2 and rest[1] == "results" and method == "GET":
            return self.results(job, params)
        raise not_found()

    def create(self, body: Any, ctx: CallContext) -> QueryJob:
        if not isinstance(body, dict):
            raise SfError("JSON_PARSER_ERROR", "The request body must be a JSON object")
        operation = body.get("operation", "query")
        if operation not in ("query", "queryAll"):
            raise bulk_error(f"Invalid operation: {operation}")
        delimiter = str(body.get("columnDelimiter") or "COMMA")
        line_ending = str(body.get("lineEnding") or "LF")
        if delimiter not in bulk_csv.DELIMITERS or line_ending not in bulk_csv.LINE_ENDINGS:
            raise bulk_error("Invalid columnDelimiter or lineEnding")
        soql = str(body.get("query") or "")
        compiled = self.api.compiler.compile(parse(soql))
        if compiled.aggregate or compiled.children:
            raise SfError(
                "FeatureNotEnabled",
                "Aggregate queries and child relationship queries are not supported by Bulk API",
                400,
            )
        records = run(self.api.store, compiled, operation == "queryAll")
        header = [".".join(c.path) for c in compiled.columns]
        rows = [[c.get(r) for c in compiled.columns] for r in records]
        job = QueryJob(
            self.new_id("750"),
            operation,
            compiled.obj.name,
            soql,
            ctx.user_id,
            ctx.version,
            delimiter,
            line_ending,
            header,
            rows,
        )
        self.jobs[job.id] = job
        self.created += 1
        return job

    def results(self, job: QueryJob, params: Mapping[str, str]) -> Reply:
        from emulators.salesforce.rest import Reply

        if job.state == "UploadComplete":
            job.state = "JobComplete"
        if job.state != "JobComplete":
            raise bulk_error(f"Job {job.id} is not complete (state {job.state})")
        size = int(params.get("maxRecords") or DEFAULT_PAGE)
        locator = params.get("locator") or "0"
        start = int(locator) if locator.isdigit() else -1
        if start < 0 or start > len(job.rows):
            raise bulk_error(f"Invalid locator: {locator}", 400, "INVALID_LOCATOR")
        page = job.rows[start : start + size]
        end = start + len(page)
        text = bulk_csv.render(job.header, page, job.delimiter, job.line_ending)
        headers = {
            "Sforce-NumberOfRecords": str(len(page)),
            "Sforce-Locator": str(end) if end < len(job.rows) else "null",
        }
        return Reply(200, text, headers, content_type="text/csv")
