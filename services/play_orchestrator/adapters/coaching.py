"""A coaching ``PlayContext`` built from what this service stores.

Everything comes from our own tables, filled from the signal messages
(event-carried state; we never read signal_ingest): the play document, the
signals that opened it (evidence, named facts, gate results), the account
snapshot a signal message last carried (stakeholders, health, owners), the
account facts (open escalations, renewals in negotiation) and the adjacent
product's catalog description.

``load_inputs`` does the reads; ``build_context`` is the pure mapping (unit
tested without a database). Data missing from older messages falls back to
neutral wording rather than failing: coaching is advice, the play still runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.play_orchestrator.adapters.stores import SqlSignalLog
from services.play_orchestrator.coaching import (
    Account,
    CatalogEntry,
    CoreProduct,
    GateCheck,
    MetricEvidence,
    NoteEvidence,
    PlayContext,
    QuoteEvidence,
    Signal,
    SignalType,
    Stakeholder,
    WorkaroundEvidence,
)
from services.play_orchestrator.coaching import Play as CoachingPlay
from services.play_orchestrator.domain import Contact, ExecutiveSponsor, Play, TicketEvidence
from services.play_orchestrator.domain.states import EXPECTED_AMOUNT_RATIO
from services.play_orchestrator.ports import AccountFacts, StoredSignal
from shared.messages.signals import AccountSnapshot, AdjacentProductInfo

_METRIC_TYPES = {SignalType.USAGE_CEILING, SignalType.SEAT_MILESTONE}
_NOTE_TYPES = {SignalType.STRATEGIC_SHIFT, SignalType.PARTNER_FLAG, SignalType.COMPETITIVE_ADJACENT}
_HEALTH = {"green", "yellow", "red"}
_PLAY_DOC = text("SELECT doc::text AS doc FROM plays WHERE id = :id")
_SNAPSHOT = text("SELECT snapshot::text AS snapshot FROM accounts WHERE account_id = :id")
_FACTS = text(
    "SELECT open_escalations, renewals_negotiating FROM account_facts WHERE account_id = :id"
)


@dataclass(frozen=True)
class CoachingInputs:
    play: Play
    signals: tuple[StoredSignal, ...]  # in the play's signal order
    snapshot: AccountSnapshot | None = None
    facts: AccountFacts | None = None


async def load_inputs(session: AsyncSession, play_id: str) -> CoachingInputs | None:
    doc = (await session.execute(_PLAY_DOC, {"id": play_id})).scalar()
    if doc is None:
        return None
    play = Play.model_validate_json(doc)
    stored = await SqlSignalLog(session).get_many(play.signal.signal_ids)
    raw = (await session.execute(_SNAPSHOT, {"id": play.account_id})).scalar()
    row = (await session.execute(_FACTS, {"id": play.account_id})).first()
    facts = (
        AccountFacts(
            play.account_id, frozenset(row.open_escalations), frozenset(row.renewals_negotiating)
        )
        if row is not None
        else None
    )
    return CoachingInputs(
        play=play,
        signals=tuple(stored[i] for i in play.signal.signal_ids if i in stored),
        snapshot=AccountSnapshot.model_validate_json(raw) if raw else None,
        facts=facts,
    )


async def load_context(session: AsyncSession, play_id: str, now: datetime) -> PlayContext | None:
    inputs = await load_inputs(session, play_id)
    return None if inputs is None else build_context(inputs, now)


# ---- the pure mapping ---------------------------------------------------------------


@dataclass(frozen=True)
class _Names:
    core_id: str
    core: str  # display names
    adjacent: str


def build_context(inputs: CoachingInputs, now: datetime) -> PlayContext:
    play, snap = inputs.play, inputs.snapshot
    same_core = snap is not None and snap.core_product == play.core_product
    adjacent = next((s.adjacent for s in inputs.signals if s.adjacent is not None), None)
    core_name = (snap.core_product_name if snap is not None and same_core else "") or (
        play.core_product or "the core product"
    )
    names = _Names(
        play.core_product, core_name, adjacent.name if adjacent else play.adjacent_product
    )
    signals = tuple(_signal(s, names) for s in inputs.signals) or (_from_play(play),)
    return PlayContext(
        as_of=now,
        account=_account(inputs, names, same_core),
        play=CoachingPlay(
            play_id=play.id,
            adjacent_product=names.adjacent,
            core_product=names.core,
            template=play.template.value,
            state=play.state.value,
            opened_at=play.opened_at,
            deadline=play.deadline,
            sponsor_name=_name(play.sponsor or play.brief.sponsor),
            champion_name=_name(play.current_champion()),
        ),
        signals=signals,
        stakeholders=_stakeholders(play, snap),
        gates=_gates(inputs.signals),
        catalog=_catalog(names.adjacent, adjacent, inputs.signals),
        expected_amount_ratio=(
            play.expected_amount / play.core_acv
            if play.core_acv > 0 and play.expected_amount > 0
            else EXPECTED_AMOUNT_RATIO
        ),
    )


def _name(person: ExecutiveSponsor | Contact | None) -> str | None:
    if person is None:
        return None
    return person.name.strip() or None


def _account(inputs: CoachingInputs, names: _Names, same_core: bool) -> Account:
    play, snap, facts = inputs.play, inputs.snapshot, inputs.facts
    core = snap if snap is not None and same_core else None
    adoption = core.adoption_pct if core is not None else None
    customer = play.brief.customer
    name = (snap.name if snap is not None else "") or (customer.account_name if customer else "")
    health = (snap.health or "") if snap is not None else ""
    return Account(
        account_id=play.account_id,
        name=name or play.account_id,
        health=health if health in _HEALTH else "green",  # type: ignore[arg-type]
        products=(
            CoreProduct(
                product=names.core,
                tier=core.core_tier if core is not None else None,
                acv=max(play.core_acv, 0.0),
                renewal_date=(core.renewal_date if core is not None else None) or play.renewal_date,
                adoption_pct=adoption if adoption is not None and 0 <= adoption <= 100 else None,
            ),
        ),
        csm_owner=play.csm or (snap.csm_owner if snap is not None else None),
        ae_owner=play.owner or (snap.ae_owner if snap is not None else None),
        renewal_negotiating=bool(facts and facts.renewals_negotiating),
        open_escalations=tuple(sorted(facts.open_escalations)) if facts else (),
    )


def _stakeholders(play: Play, snap: AccountSnapshot | None) -> tuple[Stakeholder, ...]:
    """The account's stakeholders, plus the sponsor and champion the reps recorded."""
    people = [
        Stakeholder(name=s.name, title=s.title, persona=s.persona or None)
        for s in (snap.stakeholders if snap is not None else ())
        if s.name.strip()
    ]
    known = {p.name.casefold() for p in people}
    sponsor = play.sponsor or play.brief.sponsor
    if sponsor is not None and sponsor.name.strip() and sponsor.name.casefold() not in known:
        people.append(
            Stakeholder(
                name=sponsor.name,
                title=sponsor.title,
                persona="executive_sponsor",
                last_touch=sponsor.last_touch.date() if sponsor.last_touch else None,
                relationship_owner=sponsor.relationship_owner,
            )
        )
        known.add(sponsor.name.casefold())
    champion = play.champion
    if champion is not None and champion.name.strip() and champion.name.casefold() not in known:
        people.append(Stakeholder(name=champion.name, title=champion.title, persona="champion"))
    return tuple(people)


