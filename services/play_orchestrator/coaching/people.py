"""Economic buyer and day-to-day user, picked from stakeholder titles and personas.

The people the reps recorded on the play come first: its executive sponsor is
the economic buyer, its champion (or the operator who confirmed the pain) the
user, so the talk track greets the person the brief names.
Otherwise, economic buyer: the most senior title (C-level > VP > Head of > Director), or a persona
marked as buyer/sponsor; ties go to the one matching the catalog's buyer personas, then name.
Day-to-day user: an operator-level title (operator, admin, analyst, specialist...) or a
user/champion persona; people who named the pain in a ticket come first. With no such
stakeholder, the person who named the pain in the most tickets is the user.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from services.play_orchestrator.coaching.context import PlayContext, QuoteEvidence, Stakeholder
from services.play_orchestrator.coaching.phrases import normalise_phrase

_BUYER_LEVELS: tuple[tuple[int, str, re.Pattern[str]], ...] = (
    (
        4,
        "C-level",
        re.compile(r"\b(?:chief|c[eofitrm]o|cdo|ciso|(?<!vice )president|founder)\b"),
    ),
    (3, "VP-level", re.compile(r"\b(?:svp|evp|vp|vice president)\b")),
    (2, "Head-of", re.compile(r"\bhead of\b")),
    (1, "Director-level", re.compile(r"\bdirector\b")),
)
_BUYER_PERSONAS = {"economic_buyer", "executive_sponsor", "executive", "buyer", "sponsor"}
_USER_LEVELS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (
        2,
        re.compile(
            r"\b(?:operators?|admin|administrator|analyst|specialist|coordinator|"
            r"accountant|engineer|associate|agent|clerk|representative|planner)\b"
        ),
    ),
    (1, re.compile(r"\b(?:manager|lead|controller|supervisor)\b")),
)
_USER_PERSONAS = {"operator", "admin", "analyst", "user", "end_user", "power_user", "champion"}


class PersonPick(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    title: str
    reason: str


def _text(person: Stakeholder) -> str:
    return normalise_phrase(f"{person.title} {person.persona or ''}")


def _matches_any(person: Stakeholder, personas: Iterable[str]) -> bool:
    text = f" {_text(person)} "
    return any(f" {normalise_phrase(p)} " in text for p in personas if normalise_phrase(p))


def buyer_level(person: Stakeholder) -> tuple[int, str]:
    title = normalise_phrase(person.title)
    for level, label, pattern in _BUYER_LEVELS:
        if pattern.search(title):
            return level, label
    if (person.persona or "").lower() in _BUYER_PERSONAS:
        return 1, f"persona {person.persona}"
    return 0, ""


def user_level(person: Stakeholder) -> int:
    if buyer_level(person)[0]:
        return 0
    if (person.persona or "").lower() in _USER_PERSONAS:
        return 2
    title = normalise_phrase(person.title)
    return next((level for level, pattern in _USER_LEVELS if pattern.search(title)), 0)


def _recorded(ctx: PlayContext, name: str | None, reason: str) -> PersonPick | None:
    """The person the reps recorded on the play, as a stakeholder of the account."""
    if not name:
        return None
    key = name.casefold()
    person = next((p for p in ctx.stakeholders if p.name.casefold() == key), None)
    return PersonPick(name=name, title=person.title if person else "", reason=reason)


def pick_economic_buyer(ctx: PlayContext) -> PersonPick | None:
    recorded = _recorded(ctx, ctx.play.sponsor_name, "the play's executive sponsor")
    if recorded is not None:
        return recorded
    candidates = [p for p in ctx.stakeholders if buyer_level(p)[0]]
    if not candidates:
        return None
    personas = ctx.catalog.buyer_personas
    best = min(
        candidates,
        key=lambda p: (-buyer_level(p)[0], not _matches_any(p, personas), p.name),
    )
    reason = f"{buyer_level(best)[1]} title"
    if _matches_any(best, personas):
        reason += f", matches a buyer persona for {ctx.play.adjacent_product}"
    return PersonPick(name=best.name, title=best.title, reason=reason)


def pick_user(ctx: PlayContext, quotes: list[QuoteEvidence]) -> PersonPick | None:
    recorded = _recorded(ctx, ctx.play.champion_name, "the play's champion (confirmed the pain)")
    if recorded is not None:
        return recorded
    tickets = Counter(q.requester_name for q in quotes)
    candidates = [p for p in ctx.stakeholders if user_level(p)]
    if candidates:
        personas = ctx.catalog.user_personas
        best = min(
            candidates,
            key=lambda p: (-tickets[p.name], not _matches_any(p, personas), -user_level(p), p.name),
        )
        reason = "operator-level title" if user_level(best) == 2 else "manages the work day to day"
        if tickets[best.name]:
            reason += f"; named the pain in {_tickets(tickets[best.name])}"
        return PersonPick(name=best.name, title=best.title, reason=reason)
    if not quotes:
        return None
    name = min(tickets, key=lambda n: (-tickets[n], n))
    role = next((q.requester_role for q in quotes if q.requester_name == name), None) or ""
    return PersonPick(name=name, title=role, reason=f"named the pain in {_tickets(tickets[name])}")


def _tickets(count: int) -> str:
    return "1 ticket" if count == 1 else f"{count} tickets"
