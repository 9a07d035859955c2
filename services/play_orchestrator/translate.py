"""Messages in, domain values out (and back): the anti-corruption layer.

``crosssell.signals`` carries one signal and the account snapshot; the domain
opens a play from *every* qualified signal that counted towards the pair's
score (``qualified_signal_ids``), which the signal log remembers. The
customer's words (``evidence.quotes``) become ticket evidence, so the brief's
item 5 is pre-filled from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from services.play_orchestrator.domain import (
    AccountInfo,
    Contact,
    CrmUpdate,
    Evidence,
    Play,
    SignalInfo,
    SignalRef,
    TicketEvidence,
)
from services.play_orchestrator.ports import AccountRecord, Origin, StoredSignal
from shared.messages.crm import OpportunityChanged
from shared.messages.evidence import Evidence as WireEvidence
from shared.messages.evidence import Quote
from shared.messages.plays import PlaySnapshot
from shared.messages.signals import AccountSnapshot, SignalMessage

# The note kind behind a note-born signal type (crm_sync maps "qbr" notes to
# the "QBR Note" signal source; no signal type is born from a QBR note today).
NOTE_KIND_OF_TYPE = {
    "strategic_shift": "strategic_shift",
    "partner_flag": "partner_flag",
    "competitive_adjacent": "competitor_evaluation",
}
_MEDIUMS = {"written": "written", "recorded_call": "recorded_call"}
MAX_QUOTES = 20


def _ticket(quote: Quote, index: int, signal_id: str, at: datetime) -> TicketEvidence | None:
    """A quote is pain evidence when we know who said it, in writing or on a call."""
    medium = _MEDIUMS.get(quote.medium)
    if medium is None or not quote.name.strip() or not quote.text.strip():
        return None
    return TicketEvidence(
        ticket_id=quote.ticket_id or f"{signal_id}#quote{index}",
        requester=Contact(name=quote.name, title=quote.role, contact_id=quote.contact_id),
        subject=quote.text[:300],
        quote=quote.text,
        occurred_at=quote.at or at,
        medium=medium,  # type: ignore[arg-type]
    )


def signal_ref(message: SignalMessage) -> SignalRef:
    tickets = [
        ticket
        for index, quote in enumerate(message.evidence.quotes)
        if (ticket := _ticket(quote, index, message.signal_id, message.detected_at)) is not None
    ]
    return SignalRef(
        id=message.signal_id,
        type=message.type,
        source=message.source,
        surfaced_by=message.surfaced_by,
        occurred_at=message.detected_at,
        score=message.score,
        evidence=Evidence(
            summary=message.evidence.summary,
            numbers=dict(message.evidence.numbers),
            tickets=tuple(tickets),
        ),
        needs_verification=message.needs_verification,
    )


def stored_signal(message: SignalMessage) -> StoredSignal:
    return StoredSignal(
        signal_id=message.signal_id,
        account_id=message.account_id,
        adjacent_product=message.adjacent_product,
        status=message.status,
        ref=signal_ref(message),
        adjacent_problem=message.adjacent_problem,
        facts=dict(message.evidence_facts),
        gates=message.gates_checked,
        flags=message.flags,
        adjacent=message.adjacent,
    )


def signal_info(message: SignalMessage, known: Mapping[str, StoredSignal]) -> SignalInfo:
    """The message's signal plus the other qualified signals it was scored with."""
    refs = {message.signal_id: signal_ref(message)}
    for signal_id in message.qualified_signal_ids:
        stored = known.get(signal_id)
        if (
            stored is not None
            and stored.status == "qualified"
            and stored.account_id == message.account_id
            and stored.adjacent_product == message.adjacent_product
        ):
            refs.setdefault(signal_id, stored.ref)
    return SignalInfo(
        adjacent_product=message.adjacent_product,
        signals=tuple(refs.values()),
        adjacent_problem=message.adjacent_problem,
        score=message.play_score if message.play_score > 0 else None,
    )


