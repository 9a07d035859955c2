"""The seeded synthetic book of accounts the demo pushes through the system.

    events = generate_book(seed=7, accounts=200, now=datetime.now(UTC))

Every event is a canonical event (``shared.messages.inbound.parse_event``
accepts it) using the sample catalog's products, metrics, pain words,
workaround kinds, personas and competitors, so the signals fire for real.
The same seed gives the same accounts and the same event ids whatever
``now`` is; only the timestamps move with it.

The mix, over the whole book (each draw is independent per account):

* health: about 66% green, 22% yellow, 12% red (some turned red during the book);
* next renewal within 60 days: about 12%, plus the 6% negotiating one;
* core-product adoption below 60%: about 15%;
* a core metric first reaching 80% of its tier limit in the last 14 days:
  about 28%; another 10% crossed it 20-60 days ago (their signals are stale);
* primary usage down by more than 20% (last 30 days vs the 30 before): about 8%;
* three or more people filing tickets about one adjacent pain within 60 days:
  about 18%, most of them recently enough to open a play;
* workaround habits, new stakeholders with a catalog persona, strategic-shift,
  partner, competitor-evaluation and competitor-purchase notes, QBR notes,
  escalations (half resolved), renewals under negotiation or just closed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from crosssell.demo.events import account_events
from crosssell.demo.plan import AccountPlan, plan_account

Event = dict[str, Any]


@dataclass(frozen=True)
class Book:
    seed: int
    now: datetime
    days: int
    accounts: tuple[AccountPlan, ...]
    events: list[Event]

    @cached_property
    def _by_id(self) -> dict[str, AccountPlan]:
        return {a.account_id: a for a in self.accounts}

    def account(self, account_id: str) -> AccountPlan | None:
        return self._by_id.get(account_id)

    def by_source(self) -> dict[str, list[Event]]:
        out: dict[str, list[Event]] = {}
        for event in self.events:
            out.setdefault(event["source"], []).append(event)
        return out


def build_book(seed: int, accounts: int = 200, *, now: datetime, days: int = 90) -> Book:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if accounts < 1 or days < 60:
        raise ValueError("a book needs at least one account and 60 days")
    now = now.replace(microsecond=0)
    companies: set[str] = set()
    plans = tuple(plan_account(seed, index, days, companies) for index in range(accounts))
    events = [e for plan in plans for e in account_events(plan, seed, now, days)]
    events.sort(key=lambda e: (e["occurred_at"], e["id"]))
    return Book(seed=seed, now=now, days=days, accounts=plans, events=events)


def generate_book(seed: int, accounts: int = 200, *, now: datetime, days: int = 90) -> list[Event]:
    """The book's canonical events, oldest first (ties by id)."""
    return build_book(seed, accounts, now=now, days=days).events


def describe(book: Book) -> dict[str, int]:
    """What the book holds, for the demo's opening line and the tests."""
    plans = book.accounts
    return {
        "accounts": len(plans),
        "events": len(book.events),
        "red": sum(p.health == "red" for p in plans),
        "renewal_within_60d": sum(any(h.renewal_in_days <= 60 for h in p.holdings) for p in plans),
        "low_adoption": sum(any(h.adoption_pct < 60 for h in p.holdings) for p in plans),
        "ceiling_last_14d": sum(p.ceiling is not None and p.ceiling[2] <= 13 for p in plans),
        "declining": sum(p.declining for p in plans),
        "pain_pattern": sum(p.pain is not None for p in plans),
        "escalations": sum(p.escalation is not None for p in plans),
    }


def events_by_type(events: list[Event]) -> Counter[str]:
    return Counter(e["type"] for e in events)
