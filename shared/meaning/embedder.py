"""The embedding port, text preparation and the similarity helpers.

An embedder turns texts into unit-length float32 rows: cosine similarity is a
dot product. Texts are prepared the same way everywhere (whitespace folded,
cut to ``MAX_CHARS``) so a 100 KB ticket costs what a long paragraph costs,
and an empty text gets a zero row (similar to nothing) instead of an error.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

Vectors = NDArray[np.float32]

# The model reads at most 128 word pieces; 2,000 characters is well past that
# for any language, and keeps what crosses to the worker process small.
MAX_CHARS = 2_000
_SPACE = re.compile(r"\s+")
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)", re.MULTILINE)


class TextEmbedder(Protocol):
    """Texts in, one unit-length float32 row per text out (zero row for an empty text)."""

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def prepare_text(text: str, limit: int = MAX_CHARS) -> str:
    return _SPACE.sub(" ", text[: limit * 2]).strip()[:limit]


def normalise_rows(rows: NDArray[np.floating]) -> Vectors:
    out = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return out / norms


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (stripped, non-empty)."""
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start and any(c.isalnum() for c in text[start:end]):
            spans.append((start, end))
    return spans


@dataclass(frozen=True, slots=True)
class Nearest:
    """Per text row: the score (mean of the ``top_k`` best similarities), the
    index of the closest example and its similarity."""

    score: NDArray[np.float32]
    index: NDArray[np.intp]
    similarity: NDArray[np.float32]


def top_similarity(texts: Vectors, examples: Vectors, top_k: int = 2) -> Nearest:
    sims = texts @ examples.T
    index = sims.argmax(axis=1)
    best = sims[np.arange(len(texts)), index]
    k = min(top_k, examples.shape[0])
    score = best if k <= 1 else np.sort(sims, axis=1)[:, -k:].mean(axis=1)
    return Nearest(score.astype(np.float32), index, best.astype(np.float32))


class CachedEmbedder:
    """Remembers vectors by (prepared) text, least recently used out first:
    the same ticket text arriving opened, updated and closed is embedded once."""

    def __init__(self, inner: TextEmbedder, size: int = 5_000) -> None:
        self.inner = inner
        self.size = size
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: Sequence[str]) -> Vectors:
        prepared = [prepare_text(t) for t in texts]
        out = np.zeros((len(prepared), self.dim), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        for i, text in enumerate(prepared):
            row = self._cache.get(text)
            if row is None:
                todo.setdefault(text, []).append(i)
            else:
                self._cache.move_to_end(text)
                out[i] = row
        self.hits += len(prepared) - sum(len(v) for v in todo.values())
        if todo:
            fresh = self.inner.embed(list(todo))
            self.misses += len(todo)
            for (text, rows), vector in zip(todo.items(), fresh, strict=True):
                out[rows] = vector
                self._cache[text] = vector
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return out
