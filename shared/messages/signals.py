"""``crosssell.signals``: what signal_ingest decided about a detected signal.

Types: ``SignalQualified``, ``SignalSuppressed``, ``SignalStale`` (first decision)
and ``SignalRequalified`` (a suppressed signal whose gates cleared). The
message carries the account facts play_orchestrator needs to open and brief a
play, because services never read each other's tables.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.messages.envelope import SchemaRegistry
from shared.messages.evidence import Evidence

SIGNAL_TYPES = (
    "usage_ceiling",
    "seat_milestone",
    "adjacent_pain",
    "workaround",
    "stakeholder_expansion",
    "strategic_shift",
    "partner_flag",
    "competitive_adjacent",
)
MESSAGE_TYPES = ("SignalQualified", "SignalSuppressed", "SignalStale", "SignalRequalified")


class Stakeholder(BaseModel):
    model_config = ConfigDict(frozen=True)
    contact_id: str
    name: str
    title: str = ""
    persona: str = ""


class AccountSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True)

    account_id: str
    name: str = ""
    health: str | None = None
    csm_owner: str | None = None
    ae_owner: str | None = None
    core_product: str = ""
    core_acv: float = 0.0
    renewal_date: date | None = None
    adoption_pct: float | None = None
    total_acv: float = 0.0  # the account's ARR across products
    stakeholders: tuple[Stakeholder, ...] = ()


class SignalMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    signal_id: str
    account_id: str
    adjacent_product: str
    type: Literal[
        "usage_ceiling",
        "seat_milestone",
        "adjacent_pain",
        "workaround",
        "stakeholder_expansion",
        "strategic_shift",
        "partner_flag",
        "competitive_adjacent",
    ]
    status: Literal["qualified", "suppressed", "stale"]
    suppression_reasons: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # e.g. health_yellow (allowed but flagged)
    score: float
    evidence: Evidence
    source: str
    surfaced_by: Literal["csm", "ae", "partner", "system"]
    detected_at: datetime
    needs_verification: bool = False
    # Scoring for the (account, adjacent product) pair at decision time:
    play_score: float = 0.0
    play_threshold: float = 0.0
    opens_play: bool = False
    qualified_signal_ids: tuple[str, ...] = Field(default=())  # the ones summed in play_score
    adjacent_problem: str = ""  # catalog wording of the pain the adjacent product removes
    account: AccountSnapshot


def register(registry: SchemaRegistry) -> None:
    for message_type in MESSAGE_TYPES:
        registry.register(message_type, SignalMessage)
