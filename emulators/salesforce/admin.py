"""Admin endpoints (dev/test only) under ``/admin``.

They can wipe records and inject faults, so when the org has an admin token
(``crosssell up`` and the CLI always set one) every route needs
``Authorization: Bearer <token>`` (401 otherwise); ``/admin/health`` answers
anyone, but names the org only to the token's holder.

GET    /admin/health                       liveness (+ org id with the token)
GET    /admin/usage                        {"used", "limit", "by_kind", "refused"}
POST   /admin/usage                        {"used"?: int, "limit"?: int} set counter/allocation
POST   /admin/faults                       add a fault (see FaultSpec); returns it
GET    /admin/faults / DELETE /admin/faults list / clear faults
POST   /admin/sessions/expire              invalidate every issued token
GET    /admin/users                        username -> user id
GET|PUT /admin/validation-rules            {"enforce": bool, "bypass_users": [username]}
GET    /admin/records/{sobject}            ?field=&value=&limit= records as stored
GET    /admin/records/{sobject}/{id}       one record (live or deleted)
DELETE /admin/records                      wipe all records
GET    /admin/outbound/rules               configured outbound rules
PUT    /admin/outbound/rules               replace rules: [{"object","fields","endpoint_url"}]
GET    /admin/outbound/log                 delivery attempts (?since=index)
GET    /admin/outbound/pending             notifications not yet acknowledged
DELETE /admin/outbound                     drop pending notifications and the log
POST   /admin/reset                        records, usage, faults, sessions, outbound, bulk jobs
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict

from emulators.salesforce.errors import SfError
from emulators.salesforce.faults import KINDS
from emulators.salesforce.org import Org


class FaultSpec(BaseModel):
    """``kind``: lock | lock_record | status | latency | session."""

    model_config = ConfigDict(extra="forbid")
    kind: str
    count: int | None = None
    seconds: float | None = None
    status: int = 503
    latency_ms: int = 0
    after_commit: bool = False
    path_contains: str | None = None


class ValidationRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enforce: bool = True
    bypass_users: list[str] = []


class UsageUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    used: int | None = None
    limit: int | None = None


class OutboundRuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    object: str
    fields: list[str]
    endpoint_url: str
    name: str | None = None
    action_id: str | None = None


def _authorized(org: Org, request: Request) -> bool:
    expected = org.config.admin_token
    if expected is None:
        return True
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        expected.encode(), given.strip().encode()
    )


def admin_router(org: Org) -> APIRouter:
    def require_token(request: Request) -> None:
        if not _authorized(org, request):
            raise HTTPException(
                401, "admin token missing or wrong", headers={"WWW-Authenticate": "Bearer"}
            )

    open_router = APIRouter(prefix="/admin", tags=["admin"])
    router = APIRouter(dependencies=[Depends(require_token)])  # under open_router's prefix

    @open_router.get("/health")
    async def health(request: Request) -> dict[str, Any]:
        if not _authorized(org, request):
            return {"status": "ok"}
        return {"status": "ok", "org_id": org.config.org_id, "base_url": org.base_url}

    @router.get("/usage")
    async def usage() -> dict[str, Any]:
        return org.usage.view()

    @router.post("/usage")
    async def set_usage(update: UsageUpdate) -> dict[str, Any]:
        if update.used is not None:
            org.usage.used = update.used
            if update.used == 0:
                org.usage.by_kind.clear()
                org.usage.refused = 0
        if update.limit is not None:
            org.usage.limit = update.limit
        return org.usage.view()

    @router.post("/faults")
    async def add_fault(spec: FaultSpec) -> dict[str, Any]:
        if spec.kind not in KINDS:
            raise HTTPException(422, f"kind must be one of {', '.join(KINDS)}")
        fault = org.faults.add(**spec.model_dump())
        return {"id": fault.id, "kind": fault.kind}

    @router.get("/faults")
    async def faults() -> list[dict[str, Any]]:
        return org.faults.view()

    @router.delete("/faults")
    async def clear_faults() -> dict[str, int]:
        count = len(org.faults.faults)
        org.faults.clear()
        return {"cleared": count}

    @router.post("/sessions/expire")
    async def expire_sessions() -> dict[str, int]:
        return {"expired": org.sessions.expire_all()}

    @router.get("/users")
    async def users() -> dict[str, str]:
        return dict(org.users.by_name)

    def rules_view() -> dict[str, Any]:
        names = {v: k for k, v in org.users.by_name.items()}
        validator = org.store.validator
        bypass = sorted(names.get(u, u) for u in validator.bypass_users)
        return {"enforce": validator.enforce, "bypass_users": bypass}

    @router.get("/validation-rules")
    async def validation_rules() -> dict[str, Any]:
        return rules_view()

    @router.put("/validation-rules")
    async def set_validation_rules(spec: ValidationRules) -> dict[str, Any]:
        org.store.validator.enforce = spec.enforce
        org.store.validator.bypass_users = {org.users.user_id(u) for u in spec.bypass_users}
        return rules_view()

    @router.get("/records/{sobject}")
    async def records(
        sobject: str, field: str | None = None, value: str | None = None, limit: int = 1000
    ) -> dict[str, Any]:
        obj = _object(org, sobject)
        rows = list(org.store.live[obj.name].values())
        if field is not None:
            fdef = obj.field(field)
            if fdef is None:
                raise HTTPException(404, f"no field {field} on {obj.name}")
            rows = [org.store.live[obj.name][i] for i in org.store.find(obj.name, fdef, value)]
        return {"totalSize": len(rows), "records": rows[:limit]}

    @router.get("/records/{sobject}/{record_id}")
    async def record(sobject: str, record_id: str) -> dict[str, Any]:
        obj = _object(org, sobject)
        found = org.store.live[obj.name].get(record_id) or org.store.deleted[obj.name].get(
            record_id
        )
        if found is None:
            raise HTTPException(404, "record not found")
        return found

    @router.delete("/records")
    async def wipe_records() -> dict[str, str]:
        org.store.reset()
        return {"status": "wiped"}

    @router.get("/outbound/rules")
    async def outbound_rules() -> list[dict[str, Any]]:
        return [rule.public() for rule in org.outbound.rules]

    @router.put("/outbound/rules")
    async def set_outbound_rules(rules: list[OutboundRuleSpec]) -> list[dict[str, Any]]:
        try:
            parsed = org.outbound.configure([r.model_dump(exclude_none=True) for r in rules])
        except (ValueError, SfError) as exc:
            raise HTTPException(422, str(exc)) from None
        return [rule.public() for rule in parsed]

    @router.get("/outbound/log")
    async def outbound_log(since: int = 0) -> list[dict[str, Any]]:
        return list(org.outbound.log)[since:]

    @router.get("/outbound/pending")
    async def outbound_pending() -> list[dict[str, Any]]:
        return org.outbound.pending_view()

    @router.delete("/outbound")
    async def clear_outbound() -> dict[str, str]:
        org.outbound.pending.clear()
        org.outbound.log.clear()
        return {"status": "cleared"}

    @router.post("/reset")
    async def reset() -> dict[str, str]:
        org.store.reset()
        org.reset_bulk()
        org.faults.clear()
        org.sessions.expire_all()
        org.usage.used, org.usage.refused = 0, 0
        org.usage.by_kind.clear()
        org.outbound.pending.clear()
        org.outbound.log.clear()
        return {"status": "reset"}

    open_router.include_router(router)
    return open_router


def _object(org: Org, sobject: str) -> Any:
    try:
        return org.store.object(sobject)
    except SfError:
        raise HTTPException(404, f"unknown sObject {sobject}") from None