def _gates(signals: Sequence[StoredSignal]) -> tuple[GateCheck, ...]:
    """The gates of the newest signal that was judged on them."""
    judged = [s for s in signals if s.gates]
    if not judged:
        return ()
    newest = max(judged, key=lambda s: s.ref.occurred_at)
    yellow = "health_yellow" in newest.flags
    return tuple(
        GateCheck(
            name=g.name,
            outcome=(
                "fail"
                if not g.passed
                else "flag"
                if g.name == "health_at_risk" and yellow
                else "pass"
            ),
            detail=g.detail or None,
        )
        for g in newest.gates
    )


def _catalog(
    name: str, info: AdjacentProductInfo | None, signals: Sequence[StoredSignal]
) -> CatalogEntry:
    problem_text = next((s.adjacent_problem for s in signals if s.adjacent_problem), "")
    info = info or AdjacentProductInfo(name=name)
    workflow = info.workflow or info.problem_area or "the work behind these signals"
    return CatalogEntry(
        adjacent_product=name,
        solves=info.solves or problem_text or f"{name} removes the pain named in the signals",
        workflow=workflow,
        problem_area=info.problem_area or workflow,
        pain_phrases=info.pain_phrases,
        integration_points=info.integration_points,
        typical_outcome=info.typical_outcome or "to be agreed in the joint business case",
        typical_timeline=info.typical_timeline or "to be agreed with the customer after discovery",
        buyer_personas=info.buyer_personas,
        user_personas=info.user_personas,
    )


