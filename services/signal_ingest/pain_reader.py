"""Pain by meaning: how close each ticket's words come to every adjacent
product's pain examples (issue 17).

The consumer hands a whole batch in; the ticket texts (subject and
description) are embedded in one call, off the event loop, and compared with
the catalog's examples (embedded once per catalog version). The domain gets
the ``Resemblance`` per product and applies the catalog's thresholds itself.

A failing or stuck model never blocks the batch: the error is logged and the
batch goes on matching by phrases and topics only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from services.signal_ingest.domain import Catalog
from services.signal_ingest.domain.state import Resemblance
from shared.logs import get_logger
from shared.meaning import TextEmbedder, top_similarity
from shared.meaning.embedder import Vectors
from shared.messages.inbound import CanonicalEvent, TicketClosedEvent, TicketOpenedEvent

log = get_logger(__name__)

Readings = dict[str, dict[str, Resemblance]]  # event id -> adjacent product -> resemblance


@dataclass(frozen=True, slots=True)
class _Examples:
    catalog: Catalog
    products: tuple[str, ...]
    sentences: tuple[tuple[str, ...], ...]
    vectors: tuple[Vectors, ...]


def ticket_text(event: TicketOpenedEvent | TicketClosedEvent) -> str:
    d = event.data
    return f"{d.subject}\n{d.description}"


class PainReader:
    def __init__(self, embedder: TextEmbedder) -> None:
        self.embedder = embedder
        self._examples: _Examples | None = None
        self.embed_seconds = 0.0
        self.tickets = 0

    async def read(self, catalog: Catalog, events: Sequence[CanonicalEvent]) -> Readings:
        tickets = [e for e in events if isinstance(e, TicketOpenedEvent | TicketClosedEvent)]
        if not tickets or not any(a.pain_examples for a in catalog.adjacent_products):
            return {}
        try:
            return await asyncio.to_thread(self.read_now, catalog, tickets)
        except Exception as exc:  # the model is optional: phrases still match
            log.warning("pain_meaning_unavailable", error=repr(exc), tickets=len(tickets))
            return {}

    def read_now(
        self, catalog: Catalog, tickets: Sequence[TicketOpenedEvent | TicketClosedEvent]
    ) -> Readings:
        examples = self._examples_for(catalog)
        started = time.perf_counter()
        vectors = self.embedder.embed([ticket_text(t) for t in tickets])
        self.embed_seconds += time.perf_counter() - started
        self.tickets += len(tickets)
        out: Readings = {}
        for product, sentences, matrix in zip(
            examples.products, examples.sentences, examples.vectors, strict=True
        ):
            near = top_similarity(vectors, matrix)
            for row, event in enumerate(tickets):
                if not np.any(vectors[row]):
                    continue  # nothing to compare (an empty ticket)
                out.setdefault(event.id, {})[product] = Resemblance(
                    example=sentences[int(near.index[row])],
                    similarity=float(near.similarity[row]),
                    score=float(near.score[row]),
                )
        return out

    def _examples_for(self, catalog: Catalog) -> _Examples:
        known = self._examples
        if known is not None and known.catalog is catalog:
            return known
        products = tuple(a for a in catalog.adjacent_products if a.pain_examples)
        sentences = tuple(tuple(a.pain_examples) for a in products)
        vectors = tuple(self.embedder.embed(list(s)) for s in sentences)
        self._examples = _Examples(catalog, tuple(a.id for a in products), sentences, vectors)
        return self._examples
