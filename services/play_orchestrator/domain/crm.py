"""Salesforce changes fed back to the play (``crosssell.crm``).

A change on the cross-sell Opportunity becomes the same commands a user
would send, with actor ``salesforce``. Echoes of what crm_sync itself wrote
produce nothing, so the write-back loop settles. Rules:

* the three discovery answers, all filled and different from the play's ->
  RecordDiscovery(fit=True) (Salesforce has no "no fit"; that is a user call);
* sponsor name + title different from what the play knows (the engaged
  sponsor, else the brief's item 4): before discovery it edits brief item 4
  (SubmitBrief; from ``open`` only when that completes the brief), from
  ``discovery_done`` on it is EngageSponsor. The brief's sponsor echoed back
  is not an engagement;
* StageName ``Closed Won`` -> Close(won, Amount or the expected amount); if the
  play is at ``discovery_done`` the sponsor on the record (Salesforce's
  validation rule requires it for Closed Won) is engaged first;
* StageName ``Closed Lost`` -> Close(lost, loss reason).

The commands are returned, not applied: the handler applies them in order and
treats an ``IllegalTransition`` from Salesforce as a logged no-op.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from .brief import Brief, ExecutiveSponsor, check_brief
from .commands import (
    Close,
    Command,
    DiscoveryAnswers,
    EngageSponsor,
    RecordDiscovery,
    SubmitBrief,
)
from .model import Play
from .states import SALESFORCE_ACTOR, PlayState
from .transitions import TRANSITIONS

CLOSED_WON = "Closed Won"
CLOSED_LOST = "Closed Lost"


class CrmUpdate(BaseModel):
    """The fields of a changed cross-sell Opportunity the play cares about."""

    model_config = ConfigDict(frozen=True)

    play_id: str
    stage: str | None = None
    amount: float | None = None
    loss_reason: str | None = None
    sponsor_name: str | None = None
    sponsor_title: str | None = None
    discovery_answer_1: str | None = None
    discovery_answer_2: str | None = None
    discovery_answer_3: str | None = None


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _same_sponsor(known: ExecutiveSponsor | None, name: str, title: str) -> bool:
    return (
        known is not None
        and _clean(known.name).casefold() == name.casefold()
        and _clean(known.title).casefold() == title.casefold()
    )


def commands_from_crm(play: Play, update: CrmUpdate, now: datetime) -> list[Command]:
    commands: list[Command] = []
    state = play.state

    def add(command: Command) -> None:
        nonlocal state
        commands.append(command)
        target = TRANSITIONS.get((state, command.trigger))
        if isinstance(target, PlayState):
            state = target

    raw = (update.discovery_answer_1, update.discovery_answer_2, update.discovery_answer_3)
    answers = [_clean(a) for a in raw]
    if all(answers):
        given = DiscoveryAnswers(
            current_workflow=answers[0], time_or_accuracy_loss=answers[1], one_fix=answers[2]
        )
        if given != play.discovery:
            add(RecordDiscovery(actor=SALESFORCE_ACTOR, answers=given, fit=True))

    name, title = _clean(update.sponsor_name), _clean(update.sponsor_title)
    engage = (
        EngageSponsor(actor=SALESFORCE_ACTOR, name=name, title=title) if name and title else None
    )
    if engage and not _same_sponsor(play.sponsor or play.brief.sponsor, name, title):
        if state in (PlayState.DISCOVERY_DONE, PlayState.SPONSOR_ENGAGED):
            add(engage)
        elif state in (PlayState.BRIEFED, PlayState.MEETING_BOOKED) or (
            state is PlayState.OPEN and _completes_brief(play, name, title, now)
        ):
            add(_brief_sponsor(name, title))

    if update.stage == CLOSED_WON and play.state is not PlayState.WON:
        if state is PlayState.DISCOVERY_DONE and engage:
            add(engage)
        amount = update.amount if update.amount and update.amount > 0 else play.expected_amount
        add(Close(actor=SALESFORCE_ACTOR, outcome="won", amount=amount))
    elif update.stage == CLOSED_LOST and play.state is not PlayState.LOST:
        reason = _clean(update.loss_reason) or "Closed Lost in Salesforce"
        add(Close(actor=SALESFORCE_ACTOR, outcome="lost", reason=reason))
    return commands


def _brief_sponsor(name: str, title: str) -> SubmitBrief:
    sponsor = ExecutiveSponsor(name=name, title=title)
    return SubmitBrief(actor=SALESFORCE_ACTOR, brief=Brief(sponsor=sponsor))


def _completes_brief(play: Play, name: str, title: str, now: datetime) -> bool:
    merged = play.brief.merged(Brief(sponsor=ExecutiveSponsor(name=name, title=title)))
    return check_brief(merged, now).complete
