"""Domain events a play raises. Past-tense, frozen, JSON-serialisable.

They are collected on the aggregate (``play.pending_events``) and written to
the outbox by the handler; the domain never publishes. Every event carries
the play's state *after* it happened, so a consumer (crm_sync keeping
``Play_State__c`` current) can act on any of them.
"""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict

from .brief import ExecutiveSponsor
from .commands import DiscoveryAnswers
from .inputs import Contact, SignalSnapshot
from .states import Phase, PlayState, Template


class PlayEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    play_id: str
    account_id: str
    adjacent_product: str
    occurred_at: AwareDatetime
    state: PlayState
    actor: str

    @property
    def event_type(self) -> str:
        return type(self).__name__


class PlayOpened(PlayEvent):
    template: Template
    signal: SignalSnapshot
    signal_occurred_at: AwareDatetime
    core_product: str
    core_acv: float
    renewal_date: date | None
    expected_amount: float
    owner: str | None
    csm: str | None
    deadline: AwareDatetime


class DeadlineSet(PlayEvent):
    deadline: AwareDatetime
    reason: str


class PlayBriefed(PlayEvent):
    revision: int
    sponsor_name: str
    sponsor_title: str
    warnings: tuple[str, ...] = ()


class MeetingBooked(PlayEvent):
    meeting_at: AwareDatetime
    attendees: tuple[str, ...]
    agenda: str
    next_step: str
    rescheduled: bool


class DiscoveryRecorded(PlayEvent):
    answers: DiscoveryAnswers
    fit: bool
    champion: Contact | None


class SponsorEngaged(PlayEvent):
    sponsor: ExecutiveSponsor
    warnings: tuple[str, ...] = ()


class PlayPaused(PlayEvent):
    reason: str
    reasons: tuple[str, ...]
    previous_state: PlayState


class PlayResumed(PlayEvent):
    paused_seconds: float


class ExceptionGranted(PlayEvent):
    reason: str
    previous_deadline: AwareDatetime
    new_deadline: AwareDatetime


class PlayWon(PlayEvent):
    amount: float
    core_acv: float
    cycle_days: float


class PlayLost(PlayEvent):
    reason: str


class PlayExpired(PlayEvent):
    deadline: AwareDatetime


class PlayWithdrawn(PlayEvent):
    reason: str


class PlayDisqualified(PlayEvent):
    reason: str


class PlayAtRisk(PlayEvent):
    reason: str


class ReviewDue(PlayEvent):
    """An item for the manager's 1:1 (and a Salesforce Task)."""

    review: str  # the timer kind, e.g. review_day7
    day: int
    due_at: AwareDatetime
    phase: Phase | None
    deadline: AwareDatetime
    at_risk: bool


class ReviewResolved(PlayEvent):
    """The manager resolved a review: its Salesforce Task is done."""

    review: str  # the review's kind, e.g. review_day7
    outcome: str
    note: str


class SponsorOverdue(PlayEvent):
    due_at: AwareDatetime


class BusinessCaseOverdue(PlayEvent):
    due_at: AwareDatetime
