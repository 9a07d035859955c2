"""The manager's review queue: due reviews, and resolving one (section 6).

A review's id is ``<play id>:<kind>`` (e.g. ``play-…:review_day7``).
Resolving records the outcome and the note in the play's history and raises
``ReviewResolved``, from which crm_sync closes the review's Salesforce Task;
``close_play`` also closes the play as lost with the note as its reason.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.play_orchestrator.adapters import queries
from services.play_orchestrator.api import (
    BODY_ERRORS,
    PAGE_ERRORS,
    Actor,
    CursorParam,
    Limit,
    build_command,
    run_command,
)
from services.play_orchestrator.domain import ResolveReview
from services.play_orchestrator.ports import PlayNotFound
from services.play_orchestrator.views import PlayDetail, ReviewPage, ReviewView
from shared.auth import ReadScope
from shared.web import RuntimeDep

router = APIRouter(prefix="/v1", tags=["reviews"])


class ResolveBody(BaseModel):
    outcome: Literal["on_track", "at_risk", "escalated", "close_play"] = Field(
        description="on_track; at_risk (marks the play at risk); escalated; "
        "close_play (closes the play as lost, the note its reason)"
    )
    note: str = Field(description="what was decided, and why (not empty)", max_length=2000)


@router.get("/reviews", response_model=ReviewPage, responses=PAGE_ERRORS)
async def list_reviews(
    runtime: RuntimeDep,
    _: ReadScope,
    owner: str | None = None,
    limit: Limit = 50,
    cursor: CursorParam = None,
) -> ReviewPage:
    """Due manager reviews (day 7, 14, 21) of plays still active and not yet
    resolved, oldest first."""
    after = queries.Cursor.decode(cursor) if cursor else None
    async with runtime.sessions() as session:
        rows, next_cursor = await queries.list_reviews(session, owner, limit, after)
    return ReviewPage(
        items=[ReviewView.of_row(r) for r in rows],
        next_cursor=next_cursor.encode() if next_cursor else None,
    )


@router.post("/reviews/{review_id}/resolve", response_model=PlayDetail, responses=BODY_ERRORS)
async def resolve_review(
    review_id: str, body: ResolveBody, runtime: RuntimeDep, actor: Actor
) -> PlayDetail:
    """Resolve a due review with an outcome and a note; returns the play after it.
    422 if the review was already resolved or was never raised on the play."""
    play_id, _, kind = review_id.rpartition(":")
    if not play_id or not kind.startswith("review_day"):
        raise PlayNotFound(review_id)
    command = build_command(
        ResolveReview, actor=actor, review=kind, outcome=body.outcome, note=body.note
    )
    return await run_command(runtime, play_id, command)
