"""An in-memory fake of the ``TextEmbedder`` port: a bag of words hashed into
a small vector, with optional synonyms so a test can say which words mean the
same thing. Deterministic, instant, no model."""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence

import numpy as np

from shared.meaning import normalise_rows, prepare_text
from shared.meaning.embedder import Vectors

_WORD = re.compile(r"[a-z0-9]+")


class FakeEmbedder:
    def __init__(self, synonyms: Mapping[str, str] | None = None, dim: int = 256) -> None:
        self.synonyms = dict(synonyms or {})
        self._dim = dim
        self.calls: list[list[str]] = []
        self.fail: Exception | None = None

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> Vectors:
        if self.fail is not None:
            raise self.fail
        self.calls.append(list(texts))
        rows = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in _WORD.findall(prepare_text(text).lower()):
                word = self.synonyms.get(word, word)
                rows[i, zlib.crc32(word.encode()) % self._dim] += 1.0
        return normalise_rows(rows)
