"""Fold one canonical event into the account state.

Events arrive out of order (vendor retries, batch exports, several sources), so
every fact carries the time it was true and an older event never overwrites a
newer fact about the same thing: profile fields, product lists, escalations,
renewals, stakeholders and ticket status each keep their own fact time. Equal
times are resolved deterministically (a resolution beats an opening).

Short categorical strings kept in the state (series keys, roles, topics, pain
terms, kinds, statuses, personas, owners) are ``sys.intern``-ed: thousands of
cached states then share one copy of each instead of one per event. Free text
(subjects, quotes, note text, details) is not.
"""

from __future__ import annotations

import re
from bisect import insort
from dataclasses import dataclass, field
from datetime import datetime
from sys import intern

from shared.messages.inbound import (
    AccountEscalationEvent,
    AccountNoteEvent,
    AccountProfileEvent,
    AccountRenewalEvent,
    AccountStakeholderEvent,
    CanonicalEvent,
    TicketClosedEvent,
    TicketData,
    TicketOpenedEvent,
    UsageMetricEvent,
    UsageWorkaroundEvent,
)

from .catalog import Catalog
from .signals import GateReason
from .state import (
    CLOSED_RENEWAL,
    NOTE_TEXT_KEEP,
    QUOTE_KEEP,
    AccountState,
    CompetitorPurchase,
    Escalation,
    Note,
    OwnedProduct,
    Renewal,
    Sample,
    Series,
    SeriesKey,
    Stakeholder,
    Ticket,
    Workaround,
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(slots=True)
class Applied:
    """What the fold changed that the signal rules care about."""

    series_key: SeriesKey | None = None
    newest_sample: bool = False
    new_ticket: Ticket | None = None
    stakeholder_added: bool = False
    gates_touched: set[str] = field(default_factory=set)


def apply_facts(state: AccountState, event: CanonicalEvent, catalog: Catalog) -> Applied:
    state.observe(event.occurred_at)
    at = event.occurred_at
    out = Applied()
    if isinstance(event, UsageMetricEvent):
        d = event.data
        key = (intern(d.product), intern(d.metric), intern(d.module) if d.module else "")
        series = state.usage.get(key)
        if series is None:  # not setdefault: no new Series (four arrays) per event
            series = state.usage[key] = Series()
        out.series_key = key
        out.newest_sample = series.insert(Sample(at, d.value, d.limit))
        out.gates_touched.add(GateReason.DECLINING_USAGE)
    elif isinstance(event, UsageWorkaroundEvent):
        w = event.data
        workaround = Workaround(intern(w.kind), intern(w.product), w.detail, at)
        insort(state.workarounds, workaround, key=lambda x: x.at)
    elif isinstance(event, TicketOpenedEvent | TicketClosedEvent):
        _apply_ticket(state, event.data, at, isinstance(event, TicketClosedEvent), catalog, out)
    elif isinstance(event, AccountProfileEvent):
        _apply_profile(state, event, out)
    elif isinstance(event, AccountRenewalEvent):
        _apply_renewal(state, event)
        out.gates_touched.update({GateReason.RENEWAL_NEGOTIATION, GateReason.RENEWAL_WINDOW})
    elif isinstance(event, AccountEscalationEvent):
        e = event.data
        known = state.escalations.get(e.escalation_id)
        if known is None or at > known.at or (at == known.at and e.status == "resolved"):
            state.escalations[e.escalation_id] = Escalation(intern(e.status), at)
            out.gates_touched.add(GateReason.OPEN_ESCALATION)
    elif isinstance(event, AccountStakeholderEvent):
        s = event.data
        known_s = state.stakeholders.get(s.contact_id)
        if known_s is None or at >= known_s.at:
            present = s.change == "added"
            out.stakeholder_added = present and (
                known_s is None or not known_s.present or known_s.persona != s.persona
            )
            state.stakeholders[s.contact_id] = Stakeholder(
                s.name, intern(s.title), intern(s.persona), present, at
            )
    elif isinstance(event, AccountNoteEvent):
        n = event.data
        note = Note(
            intern(n.kind),
            n.text[:NOTE_TEXT_KEEP],
            n.adjacent_product,
            n.competitor,
            intern(n.author_role) if n.author_role is not None else None,
            at,
        )
        insort(state.notes, note, key=lambda x: x.at)
        if n.kind == "competitor_purchase":
            adjacent = note_adjacent(catalog, n.adjacent_product, n.competitor, n.text)
            insort(
                state.competitor_purchases,
                CompetitorPurchase(n.competitor, adjacent, at),
                key=lambda x: x.at,
            )
            out.gates_touched.add(GateReason.COMPETITOR_BOUGHT)
    return out


def note_adjacent(
    catalog: Catalog, named: str | None, competitor: str | None, text: str
) -> list[str]:
    """Which adjacent products a note is about: the one it names, else the
    category of the competitor it names, else products named in its text."""
    if named:
        return catalog.resolve_adjacent(named)
    if competitor:
        by_competitor = catalog.adjacent_for_competitor(competitor)
        if by_competitor:
            return list(by_competitor)
    return catalog.resolve_adjacent(None, text)


def _apply_ticket(
    state: AccountState,
    d: TicketData,
    at: datetime,
    closing: bool,
    catalog: Catalog,
    out: Applied,
) -> None:
    ticket = state.tickets.get(d.ticket_id)
    was_open_escalation = ticket is not None and ticket.escalation and not ticket.closed
    if ticket is None:
        ticket = Ticket(
            ticket_id=d.ticket_id,
            requester_id=intern(d.requester.contact_id),
            requester_name=d.requester.name,
            requester_role=intern(d.requester.role),
            subject=d.subject,
            quote="",
            topics=[intern(t) for t in d.topics],
            escalation=d.escalation,
            opened_at=at,
            updated_at=at,
            closed_at=at if closing else None,
        )
        _match_pain(ticket, d, catalog)
        state.tickets[d.ticket_id] = ticket
        out.new_ticket = ticket
    else:
        if not closing and at < ticket.opened_at:
            ticket.opened_at = at
        if at >= ticket.updated_at:
            ticket.updated_at = at
            ticket.closed_at = at if closing else None
            ticket.requester_id = intern(d.requester.contact_id)
            ticket.requester_name = d.requester.name
            ticket.requester_role = intern(d.requester.role)
            ticket.subject = d.subject
            ticket.topics = [intern(t) for t in d.topics]
            ticket.escalation = d.escalation
            _match_pain(ticket, d, catalog)
    if was_open_escalation != (ticket.escalation and not ticket.closed):
        out.gates_touched.add(GateReason.OPEN_ESCALATION)


def _match_pain(ticket: Ticket, d: TicketData, catalog: Catalog) -> None:
    ticket.pain = {}
    for adj in catalog.adjacent_products:
        terms = adj.pain_match(d.topics, d.subject, d.description)
        if terms:
            ticket.pain[intern(adj.id)] = [intern(t) for t in terms]
    ticket.quote = customer_quote(d.subject, d.description, ticket.pain) if ticket.pain else ""


def customer_quote(subject: str, description: str, pain: dict[str, list[str]]) -> str:
    """The customer's own sentence that names the pain, else their first one."""
    sentences = [s.strip() for s in _SENTENCE_END.split(description) if s.strip()]
    phrases = [t.lower() for terms in pain.values() for t in terms]
    for sentence in sentences:
        lowered = sentence.lower()
        if any(p in lowered for p in phrases):
            return sentence[:QUOTE_KEEP]
    return (sentences[0] if sentences else subject)[:QUOTE_KEEP]


def _apply_profile(state: AccountState, event: AccountProfileEvent, out: Applied) -> None:
    d, at, prof = event.data, event.occurred_at, state.profile
    changed = False
    for name in ("name", "csm_owner", "ae_owner", "health"):
        value = getattr(d, name)
        known_at = prof.field_at.get(name)
        if value is not None and (known_at is None or at >= known_at):
            if name != "name":  # owners and health are categorical, the name is not
                value = intern(value)
            changed = changed or getattr(prof, name) != value
            setattr(prof, name, value)
            prof.field_at[name] = at
    if d.products is not None and (state.products_at is None or at >= state.products_at):
        state.products = {
            p.product: OwnedProduct(p.tier, p.acv, p.renewal_date, p.adoption_pct)
            for p in d.products
        }
        state.products_at = at
        changed = True
    if changed:
        out.gates_touched.update(
            {
                GateReason.HEALTH_AT_RISK,
                GateReason.LOW_ADOPTION,
                GateReason.ALREADY_OWNED,
                GateReason.RENEWAL_WINDOW,
                GateReason.FACTS_MISSING,
            }
        )


def _apply_renewal(state: AccountState, event: AccountRenewalEvent) -> None:
    d, at = event.data, event.occurred_at
    known = state.renewals.get(d.product)
    closed_at = at if d.status in CLOSED_RENEWAL else None
    if known is None:
        state.renewals[d.product] = Renewal(intern(d.status), d.renewal_date, at, closed_at)
        return
    if closed_at is not None and (known.last_closed_at is None or closed_at > known.last_closed_at):
        known.last_closed_at = closed_at  # a closure happened, even if reported late
    if at >= known.at:
        known.status, known.renewal_date, known.at = intern(d.status), d.renewal_date, at
