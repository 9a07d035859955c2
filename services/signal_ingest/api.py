"""Signals and accounts API (read scope) and the catalog reload (admin scope).

Every filter is validated before it reaches SQL (422 otherwise) and goes in
as a bound parameter. Pagination is keyset over ``(detected_at desc, id
desc)`` with an opaque cursor, so pages stay stable while signals arrive.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select, tuple_

from services.signal_ingest.adapters.accounts import load_state
from services.signal_ingest.adapters.signal_store import signal_from_row
from services.signal_ingest.adapters.tables import signals as signals_table
from services.signal_ingest.catalog_store import CatalogStore
from services.signal_ingest.domain import CatalogError, Signal, account_view, play_score
from shared import cursors
from shared.auth import AdminScope, ReadScope
from shared.messages.signals import SIGNAL_TYPES
from shared.timerange import utc_in_range
from shared.web import RuntimeDep

router = APIRouter(tags=["signals"])

StatusFilter = Literal["qualified", "suppressed", "stale"]
TypeFilter = Literal[
    "usage_ceiling",
    "seat_milestone",
    "adjacent_pain",
    "workaround",
    "stakeholder_expansion",
    "strategic_shift",
    "partner_flag",
    "competitive_adjacent",
]
assert set(TypeFilter.__args__) == set(SIGNAL_TYPES)  # type: ignore[attr-defined]
AccountId = Annotated[str, Path(min_length=1, max_length=64)]
ACCOUNT_SIGNALS = 50


class SignalView(BaseModel):
    id: str
    account_id: str
    adjacent_product: str
    type: str
    status: str
    suppression_reasons: list[str]
    flags: list[str]
    score: float
    evidence: dict[str, Any]
    source: str
    surfaced_by: str
    detected_at: datetime
    needs_verification: bool
    event_id: str
    created_at: datetime | None = None
    updated_at: datetime | None = None


class SignalPage(BaseModel):
    items: list[SignalView]
    next_cursor: str | None


def _view(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "account_id": row["account_id"],
        "adjacent_product": row["adjacent_product"],
        "type": row["type"],
        "status": row["status"],
        "suppression_reasons": list(row["suppression_reasons"] or ()),
        "flags": list(row["flags"] or ()),
        "score": row["score"],
        "evidence": row["evidence"],
        "source": row["source"],
        "surfaced_by": row["surfaced_by"],
        "detected_at": row["detected_at"].isoformat(),
        "needs_verification": row["needs_verification"],
        "event_id": row["event_id"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }


def encode_cursor(detected_at: datetime, signal_id: str) -> str:
    raw = orjson.dumps([detected_at.isoformat(), signal_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, signal_id = orjson.loads(raw)
        detected_at = datetime.fromisoformat(at)
        if not isinstance(signal_id, str):
            raise ValueError("bad cursor")
        utc_in_range(detected_at)  # aware, and SQL can compare it
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise cursors.bad_cursor() from exc
    return detected_at, signal_id


def _catalogs(request: Request) -> CatalogStore:
    store: CatalogStore = request.app.state.catalogs
    return store


@router.get("/v1/signals", response_model=SignalPage)
async def list_signals(
    runtime: RuntimeDep,
    _: ReadScope,
    account_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    status_: Annotated[StatusFilter | None, Query(alias="status")] = None,
    type_: Annotated[TypeFilter | None, Query(alias="type")] = None,
    adjacent_product: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$")] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> JSONResponse:
    """Signals, newest first. ``next_cursor`` is null on the last page."""
    t = signals_table
    query = select(t)
    for column, value in (
        (t.c.account_id, account_id),
        (t.c.status, status_),
        (t.c.type, type_),
        (t.c.adjacent_product, adjacent_product),
    ):
        if value is not None:
            query = query.where(column == value)
    if cursor:
        at, after_id = decode_cursor(cursor)
        query = query.where(tuple_(t.c.detected_at, t.c.id) < tuple_(at, after_id))
    query = query.order_by(t.c.detected_at.desc(), t.c.id.desc()).limit(limit + 1)
    async with runtime.sessions() as session:
        rows = (await session.execute(query)).mappings().all()
    items = [_view(r) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(last["detected_at"], last["id"])
    return JSONResponse({"items": items, "next_cursor": next_cursor})


@router.get(
    "/v1/signals/{signal_id}",
    response_model=SignalView,
    responses={404: {"description": "no such signal"}},
)
async def get_signal(
    runtime: RuntimeDep,
    _: ReadScope,
    signal_id: Annotated[str, Path(min_length=1, max_length=100)],
) -> JSONResponse:
    async with runtime.sessions() as session:
        row = (
            (await session.execute(select(signals_table).where(signals_table.c.id == signal_id)))
            .mappings()
            .first()
        )
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no signal {signal_id!r}")
    return JSONResponse(_view(row))


@router.get("/v1/accounts/{account_id}", responses={404: {"description": "unknown account"}})
async def get_account(
    runtime: RuntimeDep, request: Request, _: ReadScope, account_id: AccountId
) -> JSONResponse:
    """Products, usage against limits, the gates open per adjacent product
    (with reasons), the play score per adjacent product, and recent signals."""
    catalog = _catalogs(request).current()
    now = runtime.clock.now()
    t = signals_table
    async with runtime.sessions() as session:
        state = await load_state(session, account_id)
        if state is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no account {account_id!r}")
        rows = (
            (
                await session.execute(
                    select(t)
                    .where(t.c.account_id == account_id)
                    .order_by(t.c.detected_at.desc(), t.c.id.desc())
                    .limit(ACCOUNT_SIGNALS)
                )
            )
            .mappings()
            .all()
        )
    view = account_view(state, catalog, now)
    window = timedelta(days=catalog.settings.play_window_days)
    recent: list[Signal] = [signal_from_row(r) for r in rows if now - r["detected_at"] <= window]
    view["play_scores"] = {}
    for adj in catalog.adjacent_products:
        score = play_score(recent, account_id, adj.id, catalog, now)
        view["play_scores"][adj.id] = {
            "score": score.score,
            "threshold": score.threshold,
            "opens": score.opens,
            "signal_ids": list(score.signal_ids),
        }
    view["open_gates"] = {adj: g["reasons"] for adj, g in view["gates"].items() if g["reasons"]}
    view["signals"] = [_view(r) for r in rows]
    return JSONResponse(view)


@router.post(
    "/v1/admin/catalog/reload",
    tags=["ops"],
    responses={422: {"description": "the catalog file is invalid; the old one keeps serving"}},
)
async def reload_catalog(request: Request, _: AdminScope) -> JSONResponse:
    store = _catalogs(request)
    try:
        store.reload()
    except CatalogError as exc:
        return JSONResponse(
            {"detail": str(exc), "serving": store.describe()},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    return JSONResponse(store.describe())
