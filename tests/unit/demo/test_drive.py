"""Driving plays: deterministic fates, bodies the plays API accepts, refusals reported."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crosssell.demo.book import Book, build_book
from crosssell.demo.client import Answer
from crosssell.demo.drive import FATES, STEPS_FOR, assign_fates, drive_play, drive_plays, step_body
from crosssell.demo.plan import AccountPlan
from services.play_orchestrator.api import (
    CloseBody,
    DiscoveryBody,
    ExceptionBody,
    MeetingBody,
    SponsorBody,
)
from services.play_orchestrator.domain import Brief, Close, GrantException, check_brief

NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
ADJACENT = ("insights_analytics", "automation_hub", "security_compliance")
BODIES = {
    "meeting": MeetingBody,
    "discovery": DiscoveryBody,
    "sponsor": SponsorBody,
    "exception": ExceptionBody,
    "close": CloseBody,
}
PREFILLED_PAIN = {
    "operator": {"name": "Rosa Okonkwo", "title": "PMO Analyst", "contact_id": "003X"},
    "where": 'ticket TCK-1: "Weekly status deck takes half a day"',
    "quote": "Putting the weekly status deck together still takes me about 6 hours",
    "medium": "written",
    "confirmed_at": (NOW - timedelta(days=5)).isoformat(),
}


@pytest.fixture(scope="module")
def book() -> Book:
    return build_book(7, 120, now=NOW)


def play_for(
    plan: AccountPlan, adjacent: str, pain: dict[str, Any] | None = None
) -> dict[str, Any]:
    brief = {"signal": {"description": "usage_ceiling on 2026-10-30"}, "pain": pain}
    return {
        "id": f"play-{plan.index}-{adjacent}",
        "account_id": plan.account_id,
        "adjacent_product": adjacent,
        "state": "open",
        "core_acv": 120_000.0,
        "deadline": (NOW + timedelta(days=2)).isoformat(),
        "brief": brief,
    }


def find(book: Book, fate: str) -> tuple[AccountPlan, str]:
    plays = [play_for(plan, adjacent) for plan in book.accounts for adjacent in ADJACENT]
    fates = assign_fates(plays, book.seed)
    for play in plays:
        if fates[play["id"]] == fate:
            plan = book.account(play["account_id"])
            assert plan is not None
            return plan, play["adjacent_product"]
    raise AssertionError(f"no {fate} play in the book")


class FakePlays:
    """Accepts commands like the API would, or refuses ``refuse`` with ``status``."""

    def __init__(self, play: dict[str, Any], refuse: str | None = None, status: int = 409):
        self.play, self.refuse, self.status = dict(play), refuse, status
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.actors: list[str] = []

    def __call__(self, play_id: str, verb: str, body: dict[str, Any], actor: str) -> Answer:
        self.sent.append((verb, body))
        self.actors.append(actor)
        if verb == self.refuse:
            return Answer(self.status, {"detail": f"{verb} refused", "current_state": "paused"})
        after = {
            "brief": "briefed",
            "meeting": "meeting_booked",
            "sponsor": "sponsor_engaged",
            "discovery": "discovery_done" if body.get("fit", True) else "disqualified",
            "close": body.get("outcome"),
            "exception": self.play["state"],
        }
        self.play["state"] = after[verb]
        return Answer(200, dict(self.play))


def plays_of(n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"play-{i}",
            "account_id": f"cust-7-{i // 3:05d}",
            "adjacent_product": ADJACENT[i % 3],
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("n", [7, 36, 600])
def test_fates_follow_the_weights_at_any_size(n: int) -> None:
    fates = Counter(assign_fates(plays_of(n), 7).values())
    total = sum(FATES.values())
    for fate, weight in FATES.items():
        assert abs(fates[fate] - n * weight / total) <= 1, (fate, fates)


def test_fates_are_deterministic_whatever_the_order() -> None:
    plays = plays_of(60)
    fates = assign_fates(plays, 7)
    assert assign_fates(list(reversed(plays)), 7) == fates
    assert assign_fates(plays, 8) != fates


@pytest.mark.parametrize("fate", sorted(FATES))
def test_every_body_is_what_the_plays_api_accepts(book: Book, fate: str) -> None:
    plan, adjacent = find(book, fate)
    play = play_for(plan, adjacent)
    for verb in STEPS_FOR[fate]:
        body = step_body(verb, fate, play, plan, book.seed, NOW)
        if verb == "brief":
            brief = Brief.model_validate(body)
            merged = Brief.model_validate(play["brief"]).merged(brief)
            missing = check_brief(merged, NOW).missing
            if fate == "brief_refused":
                assert missing and all(m.startswith("item 4") for m in missing)
            else:
                assert not missing, missing
                assert brief.sponsor and brief.sponsor.name == plan.sponsor.name
            continue
        BODIES[verb].model_validate(body)
        if verb == "close":
            Close(actor="demo", **body)
        if verb == "exception":
            GrantException(actor="demo", **body)


def test_a_won_play_walks_every_step_with_a_plausible_amount(book: Book) -> None:
    plan, adjacent = find(book, "won")
    fake = FakePlays(play_for(plan, adjacent))
    driven = drive_play(fake.play, plan, "won", book.seed, NOW, fake)
    assert [verb for verb, _ in fake.sent] == ["brief", "meeting", "discovery", "sponsor", "close"]
    assert driven.state == "won" and not driven.refusals
    amount = fake.sent[-1][1]["amount"]
    assert 0.30 * 120_000 <= amount <= 0.55 * 120_000
    discovery = fake.sent[2][1]
    assert discovery["champion"]["name"] != plan.sponsor.name
    assert discovery["fit"] is True
    # the people on the account team act, one relationship owner, meetings ahead
    assert fake.actors == [plan.csm_owner] * 3 + [plan.ae_owner] * 2
    brief, meeting, _, sponsor, _ = (body for _, body in fake.sent)
    assert brief["sponsor"]["relationship_owner"] == sponsor["relationship_owner"]
    assert meeting["meeting_at"] > NOW


def test_pain_comes_from_the_play_when_a_ticket_gave_it(book: Book) -> None:
    plan, adjacent = find(book, "briefed")
    prefilled = step_body(
        "brief", "briefed", play_for(plan, adjacent, PREFILLED_PAIN), plan, 7, NOW
    )
    assert "pain" not in prefilled  # the pre-filled item 5 is kept
    ours = step_body("brief", "briefed", play_for(plan, adjacent), plan, 7, NOW)
    assert ours["pain"]["medium"] == "recorded_call"
    assert NOW - ours["pain"]["confirmed_at"] < timedelta(days=60)
    discovery = step_body(
        "discovery", "won", play_for(plan, adjacent, PREFILLED_PAIN), plan, 7, NOW
    )
    assert discovery["champion"]["name"] == "Rosa Okonkwo"  # who named the pain


def test_a_refusal_is_recorded_and_the_play_is_left_there(book: Book) -> None:
    plan, adjacent = find(book, "won")
    fake = FakePlays(play_for(plan, adjacent), refuse="meeting", status=409)
    driven = drive_play(fake.play, plan, "won", book.seed, NOW, fake)
    assert [verb for verb, _ in fake.sent] == ["brief", "meeting"]
    assert driven.state == "briefed"
    assert driven.refusals == ["meeting: 409 meeting refused"]


def test_only_open_plays_of_the_book_are_driven(book: Book) -> None:
    plan, adjacent = find(book, "won")
    open_play = play_for(plan, adjacent)
    plays = [
        open_play,
        {**play_for(plan, "x"), "state": "won"},
        {**play_for(plan, adjacent), "id": "p-foreign", "account_id": "cust-99-00001"},
    ]
    fake = FakePlays(open_play)
    refusals: list[str] = []
    driven = drive_plays(
        plays, book, NOW, fake, lambda _: fake.play, lambda d, r: refusals.append(r)
    )
    assert [d.play_id for d in driven] == [open_play["id"]]
    assert driven[0].fate == assign_fates(plays[:2], book.seed)[open_play["id"]]
    assert not refusals
