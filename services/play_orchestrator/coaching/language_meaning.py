"""Never-say by meaning (issue 17): a draft's sentences compared with the banned
rules' example sentences through a sentence-embedding port.

The rules' examples (and the file's fine examples) are embedded once per
(embedder, rules) pair; a check embeds only the draft's sentences, in one call.
A sentence counts for the banned rule it most resembles when the similarity
reaches the rule's threshold and beats the closest fine example by the margin,
unless a pattern of that rule already caught something in the sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.play_orchestrator.coaching.language_rules import LanguageRules, RuleSpec
from shared.meaning import TextEmbedder, split_sentences
from shared.meaning.embedder import Vectors


@dataclass(frozen=True, slots=True)
class MeaningHit:
    rule: RuleSpec
    span: tuple[int, int]
    example: str
    similarity: float


@dataclass(frozen=True, slots=True)
class _Index:
    rules: tuple[RuleSpec, ...]
    examples: tuple[str, ...]  # every banned example, in rule order
    owner: np.ndarray  # example row -> index into rules
    vectors: Vectors
    fine: Vectors


# (id(embedder), id(rules)) -> (embedder, rules, index); the objects are kept so
# their ids cannot be reused while the entry lives.
_INDEXES: dict[tuple[int, int], tuple[object, object, _Index]] = {}
_MAX_INDEXES = 8


def _index(rules: LanguageRules, embedder: TextEmbedder) -> _Index:
    key = (id(embedder), id(rules))
    known = _INDEXES.get(key)
    if known is not None:
        return known[2]
    banned = tuple(r for r in rules.rules if r.category == "banned" and r.examples)
    examples = tuple(e for r in banned for e in r.examples)
    owner = np.array([i for i, r in enumerate(banned) for _ in r.examples], dtype=np.intp)
    vectors = embedder.embed(list(examples)) if examples else np.zeros((0, embedder.dim))
    fine_texts = list(rules.meaning.fine_examples)
    fine = embedder.embed(fine_texts) if fine_texts else np.zeros((0, embedder.dim))
    index = _Index(banned, examples, owner, vectors.astype(np.float32), fine.astype(np.float32))
    if len(_INDEXES) >= _MAX_INDEXES:
        _INDEXES.pop(next(iter(_INDEXES)))
    _INDEXES[key] = (embedder, rules, index)
    return index


def meaning_hits(
    text: str,
    rules: LanguageRules,
    embedder: TextEmbedder,
    caught: dict[str, list[tuple[int, int]]],
) -> list[MeaningHit]:
    """``caught``: rule id -> spans its patterns already reported."""
    index = _index(rules, embedder)
    spans = split_sentences(text)
    if not index.examples or not spans:
        return []
    vectors = embedder.embed([text[a:b] for a, b in spans])
    sims = vectors @ index.vectors.T
    fine = (vectors @ index.fine.T).max(axis=1) if len(index.fine) else np.full(len(spans), -1.0)
    hits = []
    for row, (start, end) in enumerate(spans):
        if not np.any(vectors[row]):
            continue
        best = int(sims[row].argmax())
        similarity = float(sims[row, best])
        rule = index.rules[int(index.owner[best])]
        threshold = rule.similarity if rule.similarity is not None else rules.meaning.similarity
        if similarity < threshold or similarity - float(fine[row]) < rules.meaning.margin:
            continue
        if any(a < end and start < b for a, b in caught.get(rule.id, ())):
            continue  # the rule's patterns already flagged this sentence
        hits.append(MeaningHit(rule, (start, end), index.examples[best], similarity))
    return hits
