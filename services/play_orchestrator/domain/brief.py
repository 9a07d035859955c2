"""The six-item pre-call brief, its completeness rule and its pre-fill.

Items 2 (observable signal), 4 (executive sponsor) and 5 (pain confirmation
within the last 60 days) are required: without them the play is a
prospecting attempt, not a play. Items 1, 3 and 6 are informative.

Item fields may be blank strings so that an incomplete brief can be built
and then refused with every missing item named, instead of failing on the
first empty field.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from shared.timerange import UtcDate, UtcDatetime

from .errors import BriefIncomplete
from .inputs import AccountInfo, Contact, SignalInfo, SignalRef, TicketEvidence
from .states import PAIN_MAX_AGE

ITEM_2_MISSING = "item 2: observable signal"
ITEM_4_MISSING = "item 4: executive sponsor (name, title)"
ITEM_5_MISSING = (
    "item 5: pain confirmation (which operator named the pain, where, when) within the last 60 days"
)
SAME_PERSON_WARNING = (
    "champion and executive sponsor are the same person ({name}): the operator "
    "who confirmed the pain rarely signs the order; map a separate sponsor"
)


class _Item(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CustomerContext(_Item):  # item 1
    account_name: str = ""
    core_product: str = ""
    core_acv: float | None = None
    renewal_date: UtcDate | None = None


class ObservableSignal(_Item):  # item 2
    description: str = ""
    signal_ids: tuple[str, ...] = ()
    signal_types: tuple[str, ...] = ()


class AdjacentFit(_Item):  # item 3
    product: str = ""
    problem: str = ""


class ExecutiveSponsor(_Item):  # item 4
    name: str = ""
    title: str = ""
    contact_id: str | None = None
    last_touch: UtcDatetime | None = None
    relationship_owner: str | None = None

    def as_contact(self) -> Contact:
        return Contact(name=self.name, title=self.title, contact_id=self.contact_id)


class PainConfirmation(_Item):  # item 5
    operator: Contact
    where: str = ""  # ticket id and subject, or the recorded call
    quote: str = ""
    medium: str = "written"  # written | recorded_call
    confirmed_at: UtcDatetime


class Commitment(_Item):  # item 6
    meeting_at: UtcDatetime | None = None
    attendees: tuple[str, ...] = ()
    agenda: str = ""
    next_step: str = ""


class Brief(_Item):
    customer: CustomerContext | None = None
    signal: ObservableSignal | None = None
    adjacent: AdjacentFit | None = None
    sponsor: ExecutiveSponsor | None = None
    pain: PainConfirmation | None = None
    commitment: Commitment | None = None

    def merged(self, update: Brief) -> Brief:
        """Items given in ``update`` replace ours; items it leaves out (None)
        keep their current, possibly pre-filled, value."""
        changes = {
            name: getattr(update, name)
            for name in type(self).model_fields
            if getattr(update, name) is not None
        }
        return self.model_copy(update=changes)


class BriefCheck(_Item):
    missing: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing


def _blank(text: str | None) -> bool:
    return not (text or "").strip()


def check_brief(brief: Brief, now: datetime) -> BriefCheck:
    """Name every missing required item and every warning, raising nothing."""
    missing: list[str] = []
    if brief.signal is None or _blank(brief.signal.description):
        missing.append(ITEM_2_MISSING)
    sponsor = brief.sponsor
    if sponsor is None or _blank(sponsor.name) or _blank(sponsor.title):
        missing.append(ITEM_4_MISSING)
    pain = brief.pain
    if pain is None or _blank(pain.operator.name) or _blank(pain.where):
        missing.append(ITEM_5_MISSING)
    elif now - pain.confirmed_at > PAIN_MAX_AGE:
        missing.append(
            f"{ITEM_5_MISSING} (the confirmation by {pain.operator.name} on "
            f"{pain.confirmed_at.date().isoformat()} is older than 60 days)"
        )
    warnings: list[str] = []
    if sponsor is not None and pain is not None and pain.operator.same_person(sponsor.as_contact()):
        warnings.append(SAME_PERSON_WARNING.format(name=sponsor.name))
    return BriefCheck(missing=tuple(missing), warnings=tuple(warnings))


def validate_brief(brief: Brief, now: datetime) -> tuple[str, ...]:
    """Raise ``BriefIncomplete`` naming each missing item; else the warnings."""
    result = check_brief(brief, now)
    if not result.complete:
        raise BriefIncomplete(result.missing, result.warnings)
    return result.warnings


def prefill_brief(signal: SignalInfo, account: AccountInfo, now: datetime) -> Brief:
    """Items 1, 2, 3 and (from ticket evidence) 5; 4 and 6 are the reps'."""
    customer = CustomerContext(
        account_name=account.name,
        core_product=account.core_product,
        core_acv=account.core_acv,
        renewal_date=account.renewal_date,
    )
    ordered = sorted(signal.signals, key=lambda s: s.occurred_at)
    observable = ObservableSignal(
        description="; ".join(_describe(s) for s in ordered),
        signal_ids=tuple(s.id for s in ordered),
        signal_types=tuple(dict.fromkeys(s.type for s in ordered)),
    )
    recent = [t for t in signal.tickets() if now - t.occurred_at <= PAIN_MAX_AGE]
    return Brief(
        customer=customer,
        signal=observable,
        adjacent=AdjacentFit(product=signal.adjacent_product, problem=_problem(signal, recent)),
        pain=_pain_from(recent[0]) if recent else None,
    )


def _describe(signal: SignalRef) -> str:
    detail = signal.evidence.summary or ", ".join(
        f"{key}={value:g}" for key, value in signal.evidence.numbers.items()
    )
    text = (
        f"{signal.type} on {signal.occurred_at.date().isoformat()} "
        f"(source {signal.source}, surfaced by {signal.surfaced_by})"
    )
    return f"{text}: {detail}" if detail else text


def _problem(signal: SignalInfo, recent: list[TicketEvidence]) -> str:
    problem = signal.adjacent_problem.strip() or signal.primary.evidence.summary
    if recent:
        words = recent[0].quote or recent[0].subject
        problem = f'{problem} In their words: "{words}"'.strip()
    return problem


def _pain_from(ticket: TicketEvidence) -> PainConfirmation:
    where = f'ticket {ticket.ticket_id}: "{ticket.subject}"'
    return PainConfirmation(
        operator=ticket.requester,
        where=where,
        quote=ticket.quote or ticket.subject,
        medium=ticket.medium,
        confirmed_at=ticket.occurred_at,
    )
