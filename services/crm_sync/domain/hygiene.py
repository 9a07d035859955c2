"""The three required cross-sell fields, and what crm_sync does about them.

Required on every cross-sell Opportunity: a signal source (one of the four
picklist values), the executive sponsor's name and title, and the three
discovery answers. ``missing_items`` names what is absent in a fixed order;
``hygiene_text`` is the value of ``Cross_Sell_Hygiene__c``.

``enforce`` decides, for one observed change of an Opportunity:

* the hygiene value to write (only when Salesforce holds something else);
* a stage roll-back: in strict mode, an incomplete Opportunity that moved to
  the gate stage or later, or to Closed Won whatever the gate, goes back to the
  stage it came from. Closed Lost is never blocked. Our own integration user's
  changes are never rolled back (that is how a roll-back cannot loop), and an
  Opportunity that did not move is not rolled back: blanking a field at
  Negotiation yields "Missing: …" and a task, not a stage change;
* the hygiene Task: one open Task while anything is missing (created if none is
  open, updated when what is missing changed), closed once complete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from . import fields as f
from .tasks import (
    TaskAction,
    TaskDecision,
    close_task,
    hygiene_description,
    hygiene_subject,
    hygiene_task,
)
from .values import is_blank, same_value

COMPLETE = "Complete"

REQUIREMENTS: tuple[tuple[str, str], ...] = (
    (f.SIGNAL_SOURCE, "Signal source"),
    (f.SPONSOR_NAME, "Executive sponsor name"),
    (f.SPONSOR_TITLE, "Executive sponsor title"),
    (f.DISCOVERY_1, "Discovery answer 1"),
    (f.DISCOVERY_2, "Discovery answer 2"),
    (f.DISCOVERY_3, "Discovery answer 3"),
)


def missing_items(opportunity_fields: Mapping[str, object]) -> list[str]:
    """Labels of the required items that are blank (or, for the source, not a picklist value)."""
    missing = []
    for name, label in REQUIREMENTS:
        value = opportunity_fields.get(name)
        if name == f.SIGNAL_SOURCE:
            ok = isinstance(value, str) and value.strip() in f.SIGNAL_SOURCE_PICKLIST
        else:
            ok = not is_blank(value)
        if not ok:
            missing.append(label)
    return missing


def hygiene_text(missing: Sequence[str]) -> str:
    """``"Complete"`` or ``"Missing: <label>, <label>"``."""
    return f"Missing: {', '.join(missing)}" if missing else COMPLETE


@dataclass(frozen=True)
class EnforcementConfig:
    strict: bool = True
    gate_stage: str = f.STAGE_PROPOSAL
    stages: tuple[str, ...] = f.STANDARD_STAGES  # ordered, as in the org
    won_stage: str = f.STAGE_CLOSED_WON
    lost_stage: str = f.STAGE_CLOSED_LOST

    def __post_init__(self) -> None:
        for name in (self.gate_stage, self.won_stage, self.lost_stage):
            if name not in self.stages:
                raise ValueError(f"stage {name!r} is not in the configured stages")

    def is_gated(self, stage: str | None) -> bool:
        """True when an incomplete Opportunity may not move to ``stage``."""
        if stage is None or stage == self.lost_stage or stage not in self.stages:
            return False
        if stage == self.won_stage:
            return True
        return self.stages.index(stage) >= self.stages.index(self.gate_stage)

    def last_stage_before_gate(self) -> str | None:
        open_stages = [s for s in self.stages if s not in (self.won_stage, self.lost_stage)]
        allowed = [s for s in open_stages if not self.is_gated(s)]
        return allowed[-1] if allowed else None


@dataclass(frozen=True)
class OpportunityChange:
    """One observed state of a cross-sell Opportunity, as the lead knows it."""

    opportunity_id: str
    play_id: str
    fields: Mapping[str, object]  # current values in Salesforce
    previous_stage: str | None  # the stage as we last knew it; None when unknown
    today: date  # due date of a new hygiene task
    from_integration_user: bool = False
    owner_id: str | None = None
    open_task_exists: bool = False
    open_task_description: str | None = None

    @property
    def new_stage(self) -> str | None:
        value = self.fields.get(f.STAGE)
        return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class EnforcementDecision:
    missing: tuple[str, ...]
    hygiene: str  # the value Cross_Sell_Hygiene__c should hold
    write_hygiene: bool  # Salesforce holds something else
    rollback_to: str | None  # the stage to put the Opportunity back to
    known_stage: str | None  # the stage to remember as "previous" from now on
    task: TaskDecision = field(default_factory=lambda: TaskDecision(TaskAction.NONE))

    def writes(self) -> dict[str, str]:
        """The Opportunity fields to update now (empty when nothing to write)."""
        out: dict[str, str] = {}
        if self.write_hygiene:
            out[f.HYGIENE] = self.hygiene
        if self.rollback_to is not None:
            out[f.STAGE] = self.rollback_to
        return out


def enforce(change: OpportunityChange, config: EnforcementConfig) -> EnforcementDecision:
    missing = missing_items(change.fields)
    text = hygiene_text(missing)
    current_text = change.fields.get(f.HYGIENE)
    rollback_to = _rollback_target(change, config) if missing else None
    new_stage = change.new_stage
    return EnforcementDecision(
        missing=tuple(missing),
        hygiene=text,
        write_hygiene=current_text != text,
        rollback_to=rollback_to,
        known_stage=rollback_to or new_stage or change.previous_stage,
        task=_task_decision(change, config, missing),
    )


def _rollback_target(change: OpportunityChange, config: EnforcementConfig) -> str | None:
    new_stage = change.new_stage
    if not config.strict or change.from_integration_user or not config.is_gated(new_stage):
        return None
    if change.previous_stage is None:
        return config.last_stage_before_gate()
    if change.previous_stage == new_stage:
        return None
    return change.previous_stage


def _task_decision(
    change: OpportunityChange, config: EnforcementConfig, missing: Sequence[str]
) -> TaskDecision:
    if not missing:
        return close_task(open_task_exists=change.open_task_exists)
    description = hygiene_description(missing, gate_stage=config.gate_stage, strict=config.strict)
    if not change.open_task_exists:
        spec = hygiene_task(
            play_id=change.play_id,
            opportunity_id=change.opportunity_id,
            missing=missing,
            due=change.today,
            gate_stage=config.gate_stage,
            strict=config.strict,
            owner_id=change.owner_id,
        )
        return TaskDecision(TaskAction.CREATE, spec.to_fields())
    if same_value(change.open_task_description, description):
        return TaskDecision(TaskAction.NONE)
    return TaskDecision(
        TaskAction.UPDATE,
        {"Subject": hygiene_subject(change.play_id, missing), "Description": description},
    )
