"""Plays, reviews and pipeline metrics API (thin: HTTP -> command -> view).

Reads need the ``read`` scope, changes ``write``; the actor of a change is the
person: the ``X-Actor`` header (the ops console sends the name its user
entered), else the API key's label; never a key id. Errors: 404 unknown
play, 409 a transition the play's state does not accept (the body names
``current_state``), 422 a brief missing required items (``missing`` names
each) or a command that contradicts the play (a meeting in the past, ...).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from services.play_orchestrator import handlers
from services.play_orchestrator.adapters import queries
from services.play_orchestrator.adapters.metrics_sql import pipeline_metrics
from services.play_orchestrator.adapters.uow import SqlUnitOfWork
from services.play_orchestrator.domain import (
    BookMeeting,
    Brief,
    BriefIncomplete,
    Close,
    Command,
    Contact,
    DiscoveryAnswers,
    EngageSponsor,
    GrantException,
    IllegalTransition,
    InvalidCommand,
    PipelineMetrics,
    PlayState,
    RecordDiscovery,
    SubmitBrief,
)
from services.play_orchestrator.ports import ConcurrentUpdate, PlayNotFound
from services.play_orchestrator.views import PlayDetail, PlayItem, PlayPage
from services.play_orchestrator.views import rounded as rounded_metrics
from shared import cursors
from shared.auth import Principal, ReadScope, WriteScope
from shared.kafka.topics import PLAYS
from shared.runtime import ServiceRuntime
from shared.timerange import UtcDatetime
from shared.web import RuntimeDep

router = APIRouter(prefix="/v1", tags=["plays"])
Limit = Annotated[int, Query(ge=1, le=200, description="page size (at most 200)")]
CursorParam = Annotated[str | None, Query(description="next_cursor of the previous page")]
PAGE_ERRORS: dict[int | str, dict[str, Any]] = {
    **cursors.RESPONSE_DOC,
}
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such play"},
    409: {"description": "the play's current state does not accept this command"},
    422: {"description": "brief incomplete (each missing item named) or invalid command"},
}
BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    413: {"description": "body over the size limit (1 MiB)"},
}


class MeetingBody(BaseModel):
    meeting_at: UtcDatetime
    attendees: list[str] = Field(min_length=1)
    agenda: str = ""
    next_step: str = ""


class DiscoveryBody(BaseModel):
    current_workflow: str = Field(description="who owns it, what tools, what cycle time")
    time_or_accuracy_loss: str = Field(description="where time or accuracy is lost, its cost")
    one_fix: str = Field(description="the one fix, and who feels it first")
    fit: bool = True
    champion: Contact | None = None


class SponsorBody(BaseModel):
    name: str
    title: str
    contact_id: str | None = None
    last_touch: UtcDatetime | None = None
    relationship_owner: str | None = None


class ExceptionBody(BaseModel):
    reason: str = Field(description="written reason, at least 20 characters")
    new_deadline: UtcDatetime | None = None
    extension_days: int | None = None


class CloseBody(BaseModel):
    outcome: Literal["won", "lost"]
    amount: float | None = None
    reason: str = ""


ActorHeader = Annotated[
    str | None,
    Header(
        alias="X-Actor",
        max_length=120,
        description="the person making the change (recorded in the play's history)",
    ),
]


def actor_of(who: Principal, header: str | None) -> str:
    """The person behind a change: ``X-Actor``, else the key's label."""
    name = " ".join((header or "").split())
    if name:
        return name
    return who.label.strip() or "unnamed API key (give keys a --label)"


def _actor(who: WriteScope, x_actor: ActorHeader = None) -> str:
    return actor_of(who, x_actor)


Actor = Annotated[str, Depends(_actor)]


def build_command(cls: type[Any], **fields: Any) -> Any:
    """A domain command, its validation errors reported like a bad body (422)."""
    try:
        return cls(**fields)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from exc


async def run_command(runtime: ServiceRuntime, play_id: str, command: Command) -> PlayDetail:
    for attempt in range(3):
        try:
            async with runtime.sessions() as session, session.begin():
                now = runtime.clock.now()
                uow = SqlUnitOfWork(session, runtime.topic(PLAYS))
                await handlers.execute(uow, play_id, command, now)
                stored = await queries.load_play(session, play_id)
            assert stored is not None
            return PlayDetail.of(stored, now)
        except ConcurrentUpdate:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# ---- reads ------------------------------------------------------------------------


@router.get("/plays", response_model=PlayPage, responses=PAGE_ERRORS)
async def list_plays(
    runtime: RuntimeDep,
    _: ReadScope,
    state: Annotated[list[PlayState] | None, Query()] = None,
    account_id: str | None = None,
    owner: str | None = None,
    overdue: Annotated[
        bool | None, Query(description="at risk, or meeting/sponsor/business case overdue")
    ] = None,
    limit: Limit = 50,
    cursor: CursorParam = None,
) -> PlayPage:
    where = queries.PlayFilter(tuple(state or ()), account_id, owner, overdue)
    after = queries.Cursor.decode(cursor) if cursor else None
    async with runtime.sessions() as session:
        rows, next_cursor = await queries.list_plays(session, where, limit, after)
    return PlayPage(
        items=[PlayItem.of_row(r) for r in rows],
        next_cursor=next_cursor.encode() if next_cursor else None,
    )


