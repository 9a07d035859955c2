"""The real embedding model, loaded once for the tests in this folder."""

from __future__ import annotations

import pytest

from shared.meaning.minilm import MiniLmEmbedder


@pytest.fixture(scope="session")
def minilm() -> MiniLmEmbedder:
    return MiniLmEmbedder()
