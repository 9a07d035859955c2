"""Vendor-language check for cross-sell openings and emails.

Rules live in ``rules/language_rules.yaml`` (versioned, reviewed; see ``language_rules``).
``check_language`` reports banned phrasing with exact character spans, and the elements a good
opening must contain (a reference to the observed signal, a diagnostic ask, a neutrality line).

Matching is case-insensitive and word-boundary aware: the text is lower-cased (length kept, so
spans stay valid against the caller's text) and matches must start and end on word boundaries.
The start boundary is checked here rather than with a leading lookbehind, which keeps the regex
engine's first-character scan: a 2,000-character email takes about two milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.play_orchestrator.coaching.language_meaning import meaning_hits
from services.play_orchestrator.coaching.language_rules import (
    DEFAULT_RULES_PATH,
    Category,
    LanguageRules,
    LanguageRulesError,
    RuleSpec,
    Severity,
    default_language_rules,
    load_language_rules,
    parse_language_rules,
)
from services.play_orchestrator.coaching.phrases import phrase_present
from shared.meaning import TextEmbedder

__all__ = [
    "DEFAULT_RULES_PATH",
    "LanguageFinding",
    "LanguageReport",
    "LanguageRules",
    "LanguageRulesError",
    "check_language",
    "default_language_rules",
    "load_language_rules",
    "parse_language_rules",
]

# Same-length replacements keep spans valid against the caller's original text.
_NORMALISE = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00a0": " ",
        "\u2010": "-",
        "\u2011": "-",
    }
)
_WORD_CHAR = re.compile(r"\w")
_WORD_TAIL = re.compile(r"\w*")


class LanguageFinding(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule_id: str
    category: Category
    severity: Severity
    span: tuple[int, int] | None
    matched: str | None
    message: str
    suggestion: str
    # Found by meaning: the rule's example the sentence resembles, and how closely.
    resembles: str | None = None
    similarity: float | None = None


class LanguageReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    rules_version: int
    findings: tuple[LanguageFinding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def banned(self) -> tuple[LanguageFinding, ...]:
        return tuple(f for f in self.findings if f.category == "banned")

    @property
    def missing(self) -> tuple[LanguageFinding, ...]:
        return tuple(f for f in self.findings if f.category == "missing")

    def rule_ids(self) -> list[str]:
        return [f.rule_id for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def check_language(
    text: str,
    rules: LanguageRules | None = None,
    *,
    signal_phrases: tuple[str, ...] | list[str] = (),
    embedder: TextEmbedder | None = None,
) -> LanguageReport:
    """Flag vendor language and missing elements in ``text``.

    ``signal_phrases`` (numbers, quotes, ticket subjects from the play's evidence) make the
    signal-reference check specific: with phrases given, the text must echo one of them; a
    phrase with numbers also counts when all its numbers appear in the text.

    With an ``embedder``, every sentence is also compared by meaning with the banned rules'
    examples; a sentence no pattern of that rule caught becomes a finding spanning the
    sentence, naming the example it resembles.
    """
    if rules is None:
        rules = default_language_rules()
    lowered = _lower_same_length(text.translate(_NORMALISE))
    banned: list[LanguageFinding] = []
    missing: list[LanguageFinding] = []
    for rule in rules.rules:
        patterns = rules.patterns_for(rule.id)
        if rule.category == "banned":
            banned.extend(_banned_findings(rule, patterns, text, lowered, rules))
        elif not _present(rule, patterns, lowered, signal_phrases):
            missing.append(_finding(rule, None, None))
    if embedder is not None:
        caught: dict[str, list[tuple[int, int]]] = {}
        for f in banned:
            if f.span is not None:
                caught.setdefault(f.rule_id, []).append(f.span)
        for hit in meaning_hits(text, rules, embedder, caught):
            start, end = hit.span
            banned.append(
                _finding(hit.rule, hit.span, text[start:end]).model_copy(
                    update={"resembles": hit.example, "similarity": round(hit.similarity, 3)}
                )
            )
    banned.sort(key=lambda f: (f.span or (0, 0), f.rule_id))
    return LanguageReport(rules_version=rules.version, findings=tuple(banned + missing))


def _lower_same_length(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # A few characters (e.g. U+0130) grow when lower-cased; keep those as they are.
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _matches(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    """Non-empty matches that start on a word boundary (the end is checked in the regex)."""
    pos = 0
    while pos <= len(text):
        match = pattern.search(text, pos)
        if match is None:
            return
        start, end = match.span()
        if start > 0 and _WORD_CHAR.match(text, start - 1) and _WORD_CHAR.match(text, start):
            tail = _WORD_TAIL.match(text, start)  # mid-word: resume after this word
            pos = tail.end() if tail else start + 1
            continue
        if end > start:
            yield start, end
        pos = max(end, start + 1)


def _banned_findings(
    rule: RuleSpec,
    patterns: tuple[re.Pattern[str], ...],
    original: str,
    lowered: str,
    rules: LanguageRules,
) -> list[LanguageFinding]:
    spans = sorted(
        {span for p in patterns for span in _matches(p, lowered)},
        key=lambda s: (s[0], -s[1]),
    )
    kept: list[tuple[int, int]] = []
    for start, end in spans:
        if kept and start < kept[-1][1]:
            continue  # overlaps a longer match of the same rule already reported
        if rule.negation_aware and rules.negated(lowered, start):
            continue
        kept.append((start, end))
    return [_finding(rule, span, original[span[0] : span[1]]) for span in kept]


def _present(
    rule: RuleSpec,
    patterns: tuple[re.Pattern[str], ...],
    lowered: str,
    signal_phrases: tuple[str, ...] | list[str],
) -> bool:
    if rule.match_signal_phrases and signal_phrases:
        return any(phrase_present(phrase, lowered) for phrase in signal_phrases)
    return any(next(_matches(p, lowered), None) is not None for p in patterns)


def _finding(rule: RuleSpec, span: tuple[int, int] | None, matched: str | None) -> LanguageFinding:
    return LanguageFinding(
        rule_id=rule.id,
        category=rule.category,
        severity=rule.severity,
        span=span,
        matched=matched,
        message=rule.description,
        suggestion=rule.rewrite,
    )
