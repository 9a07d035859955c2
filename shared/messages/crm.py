"""``crosssell.crm``: changes reps made to a cross-sell Opportunity in Salesforce.

One type, ``OpportunityChanged``, with the fields the play cares about (only
those that changed are set), and ``OpportunitySynced`` when crm_sync wrote the
Opportunity (its id and hygiene, for the play's page).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from shared.messages.envelope import SchemaRegistry


class OpportunityChanged(BaseModel):
    model_config = ConfigDict(frozen=True)

    play_id: str
    opportunity_id: str
    changed_at: datetime
    stage: str | None = None
    amount: float | None = None
    loss_reason: str | None = None
    sponsor_name: str | None = None
    sponsor_title: str | None = None
    discovery_answer_1: str | None = None
    discovery_answer_2: str | None = None
    discovery_answer_3: str | None = None
    changed_by: str | None = None


class OpportunitySynced(BaseModel):
    model_config = ConfigDict(frozen=True)

    play_id: str
    opportunity_id: str
    hygiene: str
    stage: str | None = None
    synced_at: datetime


def register(registry: SchemaRegistry) -> None:
    registry.register("OpportunityChanged", OpportunityChanged)
    registry.register("OpportunitySynced", OpportunitySynced)
