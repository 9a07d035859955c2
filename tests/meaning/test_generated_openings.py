"""The openings the coaching generator writes are the product's own good lines:
the meaning check must not flag them (for every kind of signal and for the
demo account), or the talk track would contradict the language check."""

from __future__ import annotations

import pytest

from services.play_orchestrator.coaching import build_talk_track
from services.play_orchestrator.coaching.language import check_language
from shared.meaning.minilm import MiniLmEmbedder
from tests.unit.coaching.factories import context
from tests.unit.coaching.test_context_adapter import _context as demo_context
from tests.unit.coaching.test_talk_track import SIGNAL_MIXES


@pytest.mark.parametrize("mix", sorted(SIGNAL_MIXES))
def test_the_opening_for_each_kind_of_signal_passes_by_meaning(
    minilm: MiniLmEmbedder, mix: str
) -> None:
    opening = build_talk_track(context(signals=SIGNAL_MIXES[mix])).opening
    assert opening
    banned = check_language(opening, embedder=minilm).banned
    assert [(f.rule_id, f.matched, f.resembles) for f in banned] == []


def test_the_demo_accounts_opening_passes_by_meaning(minilm: MiniLmEmbedder) -> None:
    opening = build_talk_track(demo_context()).opening
    assert opening
    banned = check_language(opening, embedder=minilm).banned
    assert [(f.rule_id, f.matched, f.resembles) for f in banned] == []
