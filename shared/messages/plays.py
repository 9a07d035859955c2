"""``crosssell.plays``: every play transition, with a snapshot of the play after it.

The type is the domain event's name (``PlayOpened``, ``PlayBriefed``, ...,
``ReviewDue``). ``event`` holds that event's own fields; ``play`` is the state
after it, so consumers (crm_sync, signal_ingest's play_open/cooldown gates)
never need to replay history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.messages.envelope import SchemaRegistry
from shared.messages.evidence import Evidence

EVENT_TYPES = (
    "PlayOpened",
    "DeadlineSet",
    "PlayBriefed",
    "MeetingBooked",
    "DiscoveryRecorded",
    "SponsorEngaged",
    "PlayPaused",
    "PlayResumed",
    "ExceptionGranted",
    "PlayWon",
    "PlayLost",
    "PlayExpired",
    "PlayWithdrawn",
    "PlayDisqualified",
    "PlayAtRisk",
    "ReviewDue",
    "ReviewResolved",
    "SponsorOverdue",
    "BusinessCaseOverdue",
)
ACTIVE_STATES = ("open", "briefed", "meeting_booked", "discovery_done", "sponsor_engaged", "paused")


class PlaySnapshot(BaseModel):
    model_config = ConfigDict(frozen=True)

    play_id: str
    account_id: str
    account_name: str = ""
    adjacent_product: str
    template: str
    state: str
    at_risk: bool = False
    opened_at: datetime
    signal_occurred_at: datetime
    deadline: datetime
    closed_at: datetime | None = None
    core_product: str = ""
    core_acv: float = 0.0
    renewal_date: date | None = None
    expected_amount: float = 0.0
    won_amount: float | None = None
    owner: str | None = None
    csm: str | None = None
    signal_type: str = ""
    signal_source: str = ""
    signal_note_kind: str | None = None
    surfaced_by: str = "system"
    evidence: Evidence = Evidence()
    sponsor_name: str | None = None
    sponsor_title: str | None = None
    discovery_answers: tuple[str | None, str | None, str | None] = (None, None, None)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


class PlayEventMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    event: dict[str, Any]
    play: PlaySnapshot


def register(registry: SchemaRegistry) -> None:
    for event_type in EVENT_TYPES:
        registry.register(event_type, PlayEventMessage)
