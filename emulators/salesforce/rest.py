"""The REST data API below ``/services/data/vXX.X/``, independent of HTTP.

``RestApi.dispatch`` maps (method, path segments, params, JSON body) to a
``Reply`` or raises ``SfError``. The HTTP app, Composite subrequests and the
in-process gateway fake all go through it, so they cannot disagree.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emulators.salesforce import describe
from emulators.salesforce import sobject_collections as coll
from emulators.salesforce.errors import SfError, lock_error, not_found
from emulators.salesforce.schema import FieldDef, ObjectDef
from emulators.salesforce.soql import parse
from emulators.salesforce.soql_columns import column_metadata
from emulators.salesforce.soql_exec import CompiledQuery, Compiler
from emulators.salesforce.soql_results import render, run
from emulators.salesforce.store import Record, Store

MAX_BATCH = 2000
_CURSOR_CAP = 200


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # injected latency the HTTP layer waits before answering
    content_type: str | None = None  # set for non-JSON bodies (CSV, plain text): sent as is


@dataclass
class CallContext:
    user_id: str
    version: str
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    lock_record: Callable[[], bool] = lambda: False  # fault hook, one call per record


@dataclass
class _Cursor:
    query: CompiledQuery
    rows: list[Record]
    batch: int


class RestApi:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.compiler = Compiler(store)
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()
        self.composite: Callable[[dict[str, Any], CallContext], Reply] | None = None
        self.limits: Callable[[], dict[str, Any]] = dict
        # Bulk API 2.0 ("ingest", "query"): set by the Org, which owns the job ids.
        self.jobs: dict[str, Any] = {}
        self.identity_url: Callable[[str], str] | None = None

    def dispatch(
        self,
        method: str,
        parts: list[str],
        params: Mapping[str, str],
        body: Any,
        ctx: CallContext,
    ) -> Reply:
        head = parts[0] if parts else ""
        if not parts:
            resources = self._resources(ctx.version)
            if self.identity_url is not None:  # jsforce's identity() starts here
                resources["identity"] = self.identity_url(ctx.user_id)
            return Reply(200, resources)
        if head == "sobjects":
            return self._sobjects(method, parts[1:], params, body, ctx)
        if head in ("query", "queryAll") and method == "GET":
            if len(parts) == 1 and params.get("columns", "").lower() == "true":
                return Reply(200, column_metadata(self.compiler.compile(parse(params["q"]))))
            if len(parts) == 1:
                return self.query(params.get("q", ""), ctx, include_deleted=head == "queryAll")
            if len(parts) == 2:
                return self.query_more(parts[1], ctx)
        if head == "limits" and method == "GET" and len(parts) == 1:
            return Reply(200, self.limits())
        if head == "jobs" and len(parts) >= 2 and parts[1] in self.jobs:
            return self.jobs[parts[1]].dispatch(method, parts[2:], params, body, ctx)
        if head == "composite":
            if len(parts) >= 2 and parts[1] == "sobjects":
                return coll.handle(self, method, parts[2:], params, body, ctx)
            if len(parts) == 1 and method == "POST" and self.composite is not None:
                return self.composite(body, ctx)
        raise not_found()

    @staticmethod
    def _resources(version: str) -> dict[str, str]:
        base = f"/services/data/v{version}"
        names = ("sobjects", "query", "queryAll", "composite", "limits", "jobs")
        return {name: f"{base}/{name}" for name in names}

    # -- sObject resources --------------------------------------------------

    def _sobjects(
        self,
        method: str,
        rest: list[str],
        params: Mapping[str, str],
        body: Any,
        ctx: CallContext,
    ) -> Reply:
        if not rest:
            if method != "GET":
                raise _method_not_allowed(method, "GET")
            objects = list(self.store.schema.values())
            return Reply(200, describe.global_describe(objects, ctx.version))
        obj = self.store.object(rest[0])
        if len(rest) == 1:
            if method == "POST":
                return self.create(obj, _json_object(body), ctx)
            if method == "GET":
                summary = describe.object_summary(obj, ctx.version)
                return Reply(200, {"objectDescribe": summary, "recentItems": []})
            raise _method_not_allowed(method, "GET, POST")
        if len(rest) == 2 and rest[1] == "describe" and method == "GET":
            return Reply(200, describe.describe(obj, ctx.version))
        if len(rest) == 2:
            return self._by_id(method, obj, rest[1], params, body, ctx)
        if len(rest) == 3:
            return self._by_external_id(method, obj, rest[1], rest[2], params, body, ctx)
        raise not_found()

    def _by_id(
        self,
        method: str,
        obj: ObjectDef,
        record_id: str,
        params: Mapping[str, str],
        body: Any,
        ctx: CallContext,
    ) -> Reply:
        if method == "GET":
            return Reply(200, self.render(obj, self.store.get(obj.name, record_id), ctx, params))
        if ctx.lock_record():
            raise lock_error()
        with self.store.transaction():
            if method == "PATCH":
                self.store.update(obj.name, record_id, _json_object(body), ctx.user_id)
            elif method == "DELETE":
                self.store.delete(obj.name, record_id)
            else:
                raise _method_not_allowed(method, "GET, PATCH, DELETE")
        return Reply(204, None)

    def _by_external_id(
        self,
        method: str,
        obj: ObjectDef,
        field_name: str,
        value: str,
        params: Mapping[str, str],
        body: Any,
        ctx: CallContext,
    ) -> Reply:
        fdef = external_id_field(obj, field_name)
        matches = self.store.find(obj.name, fdef, value)
        if len(matches) > 1 and method in ("GET", "PATCH", "DELETE"):
            urls = [f"/services/data/v{ctx.version}/sobjects/{obj.name}/{m}" for m in matches]
            return Reply(300, urls)
        if method == "GET":
            if not matches:
                raise not_found()
            return Reply(200, self.render(obj, self.store.get(obj.name, matches[0]), ctx, params))
        if method == "DELETE":
            return self._by_id("DELETE", obj, matches[0] if matches else value, params, None, ctx)
        if method != "PATCH":
            raise _method_not_allowed(method, "GET, PATCH, DELETE")
        if ctx.lock_record():
            raise lock_error()
        with self.store.transaction():
            record_id, created = self.upsert_one(obj, fdef, value, _json_object(body), ctx)
        result = {"id": record_id, "success": True, "errors": [], "created": created}
        return Reply(201 if created else 200, result)

    def create(self, obj: ObjectDef, body: dict[str, Any], ctx: CallContext) -> Reply:
        if any(k.lower() == "id" for k in body):
            raise SfError(
                "INVALID_FIELD", "The Id field should not be specified in the sobject data."
            )
        if ctx.lock_record():
            raise lock_error()
        with self.store.transaction():
            record_id = self.store.create(obj.name, body, ctx.user_id)
        location = f"/services/data/v{ctx.version}/sobjects/{obj.name}/{record_id}"
        return Reply(201, {"id": record_id, "success": True, "errors": []}, {"Location": location})

    def upsert_one(
        self,
        obj: ObjectDef,
        fdef: FieldDef,
        value: Any,
        body: dict[str, Any],
        ctx: CallContext,
    ) -> tuple[str, bool]:
        """Create or update the record whose ``fdef`` is ``value``; (id, created)."""
        for key, given in body.items():
            if obj.field(key) is fdef and given is not None and str(given) != str(value):
                # The key is the URL's (or the record's own) value; the body may not move it.
                raise SfError(
                    "INVALID_FIELD",
                    f"The value of the external ID field {fdef.name} in the request body "
                    f"({given}) doesn't match the value in the URL ({value})",
                    400,
                    [fdef.name],
                )
        body = {k: v for k, v in body.items() if obj.field(k) is not fdef}
        matches = self.store.find(obj.name, fdef, value)
        if len(matches) > 1:
            raise SfError(
                "DUPLICATE_EXTERNAL_ID",
                f"{fdef.name}: more than one record found for external id field: "
                f"[{', '.join(matches)}]",
                300,
                [fdef.name],
            )
        if matches:
            self.store.update(obj.name, matches[0], body, ctx.user_id)
            return matches[0], False
        if fdef.name == "Id":
            raise not_found()
        return self.store.create(obj.name, {**body, fdef.name: value}, ctx.user_id), True

    def render(
        self, obj: ObjectDef, record: Record, ctx: CallContext, params: Mapping[str, str]
    ) -> dict[str, Any]:
        names = list(obj.fields)
        if params.get("fields"):
            names = []
            for raw in params["fields"].split(","):
                fdef = obj.field(raw.strip())
                if fdef is None:
                    raise SfError(
                        "INVALID_FIELD", f"No such column '{raw}' on sobject of type {obj.name}"
                    )
                names.append(fdef.name)
        url = f"/services/data/v{ctx.version}/sobjects/{obj.name}/{record['Id']}"
        out: dict[str, Any] = {"attributes": {"type": obj.name, "url": url}}
        out.update((name, record.get(name)) for name in names)
        return out

    # -- SOQL ---------------------------------------------------------------

    def query(self, soql: str, ctx: CallContext, include_deleted: bool = False) -> Reply:
        if not soql.strip():
            raise SfError("MALFORMED_QUERY", "unexpected token: <EOF>")
        compiled = self.compiler.compile(parse(soql))
        rows = run(self.store, compiled, include_deleted)
        if compiled.count_only:
            return Reply(200, {"totalSize": len(rows), "done": True, "records": []})
        return Reply(200, self._page(_Cursor(compiled, rows, _batch_size(ctx)), None, 0, ctx))

    def query_more(self, locator: str, ctx: CallContext) -> Reply:
        key, _, offset = locator.rpartition("-")
        cursor = self._cursors.get(key)
        if cursor is None or not offset.isdigit():
            raise SfError("INVALID_QUERY_LOCATOR", "invalid query locator")
        return Reply(200, self._page(cursor, key, int(offset), ctx))

    def _page(self, cursor: _Cursor, key: str | None, start: int, ctx: CallContext) -> Any:
        end = start + cursor.batch
        records = [render(cursor.query, r, ctx.version) for r in cursor.rows[start:end]]
        page: dict[str, Any] = {"totalSize": len(cursor.rows), "done": end >= len(cursor.rows)}
        if page["done"]:
            if key is not None:
                self._cursors.pop(key, None)
        else:
            if key is None:
                key = "01g" + secrets.token_hex(8)[:15]
                self._cursors[key] = cursor
                while len(self._cursors) > _CURSOR_CAP:
                    self._cursors.popitem(last=False)
            page["nextRecordsUrl"] = f"/services/data/v{ctx.version}/query/{key}-{end}"
        page["records"] = records
        return page


def external_id_field(obj: ObjectDef, name: str) -> FieldDef:
    fdef = obj.field(name)
    if fdef is None or not (fdef.external_id or fdef.name == "Id"):
        raise SfError(
            "NOT_FOUND",
            f"Provided external ID field does not exist or is not accessible: {name}",
            404,
        )
    return fdef


def _batch_size(ctx: CallContext) -> int:
    options = ctx.headers.get("sforce-query-options", "")
    for part in options.split(","):
        name, _, value = part.strip().partition("=")
        if name == "batchSize" and value.isdigit():
            return max(200, min(MAX_BATCH, int(value)))
    return MAX_BATCH


def _json_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise SfError("JSON_PARSER_ERROR", "The request body must be a JSON object")
    return body


def _method_not_allowed(method: str, allowed: str) -> SfError:
    return SfError(
        "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {allowed}", 405
    )
