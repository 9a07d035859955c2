"""sObject Collections: ``composite/sobjects`` create, update, upsert, delete.

Up to 200 records per call, HTTP 200 with one result per record in order;
per-record errors carry ``statusCode``. With ``allOrNone`` the transaction is
rolled back and every other record reports ALL_OR_NONE_OPERATION_ROLLED_BACK.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from emulators.salesforce.errors import SfError, lock_error, not_found, rolled_back
from emulators.salesforce.ids import to18

if TYPE_CHECKING:
    from emulators.salesforce.rest import CallContext, Reply, RestApi

MAX_RECORDS = 200


def _too_many() -> SfError:
    return SfError(
        "EXCEEDED_ID_LIMIT",
        f"record limit reached. cannot submit more than {MAX_RECORDS} records into this call",
    )


def handle(
    api: RestApi,
    method: str,
    rest: list[str],
    params: Mapping[str, str],
    body: Any,
    ctx: CallContext,
) -> Reply:
    from emulators.salesforce.rest import Reply

    if method == "DELETE" and not rest:
        ids = [i for i in params.get("ids", "").split(",") if i]
        all_or_none = params.get("allOrNone", "false").lower() == "true"
        return Reply(200, _run(api, "delete", [{"Id": i} for i in ids], all_or_none, ctx))
    if len(rest) == 1 and method in ("GET", "POST"):
        return Reply(200, _retrieve(api, rest[0], params, body, ctx))
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise SfError("JSON_PARSER_ERROR", "The request body must contain a records array")
    records: list[Any] = body["records"]
    all_or_none = bool(body.get("allOrNone", False))
    if method == "POST" and not rest:
        return Reply(200, _run(api, "create", records, all_or_none, ctx))
    if method == "PATCH" and not rest:
        return Reply(200, _run(api, "update", records, all_or_none, ctx))
    if method == "PATCH" and len(rest) == 2:
        return Reply(200, _run(api, "upsert", records, all_or_none, ctx, rest[0], rest[1]))
    raise not_found()


def _run(
    api: RestApi,
    op: str,
    records: list[Any],
    all_or_none: bool,
    ctx: CallContext,
    sobject: str | None = None,
    ext_field: str | None = None,
) -> list[dict[str, Any]]:
    from emulators.salesforce.rest import external_id_field

    if len(records) > MAX_RECORDS:
        raise _too_many()
    ext = None
    repeated: Counter[str] = Counter()
    if op == "upsert":
        assert sobject is not None and ext_field is not None
        upsert_obj = api.store.object(sobject)
        ext = external_id_field(upsert_obj, ext_field)
        repeated = Counter(
            str(r.get(ext.name)).lower()
            for r in records
            if isinstance(r, dict) and r.get(ext.name) is not None
        )
    results: list[dict[str, Any]] = []
    failed = False
    with api.store.transaction() as tx:
        for raw in records:
            # The REST docs (and jsforce) spell the key "id"; Salesforce takes any case.
            given_id = _record_id(raw)
            try:
                if not isinstance(raw, dict):
                    raise SfError("JSON_PARSER_ERROR", "Each record must be a JSON object")
                if ctx.lock_record():
                    raise lock_error()
                if op == "delete":
                    obj = _object_of_id(api, raw["Id"])
                    api.store.delete(obj, raw["Id"])
                    results.append({"id": to18(raw["Id"]), "success": True, "errors": []})
                    continue
                obj_def = api.store.object(_record_type(raw, sobject))
                values = {k: v for k, v in raw.items() if k != "attributes" and k.lower() != "id"}
                if op == "create":
                    if given_id:
                        raise SfError("INVALID_FIELD", "cannot specify Id in an insert call")
                    new_id = api.store.create(obj_def.name, values, ctx.user_id)
                    results.append({"id": new_id, "success": True, "errors": []})
                elif op == "update":
                    if not given_id:
                        raise SfError("MISSING_ARGUMENT", "Id not specified in an update call")
                    api.store.update(obj_def.name, given_id, values, ctx.user_id)
                    results.append({"id": to18(given_id), "success": True, "errors": []})
                else:
                    assert ext is not None
                    key = raw.get(ext.name)
                    if key is None or key == "":
                        raise SfError("MISSING_ARGUMENT", f"{ext.name} not specified")
                    if repeated[str(key).lower()] > 1:
                        raise SfError(
                            "DUPLICATE_EXTERNAL_ID",
                            f"Duplicate external id specified: {key}",
                            400,
                            [ext.name],
                        )
                    rid, created = api.upsert_one(obj_def, ext, key, values, ctx)
                    results.append({"id": rid, "success": True, "errors": [], "created": created})
            except SfError as err:
                failed = True
                result: dict[str, Any] = {"success": False, "errors": [err.as_record_error()]}
                if op in ("update", "delete") and isinstance(given_id, str):
                    result = {"id": to18(given_id), **result}
                results.append(result)
        if failed and all_or_none:
            tx.rollback()
    if failed and all_or_none:
        for index, result in enumerate(results):
            if result["success"]:
                rolled = {"success": False, "errors": [rolled_back().as_record_error()]}
                if op in ("update", "delete"):
                    rolled = {"id": result["id"], **rolled}
                results[index] = rolled
    return results


def _record_id(raw: Any) -> Any:
    if not isinstance(raw, dict):
        return None
    return next((v for k, v in raw.items() if k.lower() == "id"), None)


def _retrieve(
    api: RestApi, sobject: str, params: Mapping[str, str], body: Any, ctx: CallContext
) -> list[dict[str, Any] | None]:
    """Records by id, in the order asked, null where none; GET (query) or POST (JSON)."""
    if isinstance(body, dict):
        ids, fields = body.get("ids"), body.get("fields")
    else:
        ids = [i for i in params.get("ids", "").split(",") if i]
        fields = [f for f in params.get("fields", "").split(",") if f]
    if not isinstance(ids, list) or not isinstance(fields, list) or not fields:
        raise SfError("INVALID_FIELD", "The fields parameter must be specified")
    if len(ids) > 2000:
        raise SfError("EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 2000")
    obj = api.store.object(sobject)
    wanted = {"fields": ",".join(str(f) for f in fields)}
    out: list[dict[str, Any] | None] = []
    for raw_id in ids:
        record = api.store.live[obj.name].get(to18(str(raw_id)))
        out.append(None if record is None else api.render(obj, record, ctx, wanted))
    return out


def _record_type(raw: dict[str, Any], sobject: str | None) -> str:
    attributes = raw.get("attributes")
    declared = attributes.get("type") if isinstance(attributes, dict) else None
    if declared is None and sobject is None:
        raise SfError("INVALID_TYPE", "Must send a concrete entity type.")
    if sobject is not None and declared is not None and declared.lower() != sobject.lower():
        raise SfError("INVALID_TYPE", f"Record type {declared} does not match {sobject}")
    return str(declared or sobject)


def _object_of_id(api: RestApi, record_id: str) -> str:
    prefix = to18(record_id)[:3]
    for name, obj in api.store.schema.items():
        if obj.key_prefix == prefix:
            return name
    raise SfError("MALFORMED_ID", f"malformed id {record_id}")
