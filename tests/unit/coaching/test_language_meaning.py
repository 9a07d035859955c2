"""Never-say by meaning, with the fake embedder: a sentence close to a banned
rule's example is a finding spanning the sentence and naming the example; a
sentence closer to a fine example, or already caught by a pattern, is not."""

from __future__ import annotations

from typing import Any

import pytest

from services.play_orchestrator.coaching.language import check_language
from services.play_orchestrator.coaching.language_rules import (
    LanguageRulesError,
    default_language_rules,
    parse_language_rules,
)
from tests.support.meaning import FakeEmbedder

SYNONYMS = {"slides": "deck", "presentation": "deck", "forward": "send", "email": "send"}


def _rules(**meaning: Any):  # type: ignore[no-untyped-def]
    return parse_language_rules(
        {
            "version": 1,
            "reviewed_by": "tests",
            "reviewed_at": "2026-12-01",
            "negation": {"pattern": r"\bnot\b"},
            "meaning": {
                "similarity": 0.4,
                "margin": 0.05,
                "fine_examples": ["How does your team build the weekly report today?"],
                **meaning,
            },
            "rules": [
                {
                    "id": "deck_instead_of_diagnostic",
                    "category": "banned",
                    "severity": "medium",
                    "description": "Offers material to read instead of a conversation.",
                    "rewrite": "Ask how they work instead of sending material.",
                    "patterns": ["send you (?:a|our) deck"],
                    "examples": ["Let me send you a deck."],
                }
            ],
        }
    )


def test_a_paraphrase_is_found_by_meaning_with_its_span_and_example() -> None:
    text = "Thanks for the call. I will forward the slides to you!"
    report = check_language(text, _rules(), embedder=FakeEmbedder(SYNONYMS))
    (finding,) = report.banned
    assert finding.rule_id == "deck_instead_of_diagnostic"
    assert finding.span == (21, len(text))
    assert finding.matched == "I will forward the slides to you!"
    assert finding.resembles == "Let me send you a deck." and finding.similarity is not None


def test_without_an_embedder_only_patterns_count() -> None:
    report = check_language("I will forward the slides to you.", _rules())
    assert report.banned == ()


def test_a_sentence_a_pattern_caught_is_reported_once() -> None:
    report = check_language("Let me send you a deck.", _rules(), embedder=FakeEmbedder(SYNONYMS))
    (finding,) = report.banned
    assert finding.matched == "send you a deck" and finding.resembles is None


def test_a_sentence_closer_to_a_fine_example_is_not_flagged() -> None:
    text = "How does your team build the weekly deck today?"
    assert check_language(text, _rules(), embedder=FakeEmbedder(SYNONYMS)).banned == ()
    strict = _rules(similarity=0.99)
    assert check_language("I will send the deck.", strict, embedder=FakeEmbedder()).banned == ()


def test_examples_belong_to_banned_rules_only() -> None:
    raw = default_language_rules().model_dump(mode="json")
    missing = next(r for r in raw["rules"] if r["category"] == "missing")
    missing["examples"] = ["Some sentence."]
    with pytest.raises(LanguageRulesError, match="banned rules only"):
        parse_language_rules(raw)


def test_the_shipped_rules_carry_examples_for_every_idea_rule() -> None:
    rules = default_language_rules()
    banned = [r for r in rules.rules if r.category == "banned" and r.id != "vendor_buzzwords"]
    assert all(len(r.examples) >= 4 for r in banned)
    assert rules.meaning.fine_examples and 0 < rules.meaning.similarity < 1
