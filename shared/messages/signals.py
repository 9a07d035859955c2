"""``crosssell.signals``: what signal_ingest decided about a detected signal.

Types: ``SignalQualified``, ``SignalSuppressed``, ``SignalStale`` (first decision)
and ``SignalRequalified`` (a suppressed signal whose gates cleared). The
message carries the account facts play_orchestrator needs to open and brief a
play, because services never read each other's tables.

Fields added after the first version all have defaults, so older messages stay
valid (no upcaster needed): ``adjacent`` (the catalog's description of the
adjacent product, for coaching), ``gates_checked`` (every readiness gate with
its result), ``evidence_facts`` (the named facts behind the evidence numbers)
and, on the account snapshot, ``core_product_name`` and ``core_tier``.
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


class AdjacentProductInfo(BaseModel):
    """The catalog's description of an adjacent product, in the words a rep can use.

    Empty strings mean the catalog does not say; consumers fall back to their own wording.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    solves: str = ""  # how it removes the pain, for this kind of customer
    workflow: str = ""  # the adjacent workflow, e.g. "quarterly access reviews"
    problem_area: str = ""  # e.g. "access control and audit readiness"
    integration_points: tuple[str, ...] = ()  # where it plugs into the core product
    typical_outcome: str = ""
    typical_timeline: str = ""
    pain_phrases: tuple[str, ...] = ()
    buyer_personas: tuple[str, ...] = ()  # job titles that usually hold the budget
    user_personas: tuple[str, ...] = ()  # job titles that use it day to day


class GateCheck(BaseModel):
    """One readiness gate as evaluated for this decision."""

    model_config = ConfigDict(frozen=True)

    name: str  # open_escalation, renewal_window, ... (SPEC section 5)
    passed: bool
    detail: str = ""  # the fact behind the result, e.g. "adoption 82% (gate: below 60%)"


class AccountSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True)

    account_id: str
    name: str = ""
    health: str | None = None
    csm_owner: str | None = None
    ae_owner: str | None = None
    core_product: str = ""
    core_product_name: str = ""  # the catalog's display name of core_product
    core_tier: str | None = None
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
    adjacent: AdjacentProductInfo | None = None
    # Every gate with its result (empty for a stale signal: staleness decides first).
    gates_checked: tuple[GateCheck, ...] = ()
    # What evidence.numbers cannot carry: metric, product, module, workaround kinds,
    # the stakeholder added (name, title, persona), a note's kind, text and author role.
    evidence_facts: dict[str, str] = Field(default_factory=dict)


def register(registry: SchemaRegistry) -> None:
    for message_type in MESSAGE_TYPES:
        registry.register(message_type, SignalMessage)
