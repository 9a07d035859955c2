"""Drive a deterministic subset of the open plays forward, as the reps would.

The plays of the book's accounts are ranked by a hash of (seed, account,
adjacent product) and cut into fates in the proportions of ``FATES``, so a
small book gets the same mix as a big one and a re-run gives every play the
fate it had (plays already moved on are not open any more and are skipped):
some are won with an amount, more are lost, a few find no fit at discovery,
a few briefs are refused for want of a sponsor, and the rest are left
somewhere along the way. The bodies come from the book: the
sponsor is the account's executive stakeholder, pain confirmation the play's
own pre-filled item 5 when a ticket gave one (else the operator on a recorded
call), discovery answers in the operator's words. A 409 or 422 is printed
with its reason and the demo moves on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from crosssell.demo import texts
from crosssell.demo.book import Book
from crosssell.demo.client import Answer
from crosssell.demo.plan import AccountPlan

# fate -> weight; the order is the path a play walks.
FATES: dict[str, int] = {
    "won": 12,
    "lost": 15,
    "no_fit": 5,
    "sponsor_engaged": 13,
    "discovery_done": 11,
    "meeting_booked": 11,
    "briefed": 9,
    "brief_refused": 5,
    "untouched": 19,
}
STEPS_FOR = {
    "won": ("brief", "meeting", "discovery", "sponsor", "close"),
    "lost": ("brief", "meeting", "discovery", "close"),
    "no_fit": ("brief", "meeting", "discovery"),
    "sponsor_engaged": ("brief", "meeting", "discovery", "sponsor", "exception"),
    "discovery_done": ("brief", "meeting", "discovery"),
    "meeting_booked": ("brief", "meeting"),
    "briefed": ("brief",),
    "brief_refused": ("brief",),
    "untouched": (),
}
PROBLEM_AREA = {
    "insights_analytics": "cross-project reporting",
    "automation_hub": "hand-offs between their systems",
    "security_compliance": "access reviews and audit evidence",
}

Send = Callable[[str, str, dict[str, Any], str], Answer]  # play id, verb, body, actor
# Who on the account team sends each command (the play's history names them).
CSM_VERBS = frozenset({"brief", "meeting", "discovery"})


def _unit(*parts: object) -> float:
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _fate_at(share: float) -> str:
    point = share * sum(FATES.values())
    for fate, weight in FATES.items():
        point -= weight
        if point < 0:
            return fate
    return "untouched"


def assign_fates(plays: list[dict[str, Any]], seed: int) -> dict[str, str]:
    """Play id -> fate, by rank of the (seed, account, adjacent product) hash."""
    ranked = sorted(
        plays,
        key=lambda p: (
            _unit(seed, p["account_id"], p["adjacent_product"]),
            str(p.get("opened_at", "")),
            p["id"],
        ),
    )
    return {p["id"]: _fate_at((k + 0.5) / len(ranked)) for k, p in enumerate(ranked)}


@dataclass
class Driven:
    play_id: str
    account: str
    adjacent_product: str
    fate: str
    state: str
    refusals: list[str] = field(default_factory=list)


def _operator(play: dict[str, Any], plan: AccountPlan) -> dict[str, Any]:
    """The person who named the pain: the pre-filled ticket requester, else ours."""
    pain = (play.get("brief") or {}).get("pain")
    if pain and pain.get("operator", {}).get("name"):
        return dict(pain["operator"])
    person = plan.operators[0]
    return {"name": person.name, "title": person.title, "contact_id": person.contact_id}


def step_body(
    verb: str, fate: str, play: dict[str, Any], plan: AccountPlan, seed: int, now: datetime
) -> dict[str, Any]:
    """The request body a rep would send for ``verb`` on this play."""
    adjacent = play["adjacent_product"]
    operator = _operator(play, plan)
    sponsor = plan.sponsor
    if verb == "brief":
        body: dict[str, Any] = {}
        if fate != "brief_refused":
            body["sponsor"] = {
                "name": sponsor.name,
                "title": sponsor.title,
                "contact_id": sponsor.contact_id,
                "last_touch": now - timedelta(days=3 + plan.index % 20),
                "relationship_owner": plan.csm_owner,
            }
        if not (play.get("brief") or {}).get("pain"):
            body["pain"] = {
                "operator": operator,
                "where": f"recorded call with {operator['name']} ({plan.name} ops review)",
                "quote": texts.CALL_QUOTES[adjacent],
                "medium": "recorded_call",
                "confirmed_at": now - timedelta(days=2 + plan.index % 25),
            }
        return body
    if verb == "meeting":
        held = fate not in ("meeting_booked",)
        return {
            # a meeting is booked ahead (the API refuses a date in the past); a
            # "held" one is booked for the next hour, and its discovery recorded
            "meeting_at": now + timedelta(hours=1) if held else now + timedelta(days=2),
            "attendees": [plan.csm_owner, plan.ae_owner, operator["name"]],
            "agenda": f"20-minute diagnostic: how {plan.name} handles "
            f"{PROBLEM_AREA.get(adjacent, adjacent)} today",
            "next_step": f"Tell {operator['name']} honestly whether there is a fit; "
            f"if so, build the business case with {sponsor.name}",
        }
    if verb == "discovery":
        fill = {**plan.extra, "operator": operator["name"]}
        answers = [a.format(**fill) for a in texts.DISCOVERY[adjacent]]
        return {
            "current_workflow": answers[0],
            "time_or_accuracy_loss": answers[1],
            "one_fix": answers[2],
            "fit": fate != "no_fit",
            "champion": operator,
        }
    if verb == "sponsor":
        return {
            "name": sponsor.name,
            "title": sponsor.title,
            "contact_id": sponsor.contact_id,
            "last_touch": now,
            "relationship_owner": plan.csm_owner,  # as in the brief: one owner
        }
    if verb == "exception":
        return {
            "reason": f"{sponsor.name} signs after their budget committee meets next week; "
            "order form agreed in principle",
            "extension_days": 7,
        }
    if verb == "close":
        if fate == "won":
            core = float(play.get("core_acv") or plan.core_acv)
            ratio = 0.30 + 0.25 * _unit(seed, plan.account_id, adjacent, "amount")
            return {"outcome": "won", "amount": max(5_000.0, round(core * ratio, -2))}
        reasons = texts.LOST_REASONS
        return {"outcome": "lost", "reason": reasons[plan.index % len(reasons)]}
    raise ValueError(f"unknown step {verb!r}")


def drive_play(
    play: dict[str, Any], plan: AccountPlan, fate: str, seed: int, now: datetime, send: Send
) -> Driven:
    """Walk one play along its fate; stop at the first refusal."""
    driven = Driven(play["id"], plan.name, play["adjacent_product"], fate, play["state"])
    for verb in STEPS_FOR[fate]:
        if verb == "exception" and not _deadline_close(play, now):
            continue
        actor = plan.csm_owner if verb in CSM_VERBS else plan.ae_owner
        answer = send(play["id"], verb, step_body(verb, fate, play, plan, seed, now), actor)
        if not answer.ok:
            driven.refusals.append(f"{verb}: {answer.status} {answer.reason}")
            break
        play = answer.body
        driven.state = play.get("state", driven.state)
    return driven


def _deadline_close(play: dict[str, Any], now: datetime) -> bool:
    deadline = datetime.fromisoformat(str(play["deadline"]).replace("Z", "+00:00"))
    return deadline - now < timedelta(days=4)


def drive_plays(
    plays: list[dict[str, Any]],
    book: Book,
    now: datetime,
    send: Send,
    load: Callable[[str], dict[str, Any]],
    on_refusal: Callable[[Driven, str], None] | None = None,
) -> list[Driven]:
    """Drive the open plays of ``plays`` (every state, for stable fates) whose
    account is in ``book``; the others are left alone."""
    ours = [p for p in plays if book.account(p["account_id"]) is not None]
    fates = assign_fates(ours, book.seed)
    out = []
    for item in sorted(ours, key=lambda p: (p["account_id"], p["adjacent_product"], p["id"])):
        plan = book.account(item["account_id"])
        if item["state"] != "open" or plan is None:
            continue
        driven = drive_play(load(item["id"]), plan, fates[item["id"]], book.seed, now, send)
        if on_refusal is not None:
            for refusal in driven.refusals:
                on_refusal(driven, refusal)
        out.append(driven)
    return out
