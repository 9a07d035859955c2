"""Inbound pushes: canonical events, ChurnZero actions, Gainsight rule payloads.

202 only after every accepted event is in the ingest journal (PostgreSQL); a
relay publishes it to the broker, so a broker outage alone refuses nothing.
503 (and nothing recorded) when PostgreSQL is away; per-event rejections name
the field; 413 over the size limit; 401 when the sender is not who it claims.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from services.signal_ingest.ingest import auth
from services.signal_ingest.ingest.body import decode_json, read_limited
from services.signal_ingest.ingest.journal import accept
from services.signal_ingest.settings import SignalIngestSettings
from shared.kafka.errors import is_infrastructure
from shared.logs import get_logger
from shared.messages.inbound import (
    SOURCES,
    CanonicalEvent,
    parse_batch,
    parse_event,
    validation_error_reason,
)
from shared.web import RuntimeDep

router = APIRouter(tags=["ingest"])
log = get_logger(__name__)


class Rejection(BaseModel):
    index: int
    error: str


class IngestResult(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[Rejection]


_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"model": IngestResult, "description": "accepted events are in the ingest journal"},
    400: {"description": "body is not JSON"},
    401: {"description": "signature or token missing, wrong or too old"},
    413: {"description": "body over the size limit (1 MiB)"},
    422: {"model": IngestResult, "description": "no event in the body is valid"},
    503: {"description": "database unavailable: nothing was accepted, retry"},
}


def _settings(runtime: Any) -> SignalIngestSettings:
    settings: SignalIngestSettings = runtime.settings
    return settings


async def _publish(
    runtime: Any, events: list[tuple[int, CanonicalEvent]], rejected: list[Rejection]
) -> JSONResponse:
    if not events:
        result = IngestResult(accepted=0, duplicates=0, rejected=rejected)
        return JSONResponse(result.model_dump(), status_code=422)
    try:
        accepted, duplicates = await accept(runtime.sessions, [e for _, e in events])
    except Exception as exc:
        # The database away (restarting, failing over): nothing was recorded, so
        # the sender gets a retryable 503, not a 500.
        if not is_infrastructure(exc):
            raise
        log.warning("ingest_database_unavailable", error=str(exc)[:200], events=len(events))
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "database unavailable; nothing recorded, retry"
        ) from exc
    result = IngestResult(accepted=accepted, duplicates=duplicates, rejected=rejected)
    return JSONResponse(result.model_dump(), status_code=202)


@router.post("/v1/events", status_code=202, responses=_RESPONSES)
async def post_events(
    request: Request,
    runtime: RuntimeDep,
    x_crosssell_source: Annotated[str | None, Header()] = None,
    x_crosssell_signature: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Canonical events: one object, or ``{"events": [...]}`` with up to 1,000.

    Signed with ``X-Crosssell-Signature: t=<unix>,v1=<hex>`` (HMAC-SHA256 of
    ``"{t}.{body}"``) by the source named in ``X-Crosssell-Source``.
    """
    settings = _settings(runtime)
    body = await read_limited(request, settings.max_body_bytes)
    if x_crosssell_source not in SOURCES:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"X-Crosssell-Source must name the sender: one of {', '.join(SOURCES)}",
        )
    auth.check_signature(settings, x_crosssell_source, x_crosssell_signature, body)
    valid, rejected_items = parse_batch(decode_json(body))
    rejected = [Rejection(index=r.index, error=r.error) for r in rejected_items]
    events: list[tuple[int, CanonicalEvent]] = []
    for index, event in valid:
        if event.source != x_crosssell_source:
            rejected.append(
                Rejection(
                    index=index,
                    error=f"source: '{event.source}' but the request is signed by "
                    f"'{x_crosssell_source}'",
                )
            )
        else:
            events.append((index, event))
    rejected.sort(key=lambda r: r.index)
    return await _publish(runtime, events, rejected)


def _mapped(items: list[Any]) -> tuple[list[tuple[int, CanonicalEvent]], list[Rejection]]:
    events: list[tuple[int, CanonicalEvent]] = []
    rejected: list[Rejection] = []
    for item in items:
        if item.event is None:
            rejected.append(Rejection(index=item.index, error=item.error or "rejected"))
            continue
        try:
            events.append((item.index, parse_event(item.event)))
        except ValidationError as exc:
            rejected.append(Rejection(index=item.index, error=validation_error_reason(exc)))
    return events, rejected


@router.post("/v1/ingest/churnzero", status_code=202, responses=_RESPONSES)
async def post_churnzero(
    request: Request,
    runtime: RuntimeDep,
    x_crosssell_signature: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """ChurnZero HTTP-API actions (a JSON array of trackEvent / setAttribute).

    Authenticated by an HMAC signature, or by each action's ``appKey`` equal
    to the configured ChurnZero token.
    """
    settings = _settings(runtime)
    body = await read_limited(request, settings.max_body_bytes)
    if x_crosssell_signature is not None:
        auth.check_signature(settings, "churnzero", x_crosssell_signature, body)
        payload = decode_json(body)
    else:
        payload = auth.check_churnzero_app_key(settings.churnzero_token, body)
    events, rejected = _mapped(request.app.state.mappings.churnzero(payload, runtime.clock.now()))
    return await _publish(runtime, events, rejected)


@router.post("/v1/ingest/gainsight", status_code=202, responses=_RESPONSES)
async def post_gainsight(
    request: Request,
    runtime: RuntimeDep,
    x_crosssell_signature: Annotated[str | None, Header()] = None,
    sharedsecret: Annotated[str | None, Header(alias="sharedSecret")] = None,
) -> JSONResponse:
    """The JSON a Gainsight rule or Journey Orchestrator "Call External API" posts.

    Authenticated by an HMAC signature or Gainsight's ``sharedSecret`` header.
    """
    settings = _settings(runtime)
    body = await read_limited(request, settings.max_body_bytes)
    if x_crosssell_signature is not None:
        auth.check_signature(settings, "gainsight", x_crosssell_signature, body)
    else:
        auth.check_token(settings.gainsight_shared_secret, sharedsecret, "Gainsight sharedSecret")
    events, rejected = _mapped(
        request.app.state.mappings.gainsight(decode_json(body), runtime.clock.now())
    )
    return await _publish(runtime, events, rejected)