@router.get("/plays/{play_id}", response_model=PlayDetail, responses=ERRORS)
async def get_play(play_id: str, runtime: RuntimeDep, _: ReadScope) -> PlayDetail:
    async with runtime.sessions() as session:
        stored = await queries.load_play(session, play_id)
    if stored is None:
        raise PlayNotFound(play_id)
    return PlayDetail.of(stored, runtime.clock.now())


@router.get("/metrics/pipeline", response_model=PipelineMetrics)
async def get_pipeline_metrics(
    runtime: RuntimeDep,
    _: ReadScope,
    since: UtcDatetime | None = None,
    until: UtcDatetime | None = None,
) -> PipelineMetrics:
    """Over ``[since, until)`` (default: the last 90 days). See
    ``adapters/metrics_sql.py`` for every definition (eligible accounts: the
    accounts the engine has seen a signal decision about by ``until``)."""
    end: datetime = until or runtime.clock.now()
    try:
        start: datetime = since or end - timedelta(days=90)
    except OverflowError as exc:  # until in year 1
        raise HTTPException(422, "until is too early") from exc
    if start >= end:
        raise HTTPException(422, "since must be before until")
    return rounded_metrics(await pipeline_metrics(runtime.sessions, start, end))


# ---- changes ------------------------------------------------------------------------


@router.put("/plays/{play_id}/brief", response_model=PlayDetail, responses=BODY_ERRORS)
async def submit_brief(play_id: str, body: Brief, runtime: RuntimeDep, actor: Actor) -> PlayDetail:
    """Items left out keep their pre-filled value; items 2, 4 and 5 are required."""
    return await run_command(runtime, play_id, build_command(SubmitBrief, actor=actor, brief=body))


@router.post("/plays/{play_id}/meeting", response_model=PlayDetail, responses=BODY_ERRORS)
async def book_meeting(
    play_id: str, body: MeetingBody, runtime: RuntimeDep, actor: Actor
) -> PlayDetail:
    fields = body.model_dump()
    fields["attendees"] = tuple(fields["attendees"])
    return await run_command(runtime, play_id, build_command(BookMeeting, actor=actor, **fields))


@router.post("/plays/{play_id}/discovery", response_model=PlayDetail, responses=BODY_ERRORS)
async def record_discovery(
    play_id: str, body: DiscoveryBody, runtime: RuntimeDep, actor: Actor
) -> PlayDetail:
    answers = build_command(
        DiscoveryAnswers,
        current_workflow=body.current_workflow,
        time_or_accuracy_loss=body.time_or_accuracy_loss,
        one_fix=body.one_fix,
    )
    command = build_command(
        RecordDiscovery, actor=actor, answers=answers, fit=body.fit, champion=body.champion
    )
    return await run_command(runtime, play_id, command)


@router.post("/plays/{play_id}/sponsor", response_model=PlayDetail, responses=BODY_ERRORS)
async def engage_sponsor(
    play_id: str, body: SponsorBody, runtime: RuntimeDep, actor: Actor
) -> PlayDetail:
    command = build_command(EngageSponsor, actor=actor, **body.model_dump())
    return await run_command(runtime, play_id, command)


@router.post("/plays/{play_id}/exception", response_model=PlayDetail, responses=BODY_ERRORS)
async def grant_exception(
    play_id: str, body: ExceptionBody, runtime: RuntimeDep, actor: Actor
) -> PlayDetail:
    """A written exception (reason >= 20 characters) extends the window deadline:
    give ``new_deadline`` or ``extension_days``."""
    command = build_command(GrantException, actor=actor, **body.model_dump())
    return await run_command(runtime, play_id, command)


@router.post("/plays/{play_id}/close", response_model=PlayDetail, responses=BODY_ERRORS)
async def close_play(
    play_id: str, body: CloseBody, runtime: RuntimeDep, actor: Actor
) -> PlayDetail:
    """``won`` needs the signed amount; ``lost`` needs a reason."""
    return await run_command(
        runtime, play_id, build_command(Close, actor=actor, **body.model_dump())
    )


# ---- errors ---------------------------------------------------------------------------


async def _not_found(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=404)


async def _illegal(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IllegalTransition)
    body = {
        "detail": str(exc),
        "current_state": exc.current_state,
        "command": exc.command,
        "allowed": list(exc.allowed),
    }
    return JSONResponse(body, status_code=409)


async def _brief_incomplete(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BriefIncomplete)
    body = {
        "detail": str(exc),
        "missing": exc.missing,
        "missing_items": exc.items,
        "warnings": exc.warnings,
    }
    return JSONResponse(body, status_code=422)


async def _invalid(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=422)


async def _bad_cursor(_: Request, exc: Exception) -> JSONResponse:
    return cursors.bad_cursor_response()


async def _conflict(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": f"{exc}; retry"}, status_code=409)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    PlayNotFound: _not_found,
    IllegalTransition: _illegal,
    BriefIncomplete: _brief_incomplete,
    InvalidCommand: _invalid,
    queries.BadCursor: _bad_cursor,
    ConcurrentUpdate: _conflict,
}
