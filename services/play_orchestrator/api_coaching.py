"""Coaching API: expansion hypothesis, talk track and the vendor-language check.

All three read (``read`` scope). The material is built on request from the play
and what the signal messages carried (``adapters/coaching.py``), so it follows
the play as it moves; nothing is cached or stored.

* ``GET /v1/plays/{id}/hypothesis``: why this account is ready now, strongest
  signal first with its numbers and the customer's words.
* ``GET /v1/plays/{id}/talk-track``: JSON (default), Markdown or plain text, by
  ``?format=`` or, without it, the ``Accept`` header.
* ``POST /v1/language/check``: banned vendor phrasing with exact spans and the
  missing elements of a good opening, against the reviewed rules file; with a
  ``play_id`` the play's evidence decides whether the text refers to the signal.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from services.play_orchestrator.adapters.coaching import load_context
from services.play_orchestrator.coaching import (
    Hypothesis,
    LanguageFinding,
    PlayContext,
    build_hypothesis,
    build_talk_track,
    check_language,
    evidence_phrases,
)
from services.play_orchestrator.ports import PlayNotFound
from shared.auth import ReadScope
from shared.logs import get_logger
from shared.runtime import ServiceRuntime
from shared.web import RuntimeDep

log = get_logger(__name__)

router = APIRouter(prefix="/v1", tags=["coaching"])
MAX_TEXT_CHARS = 20_000
Format = Literal["json", "markdown", "text"]
MEDIA_TYPES: dict[Format, str] = {
    "json": "application/json",
    "markdown": "text/markdown; charset=utf-8",
    "text": "text/plain; charset=utf-8",
}
_ACCEPTED: dict[str, Format] = {
    "application/json": "json",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/plain": "text",
    "application/*": "json",
    "text/*": "markdown",
    "*/*": "json",
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such play"}}


class LanguageCheckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        max_length=MAX_TEXT_CHARS, description="the opening or email to check (1-20,000 chars)"
    )
    play_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="check the signal reference against this play's evidence",
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        return value


class LanguageCheckView(BaseModel):
    rules_version: int
    ok: bool = Field(description="no finding at all")
    by_meaning: bool = Field(
        default=False,
        description="sentences were also compared by meaning with the banned rules' examples "
        "(false while the model is loading, when it is unavailable or switched off)",
    )
    play_id: str | None = None
    signal_phrases: list[str] = Field(
        default_factory=list, description="the play's evidence phrases the text was checked for"
    )
    findings: list[LanguageFinding] = Field(
        description="banned phrasing first (by span: [start, end) character offsets into "
        "text), then missing elements (span null)"
    )


def negotiate(accept: str | None) -> Format | None:
    """The format the ``Accept`` header prefers (q-value, then specificity, then
    order); ``json`` without a header, None when nothing offered is acceptable."""
    if accept is None or not accept.strip():
        return "json"
    best: tuple[float, int, int] | None = None
    chosen: Format | None = None
    for index, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        fmt = _ACCEPTED.get(media.lower())
        if fmt is None:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        specificity = 2 - media.count("*")
        rank = (quality, specificity, -index)
        if best is None or rank > best:
            best, chosen = rank, fmt
    return chosen


async def _context(runtime: ServiceRuntime, play_id: str) -> PlayContext:
    async with runtime.sessions() as session:
        context = await load_context(session, play_id, runtime.clock.now())
    if context is None:
        raise PlayNotFound(play_id)
    return context


@router.get("/plays/{play_id}/hypothesis", response_model=Hypothesis, responses=NOT_FOUND)
async def get_hypothesis(play_id: str, runtime: RuntimeDep, _: ReadScope) -> Hypothesis:
    """Why this account is ready now: every signal strongest first with its numbers and
    the customer's words, the adjacent problem in their language, the likely economic
    buyer and day-to-day user, the gates checked, what is still unverified, and one
    give-get option."""
    return build_hypothesis(await _context(runtime, play_id))


@router.get(
    "/plays/{play_id}/talk-track",
    response_class=Response,
    responses={
        200: {
            "description": "the talk track",
            "content": {
                "application/json": {},
                "text/markdown": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
            },
        },
        **NOT_FOUND,
        406: {"description": "the Accept header allows none of the formats"},
    },
)
async def get_talk_track(
    play_id: str,
    runtime: RuntimeDep,
    _: ReadScope,
    output: Annotated[
        Format | None,
        Query(alias="format", description="json, markdown or text; overrides Accept"),
    ] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """The signal-led opening, the CSM-to-AE hand-off, the three discovery questions in
    order, and the value map; or, while a renewal is negotiated or an escalation is
    open, why not to open the conversation now."""
    chosen = output or negotiate(accept)
    if chosen is None:
        raise HTTPException(406, "acceptable: application/json, text/markdown, text/plain")
    track = build_talk_track(await _context(runtime, play_id))
    headers = {} if output else {"Vary": "Accept"}
    if chosen == "json":
        return JSONResponse(track.to_dict(), headers=headers)
    body = track.to_markdown() if chosen == "markdown" else track.to_text()
    return Response(body, media_type=MEDIA_TYPES[chosen], headers=headers)


@router.post("/language/check", response_model=LanguageCheckView, responses=NOT_FOUND)
async def language_check(
    body: LanguageCheckBody, runtime: RuntimeDep, _: ReadScope, request: Request
) -> LanguageCheckView:
    """Flag the vendor language the playbooks warn against and the elements a good
    opening lacks, each with a span (banned) and a suggested rewrite direction.
    Sentences that carry a banned idea in other words are found by meaning too
    (they name the rule's example they resemble)."""
    phrases: tuple[str, ...] = ()
    if body.play_id is not None:
        phrases = evidence_phrases(await _context(runtime, body.play_id))
    # Only once the model is in memory: a check never waits for it to load.
    worker = getattr(request.app.state, "language_worker", None)
    ready = worker is not None and worker.loaded
    embedder = getattr(request.app.state, "language_embedder", None) if ready else None
    try:
        report = await run_in_threadpool(
            check_language, body.text, None, signal_phrases=phrases, embedder=embedder
        )
    except Exception as exc:  # the model is optional: the patterns still answer
        log.warning("language_meaning_unavailable", error=repr(exc))
        report = await run_in_threadpool(check_language, body.text, None, signal_phrases=phrases)
        embedder = None
    return LanguageCheckView(
        by_meaning=embedder is not None,
        rules_version=report.rules_version,
        ok=report.ok,
        play_id=body.play_id,
        signal_phrases=list(phrases),
        findings=list(report.findings),
    )
