"""Response models of the plays API and how they are built from stored plays."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, Field

from services.play_orchestrator.adapters.queries import StoredPlay
from services.play_orchestrator.domain import (
    Brief,
    Contact,
    DiscoveryAnswers,
    ExceptionRecord,
    ExecutiveSponsor,
    Outcome,
    PauseInterval,
    Phase,
    PipelineMetrics,
    PlayState,
    ReviewItem,
    SignalSnapshot,
    check_brief,
)
from services.play_orchestrator.translate import won_amount


class PlayItem(BaseModel):
    id: str
    account_id: str
    account_name: str
    adjacent_product: str
    state: PlayState
    template: str
    owner: str | None
    csm: str | None
    surfaced_by: str
    signal_type: str
    signal_source: str
    opened_at: datetime
    deadline: datetime
    closed_at: datetime | None
    core_acv: float
    expected_amount: float
    won_amount: float | None
    at_risk: bool
    overdue: bool = Field(description="at risk, or a meeting/sponsor/business case is overdue")

    @classmethod
    def of_row(cls, row: Any) -> Self:
        data = dict(row._mapping)
        data["overdue"] = data.pop("is_overdue")
        return cls.model_validate(data)


class PlayPage(BaseModel):
    items: list[PlayItem]
    next_cursor: str | None


class HistoryView(BaseModel):
    at: datetime
    from_: PlayState | None = Field(serialization_alias="from")
    to: PlayState
    actor: str
    command: str
    reason: str | None


class TimerView(BaseModel):
    kind: str
    due_at: datetime
    fired_at: datetime | None
    status: Literal["pending", "due", "fired"]


class DiscoveryView(BaseModel):
    answers: DiscoveryAnswers
    fit: bool | None
    discovered_at: datetime | None
    champion: Contact | None


class BriefCheckView(BaseModel):
    complete: bool
    missing: list[str]
    warnings: list[str]


class CrmView(BaseModel):
    opportunity_id: str
    hygiene: str | None
    stage: str | None
    synced_at: datetime | None


class PlayDetail(PlayItem):
    previous_state: PlayState | None
    phase: Phase | None
    core_product: str
    renewal_date: date | None
    signal_occurred_at: datetime
    signal: SignalSnapshot
    signal_note_kind: str | None
    brief: Brief
    brief_check: BriefCheckView
    brief_revision: int
    meeting_booked_at: datetime | None
    discovery: DiscoveryView | None
    sponsor: ExecutiveSponsor | None
    sponsor_engaged_at: datetime | None
    warnings: list[str]
    overdue_items: list[str]
    pauses: list[PauseInterval]
    exceptions: list[ExceptionRecord]
    outcome: Outcome | None
    reviews: list[ReviewItem]
    history: list[HistoryView]
    timers: list[TimerView]
    crm: CrmView | None
    version: int

    @classmethod
    def of(cls, stored: StoredPlay, now: datetime) -> PlayDetail:
        play = stored.play
        check = check_brief(play.brief, now)
        customer = play.brief.customer
        discovery = None
        if play.discovery is not None:
            discovery = DiscoveryView(
                answers=play.discovery,
                fit=play.discovery_fit,
                discovered_at=play.discovered_at,
                champion=play.champion,
            )
        return cls(
            id=play.id,
            account_id=play.account_id,
            account_name=customer.account_name if customer else "",
            adjacent_product=play.adjacent_product,
            state=play.state,
            template=play.template.value,
            owner=play.owner,
            csm=play.csm,
            surfaced_by=play.signal.surfaced_by,
            signal_type=play.signal.primary_type,
            signal_source=stored.origin.signal_source,
            opened_at=play.opened_at,
            deadline=play.deadline,
            closed_at=play.closed_at,
            core_acv=play.core_acv,
            expected_amount=play.expected_amount,
            won_amount=won_amount(play),
            at_risk=play.at_risk,
            overdue=play.is_overdue and not play.is_terminal,
            previous_state=play.previous_state,
            phase=None if play.is_terminal else play.phase_at(now),
            core_product=play.core_product,
            renewal_date=play.renewal_date,
            signal_occurred_at=play.signal_occurred_at,
            signal=play.signal,
            signal_note_kind=stored.origin.note_kind,
            brief=play.brief,
            brief_check=BriefCheckView(
                complete=check.complete, missing=list(check.missing), warnings=list(check.warnings)
            ),
            brief_revision=play.brief_revision,
            meeting_booked_at=play.meeting_booked_at,
            discovery=discovery,
            sponsor=play.sponsor,
            sponsor_engaged_at=play.sponsor_engaged_at,
            warnings=play.warnings(),
            overdue_items=list(play.overdue),
            pauses=list(play.pauses),
            exceptions=list(play.exceptions),
            outcome=play.outcome,
            reviews=list(play.reviews),
            history=[
                HistoryView(
                    at=h.at,
                    from_=h.from_state,
                    to=h.to_state,
                    actor=h.actor,
                    command=h.command,
                    reason=h.reason,
                )
                for h in play.history
            ],
            timers=[
                TimerView(
                    kind=t.kind,
                    due_at=t.due_at,
                    fired_at=t.fired_at,
                    status="fired" if t.fired_at else ("due" if t.due_at <= now else "pending"),
                )
                for t in stored.timers
            ],
            crm=CrmView.model_validate(stored.crm) if stored.crm else None,
            version=stored.version,
        )


class ReviewView(BaseModel):
    id: str
    play_id: str
    account_id: str
    account_name: str
    adjacent_product: str
    owner: str | None
    csm: str | None
    kind: str
    day: int
    due_at: datetime
    raised_at: datetime
    phase: str | None
    state_at_raise: str
    play_state: PlayState
    deadline: datetime
    at_risk: bool
    overdue: bool

    @classmethod
    def of_row(cls, row: Any) -> ReviewView:
        data = dict(row._mapping)
        data["play_state"] = data.pop("state")
        data["overdue"] = data.pop("is_overdue")
        return cls.model_validate(data)


class ReviewPage(BaseModel):
    items: list[ReviewView]
    next_cursor: str | None


def rounded(metrics: PipelineMetrics, digits: int = 2) -> PipelineMetrics:
    """The API's figures: percentages, days and amounts to two decimals."""

    def r(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, digits)
        if isinstance(value, dict):
            return {k: round(v, digits) for k, v in value.items()}
        return value

    return metrics.model_copy(update={k: r(v) for k, v in metrics.model_dump().items()})
