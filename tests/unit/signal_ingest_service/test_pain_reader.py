"""The pain reader and the handler with the fake embedder: one embedding call per
batch, only for tickets; bad input and a failing model never block the batch."""

from __future__ import annotations

from services.signal_ingest.domain import SignalType
from services.signal_ingest.handlers import handle_events
from services.signal_ingest.pain_reader import PainReader
from services.signal_ingest.ports import Ports
from tests.support.meaning import FakeEmbedder
from tests.unit.signal_ingest.builders import ANALYTICS, T0, catalog, day, metric, profile, ticket

from .fakes import World

# The fake treats these words as one meaning each, so a ticket sharing no
# catalog phrase can land next to a catalog example.
SYNONYMS = {"figures": "numbers", "directors": "leadership", "prepare": "preparing"}
EXAMPLE = "Leadership asks for numbers we cannot produce without an export."
WORDS = "Directors ask for figures we cannot produce without an export"


def _tickets(n: int, description: str = WORDS) -> list:  # type: ignore[type-arg]
    return [
        ticket(f"003-{i}", day(i * 0.01), subject="", description=description, topics=[])
        for i in range(n)
    ]


def _world(embedder: FakeEmbedder) -> tuple[World, Ports]:
    world = World()
    ports = Ports(world.accounts, world.signals, world.sink, pain=PainReader(embedder))
    return world, ports


async def test_a_batch_is_embedded_in_one_call_with_only_its_tickets() -> None:
    embedder = FakeEmbedder(SYNONYMS)
    reader = PainReader(embedder)
    events = [profile(), metric(10), *_tickets(3)]
    readings = await reader.read(catalog(), events)
    examples_calls = len(catalog().adjacent_products)
    assert len(embedder.calls) == examples_calls + 1 and len(embedder.calls[-1]) == 3
    near = readings[events[2].id][ANALYTICS]
    assert near.example == EXAMPLE and near.similarity > 0.9
    await reader.read(catalog(), _tickets(2))  # examples are embedded once per catalog
    assert len(embedder.calls) == examples_calls + 2


async def test_three_people_in_their_own_words_qualify_a_signal_through_the_handler() -> None:
    world, ports = _world(FakeEmbedder(SYNONYMS))
    await handle_events(ports, [profile(day(-1)), *_tickets(3)], catalog(), day(1))
    (decision,) = world.sink.decisions
    msg = decision.message
    assert (msg.type, msg.adjacent_product, msg.status) == (
        SignalType.ADJACENT_PAIN.value,
        ANALYTICS,
        "qualified",
    )


async def test_empty_huge_and_foreign_tickets_do_not_stop_the_batch() -> None:
    world, ports = _world(FakeEmbedder(SYNONYMS))
    odd = [
        ticket("003-x", T0, subject="", description="", topics=[]),
        ticket("003-y", T0, subject="huge", description="figures " * 2_500, topics=[]),
        ticket("003-z", T0, subject="Rechnung", description="Die Rechnung ist falsch.", topics=[]),
    ]
    result = await handle_events(ports, [profile(day(-1)), *odd, *_tickets(3)], catalog(), day(1))
    assert result.new_signals == 1
    assert len(world.accounts.state(odd[0].account_id).tickets) == 6


async def test_a_failing_model_leaves_the_phrases_working() -> None:
    embedder = FakeEmbedder(SYNONYMS)
    embedder.fail = RuntimeError("worker died")
    world, ports = _world(embedder)
    phrased = [ticket(f"003-p{i}", day(i * 0.01)) for i in range(3)]  # catalog phrases
    result = await handle_events(ports, [profile(day(-1)), *phrased], catalog(), day(1))
    assert result.new_signals == 1 and world.sink.decisions[0].message.type == "adjacent_pain"
