"""Composite API: ``POST composite`` with up to 25 subrequests and references.

Subrequests run through ``RestApi.dispatch`` inside one store transaction and
count as a single API call. ``@{refId.path}`` in a URL or body is replaced by
the value at ``path`` (``id``, ``records[0].Id``...) of an earlier response.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from emulators.salesforce.errors import SfError
from emulators.salesforce.rest import CallContext, Reply, RestApi

MAX_SUBREQUESTS = 25
_REF = re.compile(r"@\{([A-Za-z0-9_]+)\.([^}]+)\}")
_PATH_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_HALTED = "The transaction was rolled back since another operation in the same transaction failed."


class _BadReference(Exception):
    pass


def _lookup(bodies: dict[str, Any], ref: str, path: str) -> Any:
    if ref not in bodies:
        raise _BadReference(ref, path)
    value = bodies[ref]
    for name, index in _PATH_STEP.findall(path):
        try:
            value = value[int(index)] if index else value[name]
        except (KeyError, IndexError, TypeError):
            raise _BadReference(ref, path) from None
    return value


def _substitute(value: Any, bodies: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _REF.fullmatch(value)
        if whole:  # a whole-string reference keeps the referenced JSON type
            return _lookup(bodies, whole.group(1), whole.group(2))
        return _REF.sub(lambda m: str(_lookup(bodies, m.group(1), m.group(2))), value)
    if isinstance(value, dict):
        return {k: _substitute(v, bodies) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, bodies) for v in value]
    return value


def _error_reply(err: SfError) -> Reply:
    return Reply(err.status, err.body())


def _run_one(api: RestApi, sub: dict[str, Any], bodies: dict[str, Any], ctx: CallContext) -> Reply:
    try:
        url = _substitute(str(sub.get("url", "")), bodies)
        body = _substitute(sub.get("body"), bodies)
    except _BadReference as bad:
        ref, path = bad.args
        return _error_reply(
            SfError(
                "PROCESSING_HALTED",
                f"Invalid reference specified. No value for {ref}.{path} found in {ref}. "
                f"Provided referenceId ({ref}) must be a referenceId of a previous successful "
                "subrequest.",
            )
        )
    split = urlsplit(url)
    parts = [p for p in split.path.split("/") if p]
    if parts[:2] != ["services", "data"] or len(parts) < 3 or not parts[2].startswith("v"):
        return _error_reply(
            SfError("NOT_FOUND", f"The requested resource does not exist: {url}", 404)
        )
    if parts[3:4] == ["composite"] and len(parts) == 4:
        return _error_reply(SfError("INVALID_API_INPUT", "Composite requests cannot be nested"))
    sub_ctx = CallContext(ctx.user_id, parts[2][1:], ctx.headers, ctx.lock_record)
    try:
        return api.dispatch(
            str(sub.get("method", "GET")).upper(),
            parts[3:],
            dict(parse_qsl(split.query)),
            body,
            sub_ctx,
        )
    except SfError as err:
        return _error_reply(err)


def handle(api: RestApi, request: Any, ctx: CallContext) -> Reply:
    if not isinstance(request, dict) or not isinstance(request.get("compositeRequest"), list):
        raise SfError("JSON_PARSER_ERROR", "The request body must contain compositeRequest")
    subs: list[dict[str, Any]] = request["compositeRequest"]
    if len(subs) > MAX_SUBREQUESTS:
        raise SfError(
            "INVALID_API_INPUT",
            f"Composite request cannot have more than {MAX_SUBREQUESTS} subrequests",
        )
    all_or_none = bool(request.get("allOrNone", False))
    bodies: dict[str, Any] = {}
    out: list[dict[str, Any]] = []
    failed_at: int | None = None
    with api.store.transaction() as tx:
        for index, sub in enumerate(subs):
            reply = _run_one(api, sub, bodies, ctx)
            ref = str(sub.get("referenceId", ""))
            if reply.status < 400:
                bodies[ref] = reply.body
            out.append(
                {
                    "body": reply.body,
                    "httpHeaders": reply.headers,
                    "httpStatusCode": reply.status,
                    "referenceId": ref,
                }
            )
            if reply.status >= 400 and all_or_none:
                failed_at = index
                tx.rollback()
                break
    if failed_at is not None:
        halted = [{"errorCode": "PROCESSING_HALTED", "message": _HALTED}]
        for index, sub in enumerate(subs):
            if index == failed_at:
                continue
            entry = {
                "body": halted,
                "httpHeaders": {},
                "httpStatusCode": 400,
                "referenceId": str(sub.get("referenceId", "")),
            }
            if index < len(out):
                out[index] = entry
            else:
                out.append(entry)
    return Reply(200, {"compositeResponse": out})
