"""Salesforce notifications in, sync status out (thin: HTTP -> handler -> answer).

``POST /v1/salesforce/outbound-message``: a SOAP Outbound Message. The Ack is
sent only after the notifications are recorded and applied in one commit;
anything else (too big, not ours, unparsable, our own failure) is a SOAP
fault without an Ack, so Salesforce keeps the message and retries it — except
that a refusal records nothing.

``POST /v1/salesforce/webhook``: the same for HMAC-signed JSON
(``X-Crosssell-Signature``, ``SF_WEBHOOK_SECRET``).

``GET /v1/sync/status`` (read scope): the write queue and API usage.
"""

from __future__ import annotations

import hmac
import time
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.crm_sync.adapters.status import queue_status
from services.crm_sync.domain import (
    SignatureError,
    SoapParseError,
    WebhookParseError,
    ack_response,
    parse_outbound_message,
    parse_webhook,
    soap_fault,
    verify_signature,
)
from services.crm_sync.domain.feedback import same_salesforce_id
from services.crm_sync.domain.webhook import SIGNATURE_HEADER
from services.crm_sync.service import CrmSyncRuntime
from shared.auth import ReadScope
from shared.logs import get_logger

log = get_logger(__name__)
router = APIRouter(tags=["salesforce"])
XML = "text/xml; charset=utf-8"


def get_crm(request: Request) -> CrmSyncRuntime:
    runtime = request.app.state.runtime
    if not isinstance(runtime, CrmSyncRuntime):
        raise RuntimeError("crm_sync routes need the crm_sync runtime")
    return runtime


CrmDep = Annotated[CrmSyncRuntime, Depends(get_crm)]


class TooLarge(Exception):
    pass


async def read_limited(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _fault(status: int, reason: str, *, server: bool = False) -> Response:
    return Response(soap_fault(reason, server=server), status_code=status, media_type=XML)


def _same_org(given: str, configured: str) -> bool:
    return same_salesforce_id(given.strip(), configured.strip())


@router.post(
    "/v1/salesforce/outbound-message",
    response_class=Response,
    responses={
        200: {"description": "Ack: recorded and applied", "content": {"text/xml": {}}},
        400: {"description": "not an Outbound Message (SOAP fault)"},
        403: {"description": "wrong OrganizationId or token (SOAP fault, nothing recorded)"},
        413: {"description": "body too large (SOAP fault)"},
        500: {"description": "not recorded; Salesforce will retry (SOAP fault)"},
    },
)
async def outbound_message(
    request: Request,
    crm: CrmDep,
    token: Annotated[str | None, Query(description="the shared SF_OUTBOUND_TOKEN")] = None,
) -> Response:
    settings = crm.crm_settings
    try:
        body = await read_limited(request, settings.sf_max_body_bytes)
    except TooLarge:
        return _fault(413, f"body larger than {settings.sf_max_body_bytes} bytes")
    expected = settings.sf_outbound_token
    if expected is not None and not (
        token and hmac.compare_digest(expected.get_secret_value().encode(), token.encode())
    ):
        return _fault(403, "outbound message token missing or wrong")
    try:
        message = parse_outbound_message(body, max_bytes=settings.sf_max_body_bytes)
    except SoapParseError as exc:
        return _fault(400, exc.reason)
    if not _same_org(message.organization_id, settings.sf_org_id):
        log.warning("outbound_message_wrong_org", organization_id=message.organization_id)
        return _fault(403, "OrganizationId does not match this integration")
    try:
        result = await crm.receive(
            message.notifications,
            source="outbound",
            absent_is_blank=settings.sf_outbound_fields,
        )
    except Exception as exc:
        log.error("outbound_message_not_recorded", error=repr(exc)[:300])
        return _fault(500, "notifications not recorded; retry later", server=True)
    log.info("outbound_message_acked", **vars(result))
    return Response(ack_response(), media_type=XML)


class WebhookAnswer(BaseModel):
    received: int
    new: int
    applied: int
    echoes: int


@router.post(
    "/v1/salesforce/webhook",
    response_model=WebhookAnswer,
    responses={
        400: {"description": "body is not a valid notification batch"},
        401: {"description": "signature missing, stale or wrong"},
        403: {"description": "wrong organization id (nothing recorded)"},
        413: {"description": "body too large"},
    },
)
async def webhook(request: Request, crm: CrmDep) -> Any:
    settings = crm.crm_settings
    try:
        body = await read_limited(request, settings.sf_max_body_bytes)
    except TooLarge:
        return JSONResponse({"detail": "body too large"}, status_code=413)
    secret = settings.sf_webhook_secret
    if secret is None or not secret.get_secret_value():
        return JSONResponse({"detail": "no webhook secret is configured"}, status_code=401)
    try:
        verify_signature(
            secret.get_secret_value().encode(),
            request.headers.get(SIGNATURE_HEADER),
            body,
            int(time.time()),
        )
    except SignatureError as exc:
        return JSONResponse({"detail": f"signature refused: {exc.reason}"}, status_code=401)
    try:
        notifications = parse_webhook(body, max_bytes=settings.sf_max_body_bytes)
    except WebhookParseError as exc:
        return JSONResponse({"detail": exc.reason}, status_code=400)
    if any(not _same_org(n.organization_id, settings.sf_org_id) for n in notifications):
        return JSONResponse({"detail": "organization_id does not match"}, status_code=403)
    result = await crm.receive([n.to_notification() for n in notifications], source="webhook")
    return WebhookAnswer(
        received=result.received, new=result.new, applied=result.applied, echoes=result.echoes
    )


class ApiUsageView(BaseModel):
    used: int
    limit: int
    share: float
    max_share: float


class SyncStatus(BaseModel):
    pending: int
    pending_by_kind: dict[str, int]
    urgent: int
    retrying: int
    deferred: int
    deferring: bool
    allocation_spent: bool
    oldest_pending_at: datetime | None
    failed: int
    failures_by_code: dict[str, int]
    last_success_at: datetime | None
    api_usage: ApiUsageView | None
    integration_user_id: str | None


@router.get("/v1/sync/status", response_model=SyncStatus, tags=["sync"])
async def sync_status(crm: CrmDep, _: ReadScope) -> SyncStatus:
    writer = crm.writer
    deferring = crm.gateway.should_defer(urgent=False)
    async with crm.sessions() as session:
        queue = await queue_status(session, deferring=deferring)
    usage = crm.gateway.usage()
    return SyncStatus(
        **queue,
        deferring=deferring,
        allocation_spent=writer.state.limited,
        api_usage=(
            ApiUsageView(
                used=usage.used,
                limit=usage.limit,
                share=round(usage.share, 4),
                max_share=crm.crm_settings.sf_max_api_share,
            )
            if usage is not None
            else None
        ),
        integration_user_id=crm.identity.user_id,
    )
