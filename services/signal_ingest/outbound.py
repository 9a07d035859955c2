"""Domain signal -> ``crosssell.signals`` message (the shared contract).

The message carries what play_orchestrator needs to open and brief a play
without reading our tables: the play score of the (account, adjacent product)
pair at decision time, an account snapshot, and the evidence in the shared
shape with the numbers and the customer's own words.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from services.signal_ingest.domain import AccountState, Catalog, Signal, play_score
from shared.messages.evidence import Evidence, Quote
from shared.messages.signals import AccountSnapshot, SignalMessage, Stakeholder

MAX_QUOTES = 10
MAX_STAKEHOLDERS = 25


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _at(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def to_evidence(signal: Signal) -> Evidence:
    """Keep the summary, every number, and each customer's words with who and when."""
    raw = signal.candidate.evidence
    numbers = {k: n for k, v in raw.items() if (n := _number(v)) is not None}
    quotes: list[Quote] = []
    for ticket in raw.get("tickets") or ():
        requester = ticket.get("requester") or {}
        words = ticket.get("quote") or ticket.get("subject") or ""
        if not words:
            continue
        quotes.append(
            Quote(
                text=words[:4000],
                name=requester.get("name", ""),
                role=requester.get("role", ""),
                contact_id=requester.get("contact_id"),
                ticket_id=ticket.get("ticket_id"),
                at=_at(ticket.get("opened_at")),
                medium="written",
            )
        )
    if raw.get("note_kind") and raw.get("text"):
        quotes.append(
            Quote(
                text=str(raw["text"])[:4000],
                role=raw.get("author_role") or "",
                at=signal.detected_at,
                medium="note",
            )
        )
    return Evidence(
        summary=str(raw.get("summary", ""))[:2000],
        numbers=numbers,
        quotes=tuple(quotes[:MAX_QUOTES]),
    )


def account_snapshot(
    state: AccountState, adjacent_product: str, catalog: Catalog
) -> AccountSnapshot:
    """The core product is the owned product the adjacent one extends with the
    largest ACV (else the largest owned product, else the first it extends)."""
    products = state.products
    adj = catalog.adjacent(adjacent_product)
    extends = list(adj.extends) if adj is not None else []
    owned_core = [p for p in extends if p in products] or list(products)
    core = max(owned_core, key=lambda p: products[p].acv) if owned_core else None
    held = products.get(core) if core is not None else None
    profile = state.profile
    people = sorted(
        ((cid, s) for cid, s in state.stakeholders.items() if s.present), key=lambda x: x[0]
    )[:MAX_STAKEHOLDERS]
    return AccountSnapshot(
        account_id=state.account_id,
        name=profile.name or "",
        health=profile.health,
        csm_owner=profile.csm_owner,
        ae_owner=profile.ae_owner,
        core_product=core or (extends[0] if extends else ""),
        core_acv=held.acv if held else 0.0,
        renewal_date=held.renewal_date if held else None,
        adoption_pct=held.adoption_pct if held else None,
        total_acv=sum(p.acv for p in products.values()),
        stakeholders=tuple(
            Stakeholder(contact_id=cid, name=s.name, title=s.title, persona=s.persona)
            for cid, s in people
        ),
    )


def adjacent_problem(adjacent_product: str, catalog: Catalog) -> str:
    """The catalog's wording of the pain the adjacent product removes."""
    adj = catalog.adjacent(adjacent_product)
    if adj is None:
        return ""
    pain = adj.pain_phrases[:4] or adj.pain_topics[:4]
    text = f"{adj.name} removes: {'; '.join(pain)}" if pain else adj.name
    if adj.workaround_kinds:
        text += f" (workarounds it replaces: {', '.join(adj.workaround_kinds[:3])})"
    return text


def to_message(
    signal: Signal,
    state: AccountState,
    live: Iterable[Signal],
    catalog: Catalog,
    now: datetime,
) -> SignalMessage:
    """``live``: the account's signals as they stand after this decision."""
    c = signal.candidate
    score = play_score(live, c.account_id, c.adjacent_product, catalog, now)
    return SignalMessage(
        signal_id=c.id,
        account_id=c.account_id,
        adjacent_product=c.adjacent_product,
        type=c.type.value,
        status=signal.status.value,
        suppression_reasons=signal.suppression_reasons,
        flags=signal.flags,
        score=c.score,
        evidence=to_evidence(signal),
        source=c.source,
        surfaced_by=c.surfaced_by,  # type: ignore[arg-type]
        detected_at=c.detected_at,
        needs_verification=c.needs_verification,
        play_score=score.score,
        play_threshold=score.threshold,
        opens_play=signal.status.value == "qualified" and score.opens,
        qualified_signal_ids=score.signal_ids,
        adjacent_problem=adjacent_problem(c.adjacent_product, catalog),
        account=account_snapshot(state, c.adjacent_product, catalog),
    )
