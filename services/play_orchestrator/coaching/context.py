"""What the system holds about a play when coaching material is built.

Frozen pydantic models, filled by the play orchestrator from its own tables (account profile,
qualified signals, stakeholders, gate results) and the adjacent-product catalog. Time is passed
in as ``as_of``; nothing here reads a clock.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Health = Literal["green", "yellow", "red"]
SurfacedBy = Literal["csm", "ae", "partner", "system"]
GateOutcome = Literal["pass", "flag", "fail"]


class SignalType(StrEnum):
    USAGE_CEILING = "usage_ceiling"
    SEAT_MILESTONE = "seat_milestone"
    ADJACENT_PAIN = "adjacent_pain"
    WORKAROUND = "workaround"
    STAKEHOLDER_EXPANSION = "stakeholder_expansion"
    STRATEGIC_SHIFT = "strategic_shift"
    PARTNER_FLAG = "partner_flag"
    COMPETITIVE_ADJACENT = "competitive_adjacent"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CoreProduct(_Frozen):
    product: str = Field(min_length=1)
    tier: str | None = None
    acv: float = Field(ge=0)
    renewal_date: date | None = None
    adoption_pct: float | None = Field(default=None, ge=0, le=100)


class Account(_Frozen):
    account_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    health: Health = "green"
    products: tuple[CoreProduct, ...] = Field(min_length=1)
    csm_owner: str | None = None
    ae_owner: str | None = None
    customer_since: date | None = None
    # Team names as the customer uses them ("Finance Operations"), most relevant first.
    teams: tuple[str, ...] = ()
    renewal_negotiating: bool = False
    open_escalations: tuple[str, ...] = ()


class Play(_Frozen):
    play_id: str = Field(min_length=1)
    adjacent_product: str = Field(min_length=1)
    # The core product this play extends; defaults to the account's largest by ACV.
    core_product: str | None = None
    template: Literal["joint-14", "signal-41"] = "joint-14"
    state: str = "open"
    opened_at: datetime
    deadline: datetime
    # The people the reps recorded on the play (the sponsor of the brief or the
    # one engaged; the champion or the operator who confirmed the pain): the
    # talk track names them, so it agrees with the brief and the sponsor panel.
    sponsor_name: str | None = None
    champion_name: str | None = None


class MetricEvidence(_Frozen):
    metric: str = Field(min_length=1)
    value: float
    limit: float | None = Field(default=None, gt=0)
    percent: float | None = None
    product: str | None = None
    module: str | None = None
    unit: str | None = None  # overrides the unit derived from the metric name


class QuoteEvidence(_Frozen):
    requester_name: str = Field(min_length=1)
    requester_role: str | None = None
    subject: str = Field(min_length=1)
    quote: str | None = None  # the customer's own sentence, when richer than the subject
    ticket_id: str | None = None
    opened_on: date | None = None

    @property
    def words(self) -> str:
        return (self.quote or self.subject).strip()


class WorkaroundEvidence(_Frozen):
    kind: str = Field(min_length=1)
    count: int = Field(ge=1)
    days: int = Field(default=30, ge=1)
    detail: str | None = None


class NoteEvidence(_Frozen):
    text: str = Field(min_length=1)
    kind: str | None = None
    author_name: str | None = None
    author_role: str | None = None
    written_on: date | None = None


class Stakeholder(_Frozen):
    name: str = Field(min_length=1)
    title: str = ""
    persona: str | None = None
    last_touch: date | None = None
    relationship_owner: str | None = None


class Signal(_Frozen):
    signal_id: str = Field(min_length=1)
    type: SignalType
    score: float = Field(ge=0)
    surfaced_by: SurfacedBy = "system"
    detected_at: datetime
    needs_verification: bool = False
    metrics: tuple[MetricEvidence, ...] = ()
    quotes: tuple[QuoteEvidence, ...] = ()
    workarounds: tuple[WorkaroundEvidence, ...] = ()
    notes: tuple[NoteEvidence, ...] = ()
    stakeholders_added: tuple[Stakeholder, ...] = ()
    window_days: int | None = Field(default=None, ge=1)  # e.g. 60 for adjacent_pain


class GateCheck(_Frozen):
    name: str = Field(min_length=1)
    outcome: GateOutcome
    detail: str | None = None


class CatalogEntry(_Frozen):
    adjacent_product: str = Field(min_length=1)
    solves: str = Field(min_length=1)
    workflow: str = Field(min_length=1)  # the adjacent workflow, e.g. "month-end close"
    problem_area: str = Field(min_length=1)  # e.g. "financial close and reconciliation"
    pain_phrases: tuple[str, ...] = ()
    integration_points: tuple[str, ...] = ()
    typical_outcome: str = Field(min_length=1)
    typical_timeline: str = Field(min_length=1)
    buyer_personas: tuple[str, ...] = ()
    user_personas: tuple[str, ...] = ()


class PlayContext(_Frozen):
    as_of: datetime
    account: Account
    play: Play
    signals: tuple[Signal, ...] = Field(min_length=1)
    stakeholders: tuple[Stakeholder, ...] = ()
    gates: tuple[GateCheck, ...] = ()
    catalog: CatalogEntry
    expected_amount_ratio: float = Field(default=0.42, gt=0, le=5)

    @model_validator(mode="after")
    def _consistent(self) -> PlayContext:
        if self.catalog.adjacent_product != self.play.adjacent_product:
            raise ValueError("catalog entry is for a different adjacent product than the play")
        if self.play.core_product and not any(
            p.product == self.play.core_product for p in self.account.products
        ):
            raise ValueError(f"account does not own core product {self.play.core_product!r}")
        return self

    @property
    def core(self) -> CoreProduct:
        if self.play.core_product:
            return next(p for p in self.account.products if p.product == self.play.core_product)
        return sorted(self.account.products, key=lambda p: (-p.acv, p.product))[0]

    @property
    def today(self) -> date:
        return self.as_of.date()