def _signal(stored: StoredSignal, names: _Names) -> Signal:
    ref, facts = stored.ref, stored.facts
    kind = SignalType(ref.type)
    numbers = ref.evidence.numbers
    text_ = facts.get("text") or ref.evidence.summary
    return Signal(
        signal_id=stored.signal_id,
        type=kind,
        score=max(ref.score, 0.0),
        surfaced_by=ref.surfaced_by,
        detected_at=ref.occurred_at,
        needs_verification=ref.needs_verification,
        metrics=_metrics(kind, numbers, facts, names),
        quotes=tuple(_quote(t) for t in ref.evidence.tickets),
        workarounds=(
            (
                WorkaroundEvidence(
                    kind=(facts.get("kinds") or "workaround").split(", ")[0],
                    count=max(int(numbers["count"]), 1),
                    days=max(int(numbers.get("window_days", 30)), 1),
                ),
            )
            if kind is SignalType.WORKAROUND and numbers.get("count")
            else ()
        ),
        notes=(
            (
                NoteEvidence(
                    text=text_,
                    kind=facts.get("note_kind"),
                    author_role=facts.get("author_role"),
                    written_on=ref.occurred_at.date(),
                ),
            )
            if kind in _NOTE_TYPES and text_.strip()
            else ()
        ),
        stakeholders_added=(
            (
                Stakeholder(
                    name=facts["name"], title=facts.get("title", ""), persona=facts.get("persona")
                ),
            )
            if kind is SignalType.STAKEHOLDER_EXPANSION and facts.get("name")
            else ()
        ),
        window_days=(
            max(int(numbers["window_days"]), 1)
            if kind is SignalType.ADJACENT_PAIN and numbers.get("window_days")
            else None
        ),
    )


def _metrics(
    kind: SignalType, numbers: Mapping[str, float], facts: Mapping[str, str], names: _Names
) -> tuple[MetricEvidence, ...]:
    if kind not in _METRIC_TYPES or "value" not in numbers:
        return ()
    limit = numbers.get("limit") if kind is SignalType.USAGE_CEILING else None
    limit = limit if limit is not None and limit > 0 else None
    product = facts.get("product")
    return (
        MetricEvidence(
            metric=facts.get("metric") or "usage",
            value=numbers["value"],
            limit=limit,
            percent=numbers.get("percent") if limit else None,
            product=names.core if product in (None, names.core_id) else product,
            module=facts.get("module") or None,
            unit=None if facts.get("metric") else "units",
        ),
    )


def _quote(ticket: TicketEvidence) -> QuoteEvidence:
    return QuoteEvidence(
        requester_name=ticket.requester.name,
        requester_role=ticket.requester.title or None,
        subject=ticket.subject or ticket.quote,
        quote=ticket.quote or None,
        ticket_id=None if "#quote" in ticket.ticket_id else ticket.ticket_id,
        opened_on=ticket.occurred_at.date(),
    )


def _from_play(play: Play) -> Signal:
    """Only the play document is left (the signal log lost the rows): one signal of the
    play's primary type carrying every quote the play kept."""
    snapshot = play.signal
    tickets = {t.ticket_id: t for e in snapshot.evidence for t in e.tickets}
    return Signal(
        signal_id=f"{play.id}:signals",
        type=SignalType(snapshot.primary_type),
        score=max(snapshot.score, 0.0),
        surfaced_by=snapshot.surfaced_by,
        detected_at=play.signal_occurred_at,
        needs_verification=snapshot.needs_verification,
        quotes=tuple(_quote(t) for t in tickets.values()),
    )
