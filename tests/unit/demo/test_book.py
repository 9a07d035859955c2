"""The demo's synthetic book: deterministic, valid, spread over 90 days, and
with the stated mix of at-risk, renewing, low-adoption, ceiling and pain accounts."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from crosssell.demo import words
from crosssell.demo.book import Book, build_book, generate_book
from crosssell.demo.plan import CEILING_METRICS, CORE_METRICS, LIMITS
from crosssell.demo.texts import BACKGROUND_TICKETS, PAIN_TICKETS
from shared.messages.inbound import parse_event

from . import measure

NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
SOURCES = {"gainsight", "churnzero", "product", "support", "csm", "partner"}


@pytest.fixture(scope="module")
def book() -> Book:
    return build_book(7, 200, now=NOW)


def test_same_seed_same_book_and_ids_do_not_depend_on_now(book: Book) -> None:
    assert generate_book(7, 200, now=NOW) == book.events
    later = generate_book(7, 200, now=NOW + timedelta(days=3, hours=5))
    assert [e["id"] for e in sorted(later, key=lambda e: e["id"])] == sorted(
        e["id"] for e in book.events
    )
    other = generate_book(8, 200, now=NOW)
    assert not {e["id"] for e in other} & {e["id"] for e in book.events}


def test_a_smaller_book_is_the_start_of_the_bigger_one(book: Book) -> None:
    small = build_book(7, 40, now=NOW)
    assert [a.name for a in small.accounts] == [a.name for a in book.accounts[:40]]


def test_every_event_is_canonical_with_unique_ids(book: Book) -> None:
    assert len({a.account_id for a in book.accounts}) == 200
    assert len({a.name for a in book.accounts}) == 200
    for event in book.events:
        parsed = parse_event(event)
        assert parsed.source in SOURCES
    ids = [(e["source"], e["id"]) for e in book.events]
    assert len(ids) == len(set(ids))
    assert len({e["id"] for e in book.events}) == len(book.events)
    kinds = Counter(e["type"] for e in book.events)
    for kind in (
        "usage.metric", "usage.workaround", "ticket.opened", "ticket.closed", "account.profile",
        "account.renewal", "account.escalation", "account.stakeholder", "account.note",
    ):  # fmt: skip
        assert kinds[kind] > 0, kind
    notes = Counter(e["data"]["kind"] for e in book.events if e["type"] == "account.note")
    assert set(notes) == {
        "strategic_shift",
        "partner_flag",
        "competitor_evaluation",
        "competitor_purchase",
        "qbr",
    }
    assert {e["source"] for e in book.events} == SOURCES


def test_events_span_ninety_days_and_none_is_in_the_future(book: Book) -> None:
    times = [measure.when(e) for e in book.events]
    assert min(times) >= NOW - timedelta(days=90)
    assert max(times) <= NOW
    assert max(times) - min(times) >= timedelta(days=89)
    per_series = Counter(
        (e["account_id"], e["data"]["product"], e["data"]["metric"], e["data"].get("module"))
        for e in book.events
        if e["type"] == "usage.metric"
    )
    assert set(per_series.values()) == {90}  # one sample a day for every series


def test_profiles_are_realistic(book: Book) -> None:
    profiles = measure.final_profiles(book.events)
    assert len(profiles) == 200
    owners = Counter(p["ae_owner"] for p in profiles.values())
    assert set(owners) <= set(words.AE_OWNERS) and len(owners) >= 4
    health = Counter(p["health"] for p in profiles.values())
    assert health["green"] > health["yellow"] > health["red"] > 0
    for profile in profiles.values():
        core = [h for h in profile["products"] if h["product"] in CORE_METRICS]
        assert core
        assert 20_000 <= sum(h["acv"] for h in core) <= 400_000


# The mix, measured from the events alone, within stated bounds (share of accounts).
BOUNDS = {
    "red": (0.06, 0.20),
    "renewal_within_60d": (0.10, 0.30),
    "low_adoption": (0.08, 0.25),
    "ceiling_crossed_last_14d": (0.15, 0.40),
    "declining_20pct": (0.03, 0.15),
    "three_requesters_on_pain_60d": (0.08, 0.30),
}


@pytest.mark.parametrize("seed", [7, 1, 42])
def test_the_mix_is_within_bounds(seed: int) -> None:
    events = generate_book(seed, 200, now=NOW)
    cat = measure.catalog()
    crossings = measure.ceiling_crossings(events)
    pain = measure.pain_requesters(events, cat, NOW - timedelta(days=60))
    found = {
        "red": measure.accounts_red(events),
        "renewal_within_60d": measure.accounts_renewing_within(events, NOW.date(), 60),
        "low_adoption": measure.accounts_low_adoption(events, set(CORE_METRICS)),
        "ceiling_crossed_last_14d": {
            a for a, times in crossings.items() if any(t >= NOW - timedelta(days=14) for t in times)
        },
        "declining_20pct": measure.accounts_declining(events, NOW),
        "three_requesters_on_pain_60d": {a for (a, _), who in pain.items() if len(who) >= 3},
    }
    shares = {name: len(accounts) / 200 for name, accounts in found.items()}
    for name, (low, high) in BOUNDS.items():
        assert low <= shares[name] <= high, (name, shares[name])


def test_word_lists_match_the_sample_catalog() -> None:
    cat = measure.catalog()
    assert {c.id: tuple(c.metrics) for c in cat.core_products} == CORE_METRICS
    for adj in cat.adjacent_products:
        assert words.EXTENDS[adj.id] == tuple(adj.extends)
        assert set(words.PERSONA_TITLES[adj.id]) <= set(adj.personas)
        assert set(words.COMPETITORS[adj.id]) <= set(adj.competitors)
        assert all(adj.removes_workaround(k) for k in words.WORKAROUND_KINDS[adj.id])
        for ref in adj.ceiling_metrics:
            assert ref.metric in CEILING_METRICS[ref.product]
            assert all(LIMITS[ref.product][tier][ref.metric] for tier in LIMITS[ref.product])


def test_pain_tickets_name_their_pain_and_background_tickets_none() -> None:
    cat = measure.catalog()
    fill = {"n": 9, "hours": 6, "team": 4, "tool": "Zapier"}
    for adjacent, templates in PAIN_TICKETS.items():
        for subject, description, topics in templates:
            text = (subject.format(**fill), description.format(**fill))
            matched = {a.id for a in cat.adjacent_products if a.pain_match(list(topics), *text)}
            assert matched == {adjacent}, (subject, matched)
    for subject, description, topics in BACKGROUND_TICKETS:
        text = (subject.format(**fill), description.format(**fill))
        assert not [a.id for a in cat.adjacent_products if a.pain_match(list(topics), *text)]
