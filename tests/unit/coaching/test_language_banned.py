"""Banned vendor language: each rule catches its phrasing and paraphrases, with exact spans,
and ordinary sentences a CSM writes every day are left alone."""

from __future__ import annotations

import pytest

from services.play_orchestrator.coaching.language import check_language


def banned(text: str) -> list[tuple[str, str | None]]:
    return [(f.rule_id, f.matched) for f in check_language(text).banned]


# (text, rule id, exact matched text)
POSITIVE = [
    (
        "I wanted to tell you about our new product.",
        "pitch_new_product",
        "tell you about our new product",
    ),
    (
        "I'd love to show you our latest reporting module.",
        "pitch_new_product",
        "show you our latest reporting module",
    ),
    (
        "We just launched a new analytics add-on your team will love.",
        "pitch_new_product",
        "We just launched a new analytics add-on",
    ),
    (
        "Our brand-new Insights platform is live.",
        "pitch_new_product",
        "Our brand-new Insights platform",
    ),
    (
        "Have you heard about our Insights module?",
        "pitch_new_product",
        "heard about our Insights module",
    ),
    ("Excited to share something with your team.", "pitch_new_product", "Excited to share"),
    ("A lot of customers like you are buying this.", "generalized_peers", "customers like you"),
    (
        "Companies your size are buying the close add-on.",
        "generalized_peers",
        "Companies your size",
    ),
    (
        "Most of our customers have already added it.",
        "generalized_peers",
        "Most of our customers have already added",
    ),
    (
        "Teams just like yours rolled it out last year.",
        "generalized_peers",
        "Teams just like yours",
    ),
    (
        "Your competitors are already using it.",
        "generalized_peers",
        "Your competitors are already using",
    ),
    (
        "We can give you a discount if you decide this quarter.",
        "deadline_discount",
        "discount if you decide this quarter",
    ),
    (
        "If you sign before Friday we can take 15% off.",
        "deadline_discount",
        "before Friday we can take 15% off",
    ),
    (
        "We still have end-of-quarter pricing available.",
        "deadline_discount",
        "end-of-quarter pricing",
    ),
    ("This is a limited-time offer.", "deadline_discount", "limited-time offer"),
    ("Let's lock in this price now.", "deadline_discount", "lock in this price"),
    ("I need to close this before our quarter-end.", "vendor_timeline", "before our quarter-end"),
    ("This is the future of the category.", "category_future", "the future of the category"),
    ("It's where the market is heading.", "category_future", "where the market is heading"),
    ("The industry is moving toward automation.", "category_future", "industry is moving toward"),
    ("Don't get left behind.", "category_future", "get left behind"),
    ("It's a true game-changer.", "vendor_buzzwords", "game-changer"),
    ("Let me send you a deck.", "deck_instead_of_diagnostic", "send you a deck"),
    (
        "I'll send over our product overview.",
        "deck_instead_of_diagnostic",
        "send over our product overview",
    ),
    ("Attached is our pitch deck.", "deck_instead_of_diagnostic", "Attached is our pitch deck"),
    ("Can we book a quick demo next week?", "demo_first", "book a quick demo"),
    ("Would you like a live demo?", "demo_first", "like a live demo"),
    (
        "Our CEO would love to meet your CEO.",
        "executive_meeting_upfront",
        "Our CEO would love to meet your CEO",
    ),
    ("Could we set up a CEO-to-CEO call?", "executive_meeting_upfront", "CEO-to-CEO call"),
    (
        "Our VP of Sales wants to connect with your leadership team.",
        "executive_meeting_upfront",
        "Our VP of Sales wants to connect with your leadership team",
    ),
    ("Can you introduce me to your CFO?", "executive_meeting_upfront", "introduce me to your CFO"),
    ("Could you loop in your finance team?", "loop_in_finance", "loop in your finance team"),
    (
        "It would help to get procurement involved early.",
        "loop_in_finance",
        "get procurement involved",
    ),
    ("Please bring your purchasing folks in.", "loop_in_finance", "bring your purchasing folks in"),
    (
        "Now that you've renewed, let's talk about expanding.",
        "renewal_as_trigger",
        "Now that you've renewed",
    ),
    ("Just checking in on how things are going.", "weak_opener", "Just checking in"),
    # curly apostrophes and odd casing are matched like plain ones
    (
        "I WANTED TO TELL YOU ABOUT OUR NEW PRODUCT",
        "pitch_new_product",
        "TELL YOU ABOUT OUR NEW PRODUCT",
    ),
    (
        "Now that you\u2019ve renewed, here is an idea.",
        "renewal_as_trigger",
        "Now that you\u2019ve renewed",
    ),
]

