"""The console's plays board and its CSV export, and the names behind ids.

``GET /v1/board/plays``: filters (state, owner and CSM by part of the name,
adjacent product, signal type, account health, overdue), a sort column, an
offset page with the total, and the count per state under the other filters.
``GET /v1/board/plays.csv``: every matching play, same filters and order.
``GET /v1/labels``: display names of adjacent products and accounts, so the
console never shows a raw id.
"""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from services.play_orchestrator.adapters.board import SORTABLE, BoardFilter, board_csv, board_page
from services.play_orchestrator.adapters.tables import accounts, adjacent_products
from services.play_orchestrator.domain import PlayState
from services.play_orchestrator.views import PlayItem
from shared.auth import ReadScope
from shared.web import RuntimeDep

router = APIRouter(prefix="/v1", tags=["console"])
SORT_PATTERN = "^-?(" + "|".join(SORTABLE) + ")$"


class BoardRow(PlayItem):
    health: str | None = Field(description="the account's health: green, yellow or red")


class BoardPage(BaseModel):
    items: list[BoardRow]
    total: int = Field(description="plays matching every filter")
    offset: int
    limit: int
    states: dict[str, int] = Field(description="per state, plays matching the other filters")


def _filter(
    state: Annotated[list[PlayState] | None, Query()] = None,
    owner: str | None = None,
    csm: str | None = None,
    adjacent_product: str | None = None,
    signal_type: str | None = None,
    health: str | None = None,
    overdue: bool | None = None,
    account_id: str | None = None,
    surfaced_by: str | None = None,
) -> BoardFilter:
    return BoardFilter(
        tuple(state or ()),
        owner,
        csm,
        adjacent_product,
        signal_type,
        health,
        overdue,
        account_id,
        surfaced_by,
    )


Filters = Annotated[BoardFilter, Depends(_filter)]
Sort = Annotated[str, Query(pattern=SORT_PATTERN, description="a column; -column for descending")]


@router.get("/board/plays", response_model=BoardPage)
async def board(
    runtime: RuntimeDep,
    _: ReadScope,
    where: Filters,
    sort: Sort = "-opened_at",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> BoardPage:
    """Plays for the console's board: filtered, sorted, one page with the total."""
    async with runtime.sessions() as session:
        rows, total, states = await board_page(session, where, sort, offset, limit)
    return BoardPage(
        items=[BoardRow.of_row(r) for r in rows],
        total=total,
        offset=offset,
        limit=limit,
        states=states,
    )


@router.get("/board/plays.csv", response_class=Response)
async def board_csv_export(
    runtime: RuntimeDep,
    _: ReadScope,
    where: Filters,
    sort: Sort = "-opened_at",
) -> Response:
    """Every play matching the filters, in the board's order, as CSV."""
    async with runtime.sessions() as session:
        body = await board_csv(session, where, sort)
    headers = {"Content-Disposition": 'attachment; filename="plays.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


class Labels(BaseModel):
    products: dict[str, str] = Field(description="adjacent product id -> the catalog's name")
    accounts: dict[str, str] = Field(description="account id -> name (the ids asked for)")


@router.get("/labels", response_model=Labels)
async def labels(
    runtime: RuntimeDep,
    _: ReadScope,
    account: Annotated[list[str] | None, Query(max_length=500)] = None,
) -> Labels:
    """Display names: every adjacent product's, and the accounts asked for."""
    async with runtime.sessions() as session:
        products = await session.execute(
            sa.select(adjacent_products.c.product_id, adjacent_products.c.info["name"].astext)
        )
        names: dict[str, str] = {}
        if account:
            found = await session.execute(
                sa.select(accounts.c.account_id, accounts.c.name).where(
                    accounts.c.account_id.in_(account)
                )
            )
            names = {a: n for a, n in found.all() if n}
    return Labels(products={p: n for p, n in products.all() if n}, accounts=names)
