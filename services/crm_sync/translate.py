"""Between the message contract and the crm_sync domain, both ways.

In: a ``crosssell.plays`` snapshot becomes the domain's ``PlaySnapshot`` and
then the Opportunity fields the play wants (``desired_fields``). Two of the
play's values are Salesforce references only when they look like one: the
play's ``account_id`` is our customer id (``Account.Crosssell_Account_Id__c``
in the org), so ``AccountId`` is written only when the play carries a real
Account id (``001…``), and ``OwnerId`` only for a User id (``005…``); writing
anything else would be refused for good as MALFORMED_ID.

Out: the domain's feedback commands for one notification become one
``OpportunityChanged`` on ``crosssell.crm``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from services.crm_sync.domain import (
    CrmCommand,
    DiscoveryAnswersChanged,
    EvidenceQuote,
    OpportunityClosed,
    PlaySnapshot,
    SignalEvidence,
    SponsorChanged,
    opportunity_fields,
)
from services.crm_sync.domain import fields as f
from shared.messages import plays as wire
from shared.messages.crm import OpportunityChanged
from shared.messages.envelope import Envelope
from shared.timerange import utc_in_range

SOURCE = "crm_sync"
# Text fields with a length limit in the org: a longer value would be refused for good.
FIELD_LENGTHS = {
    f.SPONSOR_NAME: 120,
    f.SPONSOR_TITLE: 120,
    f.SIGNAL_TYPE: 80,
    f.PLAY_STATE: 40,
}
ACCOUNT_PREFIX = "001"
USER_PREFIX = "005"


def is_sf_id(value: str | None, prefix: str) -> bool:
    """A 15- or 18-character Salesforce id of the object with this key prefix."""
    if value is None or len(value) not in (15, 18):
        return False
    return value.isalnum() and value.startswith(prefix)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _evidence(evidence: wire.Evidence) -> SignalEvidence:
    quotes = tuple(
        EvidenceQuote(
            text=q.text,
            who=q.name or None,
            role=q.role or None,
            ref=q.ticket_id or q.contact_id,
            at=q.at,
        )
        for q in evidence.quotes
        if q.text.strip()
    )
    return SignalEvidence(
        summary=evidence.summary or None, numbers=dict(evidence.numbers), quotes=quotes
    )


def domain_snapshot(play: wire.PlaySnapshot) -> PlaySnapshot:
    answers = play.discovery_answers
    amount = play.won_amount if play.state == "won" and play.won_amount else play.expected_amount
    return PlaySnapshot(
        play_id=play.play_id,
        account_id=play.account_id,
        account_name=play.account_name or play.account_id,
        adjacent_product=play.adjacent_product,
        state=play.state,
        deadline=_aware(play.deadline),
        expected_amount=amount if amount else None,
        signal_source=play.signal_source,
        signal_note_kind=play.signal_note_kind,
        signal_type=play.signal_type or "unknown",
        signal_evidence=_evidence(play.evidence),
        sponsor_name=play.sponsor_name,
        sponsor_title=play.sponsor_title,
        discovery_answers=(
            (answers[0] or "", answers[1] or "", answers[2] or "") if any(answers) else None
        ),
        owner_id=play.owner if is_sf_id(play.owner, USER_PREFIX) else None,
    )


def desired_fields(play: wire.PlaySnapshot) -> dict[str, Any]:
    """The Opportunity fields the play wants (before field ownership is applied)."""
    out: dict[str, Any] = dict(opportunity_fields(domain_snapshot(play)))
    for name, length in FIELD_LENGTHS.items():
        value = out.get(name)
        if isinstance(value, str) and len(value) > length:
            out[name] = value[: length - 1] + "…"
    if not is_sf_id(str(out.get(f.ACCOUNT_ID) or ""), ACCOUNT_PREFIX):
        out.pop(f.ACCOUNT_ID, None)
    return out


def parse_instant(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
        utc_in_range(moment)  # aware and within the supported range, else absent
    except ValueError:
        return None
    return moment


def opportunity_changed(
    commands: Sequence[CrmCommand],
    *,
    notification_id: str,
    account_id: str,
    fields: Mapping[str, Any],
    now: datetime,
) -> Envelope | None:
    """One ``OpportunityChanged`` carrying what the commands say changed, or None."""
    if not commands:
        return None
    values: dict[str, Any] = {}
    play_id = opportunity_id = ""
    for command in commands:
        play_id, opportunity_id = command.play_id, command.opportunity_id
        if isinstance(command, DiscoveryAnswersChanged):
            a1, a2, a3 = command.answers
            values.update(discovery_answer_1=a1, discovery_answer_2=a2, discovery_answer_3=a3)
        elif isinstance(command, SponsorChanged):
            values.update(sponsor_name=command.name, sponsor_title=command.title)
        elif isinstance(command, OpportunityClosed):
            values.update(stage=command.stage, amount=command.amount)
    changed_at = parse_instant(fields.get(f.SYSTEM_MODSTAMP)) or now
    changed_by = fields.get(f.LAST_MODIFIED_BY_ID)
    message = OpportunityChanged(
        play_id=play_id,
        opportunity_id=opportunity_id,
        changed_at=changed_at,
        changed_by=changed_by if isinstance(changed_by, str) else None,
        **values,
    )
    return Envelope(
        id=f"{SOURCE}:changed:{notification_id}",
        type="OpportunityChanged",
        account_id=account_id,
        occurred_at=changed_at,
        source=SOURCE,
        payload=message.model_dump(mode="json"),
    )
