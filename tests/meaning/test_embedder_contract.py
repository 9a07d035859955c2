"""One contract for the embedding port, run against the fake and the real model."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from shared.meaning import CachedEmbedder, TextEmbedder
from shared.meaning.minilm import MiniLmEmbedder
from tests.support.meaning import FakeEmbedder

HUGE = "The dashboard numbers never match the spreadsheet. " * 2_000  # ~100 KB


@pytest.fixture(params=["fake", "minilm", "cached-minilm"])
def embedder(request: pytest.FixtureRequest, minilm: MiniLmEmbedder) -> Iterator[TextEmbedder]:
    if request.param == "fake":
        yield FakeEmbedder()
    elif request.param == "minilm":
        yield minilm
    else:
        yield CachedEmbedder(minilm, size=4)


def test_rows_are_unit_length_float32_one_per_text(embedder: TextEmbedder) -> None:
    vectors = embedder.embed(["We export to Excel every week.", "Login fails on mobile."])
    assert vectors.shape == (2, embedder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_the_same_text_gives_the_same_vector_whatever_its_batch(embedder: TextEmbedder) -> None:
    alone = embedder.embed(["Who changed the permissions?"])[0]
    batched = embedder.embed(["Something else entirely.", "Who changed the permissions?"])[1]
    assert float(alone @ batched) > 0.999


def test_empty_huge_and_non_english_texts_embed_without_error(embedder: TextEmbedder) -> None:
    german, chinese = "Die Zahlen im Bericht stimmen nie überein.", "报表里的数字对不上"
    texts = ["", "   \n ", HUGE, german, chinese, "\x00☃"]
    vectors = embedder.embed(texts)
    assert vectors.shape == (len(texts), embedder.dim)
    assert not np.any(vectors[0]) and not np.any(vectors[1])  # empty: similar to nothing
    assert np.all(np.isfinite(vectors))
    assert abs(float(np.linalg.norm(vectors[2])) - 1.0) < 1e-4


def test_an_empty_batch_is_an_empty_matrix(embedder: TextEmbedder) -> None:
    assert embedder.embed([]).shape == (0, embedder.dim)