def account_info(account: AccountSnapshot) -> AccountInfo:
    return AccountInfo(
        account_id=account.account_id,
        name=account.name or account.account_id,
        core_product=account.core_product,
        core_acv=max(account.core_acv, 0.0),
        renewal_date=account.renewal_date,
        ae_owner=account.ae_owner,
        csm_owner=account.csm_owner,
    )


def account_record(message: SignalMessage, as_of: datetime) -> AccountRecord:
    account = message.account
    return AccountRecord(
        account_id=message.account_id,
        name=account.name,
        core_acv=max(account.core_acv, 0.0),
        # book ARR: the account's ARR across products, else what we know of it
        total_acv=max(account.total_acv, account.core_acv, 0.0),
        as_of=as_of,
        snapshot=account,
    )


def origin_of(info: SignalInfo) -> Origin:
    primary = info.primary
    return Origin(signal_source=primary.source, note_kind=NOTE_KIND_OF_TYPE.get(primary.type))


def crm_update(change: OpportunityChanged) -> CrmUpdate:
    return CrmUpdate(
        play_id=change.play_id,
        stage=change.stage,
        amount=change.amount,
        loss_reason=change.loss_reason,
        sponsor_name=change.sponsor_name,
        sponsor_title=change.sponsor_title,
        discovery_answer_1=change.discovery_answer_1,
        discovery_answer_2=change.discovery_answer_2,
        discovery_answer_3=change.discovery_answer_3,
    )


# ---- out: the play as other services see it ---------------------------------------


def wire_evidence(play: Play) -> WireEvidence:
    """Every signal's evidence merged: summaries, numbers and the customer's words."""
    summaries = [e.summary for e in play.signal.evidence if e.summary]
    numbers: dict[str, float] = {}
    quotes: dict[str, Quote] = {}
    for evidence in play.signal.evidence:
        for key, value in evidence.numbers.items():
            numbers.setdefault(key, value)
        for ticket in evidence.tickets:
            quotes.setdefault(
                ticket.ticket_id,
                Quote(
                    text=(ticket.quote or ticket.subject)[:4000],
                    name=ticket.requester.name,
                    role=ticket.requester.title,
                    contact_id=ticket.requester.contact_id,
                    ticket_id=None if "#quote" in ticket.ticket_id else ticket.ticket_id,
                    at=ticket.occurred_at,
                    medium=ticket.medium,
                ),
            )
    return WireEvidence(
        summary="; ".join(summaries)[:2000],
        numbers=numbers,
        quotes=tuple(list(quotes.values())[:MAX_QUOTES]),
    )


def won_amount(play: Play) -> float | None:
    outcome = play.outcome
    return outcome.amount if outcome is not None and outcome.result == "won" else None


def account_name(play: Play) -> str:
    customer = play.brief.customer
    return customer.account_name if customer is not None else ""


def snapshot(play: Play, origin: Origin) -> PlaySnapshot:
    sponsor = play.sponsor or play.brief.sponsor
    answers = play.discovery
    return PlaySnapshot(
        play_id=play.id,
        account_id=play.account_id,
        account_name=account_name(play),
        adjacent_product=play.adjacent_product,
        template=play.template.value,
        state=play.state.value,
        at_risk=play.at_risk,
        opened_at=play.opened_at,
        signal_occurred_at=play.signal_occurred_at,
        deadline=play.deadline,
        closed_at=play.closed_at,
        core_product=play.core_product,
        core_acv=play.core_acv,
        renewal_date=play.renewal_date,
        expected_amount=play.expected_amount,
        won_amount=won_amount(play),
        owner=play.owner,
        csm=play.csm,
        signal_type=play.signal.primary_type,
        signal_source=origin.signal_source or next(iter(play.signal.sources), ""),
        signal_note_kind=origin.note_kind,
        surfaced_by=play.signal.surfaced_by,
        evidence=wire_evidence(play),
        sponsor_name=(sponsor.name or None) if sponsor else None,
        sponsor_title=(sponsor.title or None) if sponsor else None,
        discovery_answers=(
            (answers.current_workflow, answers.time_or_accuracy_loss, answers.one_fix)
            if answers is not None
            else (None, None, None)
        ),
    )
