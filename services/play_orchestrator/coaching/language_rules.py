"""Loading and validating the versioned language rules file.

Patterns are lower case (the checked text is lower-cased), may use ``{{macro}}`` references,
and are compiled with a trailing word-boundary lookahead; the start boundary is checked by the
matcher. Nested repetition is rejected unless tightly bounded, so no rule can backtrack
catastrophically. Every problem surfaces as ``LanguageRulesError`` naming the rule and pattern.
"""

from __future__ import annotations

import re
import re._parser as sre_parser  # stable since 3.11; used only to inspect rule patterns
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

DEFAULT_RULES_PATH = Path(__file__).parent / "rules" / "language_rules.yaml"

Category = Literal["banned", "missing"]
Severity = Literal["high", "medium", "low"]

_MACRO = re.compile(r"\{\{(\w+)\}\}")
_MAX_NESTED_REPEAT = 5
_REPEAT_OPS = {sre_parser.MAX_REPEAT, sre_parser.MIN_REPEAT, sre_parser.POSSESSIVE_REPEAT}
_CLAUSE_BREAK = re.compile(r"[.!?;:,\n\u2014\u2013()]|\s-\s")
_ESCAPES = re.compile(r"\\.|\(\?P<\w+>|\(\?P=\w+\)")


class LanguageRulesError(ValueError):
    """The rules file cannot be read or is invalid."""


class RuleSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    category: Category
    severity: Severity
    description: str = Field(min_length=10)
    rewrite: str = Field(min_length=10)
    patterns: tuple[str, ...] = Field(min_length=1)
    negation_aware: bool = True
    match_signal_phrases: bool = False
    # Banned rules: the idea in sentences (never-say by meaning); a draft's
    # sentence this close to one is a finding too. ``similarity`` overrides the
    # file-wide threshold for this rule.
    examples: tuple[str, ...] = ()
    similarity: float | None = Field(default=None, gt=0, le=1)

    @model_validator(mode="after")
    def _examples_only_when_banned(self) -> RuleSpec:
        if self.examples and self.category != "banned":
            raise ValueError(f"rule {self.id!r}: examples are for banned rules only")
        return self


class MeaningSpec(BaseModel):
    """Never-say by meaning: a sentence is flagged when its cosine similarity
    to a banned rule's example reaches ``similarity`` and beats its similarity
    to every ``fine_examples`` line (good openings, diagnostic asks) by
    ``margin``. Calibrated on the evaluation set in tests/meaning."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    similarity: float = Field(default=0.40, gt=0, le=1)
    margin: float = Field(default=0.06, ge=0, le=1)
    fine_examples: tuple[str, ...] = ()


class NegationSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    window: int = Field(default=40, ge=0, le=200)
    pattern: str


class LanguageRules(BaseModel):
    """The validated rules file; compiled patterns are kept privately."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(ge=1)
    reviewed_by: str = Field(min_length=1)
    reviewed_at: date
    macros: dict[str, str] = Field(default_factory=dict)
    negation: NegationSpec
    meaning: MeaningSpec = MeaningSpec()
    rules: tuple[RuleSpec, ...] = Field(min_length=1)

    _compiled: dict[str, tuple[re.Pattern[str], ...]] = PrivateAttr(default_factory=dict)
    _negation: re.Pattern[str] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _compile(self) -> LanguageRules:
        ids = [rule.id for rule in self.rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate rule ids: {', '.join(duplicates)}")
        self._negation = _compile_one("negation", 0, self.negation.pattern, {}, wrap=False)
        for rule in self.rules:
            self._compiled[rule.id] = tuple(
                _compile_one(rule.id, i, raw, self.macros, wrap=True)
                for i, raw in enumerate(rule.patterns)
            )
        return self

    def patterns_for(self, rule_id: str) -> tuple[re.Pattern[str], ...]:
        return self._compiled[rule_id]

    def negated(self, text: str, start: int) -> bool:
        """True when a negation sits in the same clause just before ``start``."""
        assert self._negation is not None
        before = text[max(0, start - self.negation.window) : start]
        breaks = list(_CLAUSE_BREAK.finditer(before))
        if breaks:
            before = before[breaks[-1].end() :]
        return self._negation.search(before) is not None


def _compile_one(
    rule_id: str, index: int, raw: str, macros: dict[str, str], *, wrap: bool
) -> re.Pattern[str]:
    where = f"rule {rule_id!r} pattern #{index + 1} ({raw!r})"

    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in macros:
            raise ValueError(f"{where}: unknown macro {{{{{name}}}}}")
        return macros[name]

    pattern = _MACRO.sub(expand, raw)
    if any(c.isupper() for c in _ESCAPES.sub("", pattern)):
        raise ValueError(f"{where} must be lower case: text is lower-cased before matching")
    if wrap:
        pattern = rf"(?:{pattern})(?!\w)"
    try:
        compiled = re.compile(pattern)
    except re.error as err:
        raise ValueError(f"{where} is not a valid regular expression: {err}") from err
    if _nested_repeat(sre_parser.parse(pattern), None):
        raise ValueError(
            f"{where} nests repetition inside repetition without a bound of at most "
            f"{_MAX_NESTED_REPEAT}; it could backtrack catastrophically"
        )
    return compiled


def _nested_repeat(tree: Any, outer: int | None) -> bool:
    """True if a repeat sits inside repeats whose combined bound exceeds the limit.

    ``outer`` is the product of the enclosing repeat bounds (None at top level); an
    unbounded quantifier counts as MAXREPEAT, so ``(a+)+`` is rejected and
    ``(?:[\\w-]+\\s+){0,3}`` is allowed.
    """
    for op, arg in tree:
        if op in _REPEAT_OPS:
            _low, high, sub = arg
            inner = outer
            if high > 1:
                if outer is not None and outer > _MAX_NESTED_REPEAT:
                    return True
                inner = high if outer is None else outer * high
            if _nested_repeat(sub, inner):
                return True
        elif op == sre_parser.SUBPATTERN or op in (sre_parser.ASSERT, sre_parser.ASSERT_NOT):
            if _nested_repeat(arg[-1], outer):
                return True
        elif op == sre_parser.ATOMIC_GROUP:
            if _nested_repeat(arg, outer):
                return True
        elif op == sre_parser.BRANCH:
            if any(_nested_repeat(branch, outer) for branch in arg[1]):
                return True
        elif op == sre_parser.GROUPREF_EXISTS:
            if any(_nested_repeat(branch, outer) for branch in arg[1:] if branch is not None):
                return True
    return False


def load_language_rules(path: Path | str = DEFAULT_RULES_PATH) -> LanguageRules:
    """Read and validate a rules file; every problem is raised as ``LanguageRulesError``."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise LanguageRulesError(f"cannot read language rules {path}: {err}") from err
    return parse_language_rules(raw, source=str(path))


def parse_language_rules(raw: object, source: str = "<memory>") -> LanguageRules:
    try:
        return LanguageRules.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in err.errors()
        )
        raise LanguageRulesError(f"invalid language rules {source}: {problems}") from err


@lru_cache(maxsize=1)
def default_language_rules() -> LanguageRules:
    return load_language_rules(DEFAULT_RULES_PATH)