NEGATIVE = [
    "Our product team fixed the export bug last week.",
    "We noticed your team crossed 45 seats in the workflow module.",
    "Three of your operators opened tickets about month-end reporting.",
    "We are not going to pitch you anything today.",
    "Instead of sending a deck, could we map how your team closes the month?",
    "If it isn't a fit, I'll tell you plainly and we'll leave it there.",
    "Your finance team's close runs on working day five.",
    "I'll share the notes from our call.",
    "Happy to share the slides from our QBR.",
    "What does the future of your reporting team look like?",
    "The discount from your renewal is already on the invoice.",
    "We saw 3 tickets this quarter about exports.",
    "Your new product line launches in March.",
    "This is a diagnostic, not a demo.",
    "Your team likes the new dashboard.",
    "Dana said the export takes two days.",
    "We credited the two unused seats on this quarter's invoice.",
    "Could you walk me through how approvals work today?",
    "Your renewal date is March 3.",
    "Our support team will follow up on ticket 4412.",
    "The team, like you said, will review it on Friday.",
    "We won't send a deck or push a demo.",
    "Your CFO asked for the usage numbers in the QBR.",
    "Reconciliation happens in spreadsheets after the ledger export.",
    "The newest hire on your team is an analyst named Omar.",
    "Would Tuesday or Thursday work for 20 minutes?",
    "Your Head of Finance mentioned the audit in March.",
    "Demonstrating the fix took our engineer an hour.",
]


@pytest.mark.parametrize(("text", "rule_id", "matched"), POSITIVE)
def test_banned_phrase_is_caught_with_exact_span(text: str, rule_id: str, matched: str) -> None:
    findings = [f for f in check_language(text).banned if f.rule_id == rule_id]
    assert findings, f"{rule_id} not raised for {text!r}: {banned(text)}"
    finding = findings[0]
    assert finding.matched == matched
    assert finding.span is not None
    start, end = finding.span
    assert text[start:end] == matched
    assert finding.severity in {"high", "medium", "low"}
    assert finding.suggestion


@pytest.mark.parametrize("text", NEGATIVE)
def test_ordinary_sentence_is_not_flagged(text: str) -> None:
    assert banned(text) == []


def test_lists_are_large_enough_to_mean_something() -> None:
    assert len(POSITIVE) >= 20 and len(NEGATIVE) >= 20
    assert {rule for _, rule, _ in POSITIVE} >= {
        "pitch_new_product",
        "generalized_peers",
        "deadline_discount",
        "category_future",
        "deck_instead_of_diagnostic",
        "executive_meeting_upfront",
        "loop_in_finance",
    }


def test_span_points_into_a_longer_email() -> None:
    text = (
        "Hi Dana,\n\nHope you had a good week. I wanted to tell you about our new product, "
        "Close Automation. Companies your size are buying it, and we can offer a discount if "
        "you sign this quarter. Let me send you a deck.\n\nBest, Maya"
    )
    report = check_language(text)
    got = {(f.rule_id, text[f.span[0] : f.span[1]]) for f in report.banned if f.span}
    assert got == {
        ("pitch_new_product", "tell you about our new product"),
        ("generalized_peers", "Companies your size"),
        ("deadline_discount", "discount if you sign this quarter"),
        ("deck_instead_of_diagnostic", "send you a deck"),
    }
    starts = [f.span[0] for f in report.banned if f.span]
    assert starts == sorted(starts)


def test_every_occurrence_is_reported_once() -> None:
    text = "Let me send you a deck. Actually, let me send you a deck and some slides."
    findings = [f for f in check_language(text).banned if f.rule_id == "deck_instead_of_diagnostic"]
    assert [f.span for f in findings] == [(7, 22), (41, 56)]


def test_negation_only_counts_in_the_same_clause() -> None:
    assert banned("No pressure, but let me send you a deck.") == [
        ("deck_instead_of_diagnostic", "send you a deck")
    ]
    assert banned("I won't send you a deck.") == []


def test_word_boundaries_are_respected() -> None:
    assert banned("We redo a demolition plan yearly.") == []
    assert banned("The deckhand checked in.") == []
    assert banned("undiscounted seats this quarter") == []
