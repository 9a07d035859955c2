"""Pain by meaning in the domain: a precomputed resemblance counts when it
reaches the product's threshold; phrases still count alone; evidence keeps the
customer's words, the closest example and the similarity."""

from __future__ import annotations

import pytest

from services.signal_ingest.adapters.state_codec import decode_state, encode_state
from services.signal_ingest.domain import AccountState, SignalType, parse_catalog, process_event
from services.signal_ingest.domain.catalog import CatalogError
from services.signal_ingest.domain.codec import state_from_dict, state_to_dict
from services.signal_ingest.domain.state import Resemblance

from .builders import ACCOUNT, ANALYTICS, SECURITY, T0, catalog, day, profile, ticket

WORDS = "Our Friday numbers for the directors come from three downloads glued together."


def _near(score: float, example: str = "I spend hours every week preparing figures.") -> dict:  # type: ignore[type-arg]
    return {ANALYTICS: Resemblance(example, score + 0.05, score)}


def _plain(requester: str, at=T0):  # type: ignore[no-untyped-def]
    return ticket(requester, at, subject="Friday numbers", description=WORDS, topics=[])


def test_the_sample_catalog_carries_pain_examples_and_a_default_threshold() -> None:
    cat = catalog()
    assert all(len(a.pain_examples) >= 10 for a in cat.adjacent_products)
    assert cat.settings.pain_similarity == pytest.approx(0.42)
    assert cat.adjacent(ANALYTICS).pain_threshold(cat.settings) == pytest.approx(0.42)  # type: ignore[union-attr]


def test_a_product_may_set_its_own_threshold_within_0_and_1() -> None:
    raw = catalog().model_dump(mode="json")
    raw["adjacent_products"][0]["pain_similarity"] = 0.6
    cat = parse_catalog(raw)
    assert cat.adjacent_products[0].pain_threshold(cat.settings) == 0.6
    raw["adjacent_products"][0]["pain_similarity"] = 1.5
    with pytest.raises(CatalogError, match="pain_similarity"):
        parse_catalog(raw)


def test_three_requesters_in_their_own_words_fire_adjacent_pain_with_the_examples() -> None:
    state = AccountState(ACCOUNT)
    process_event(state, profile(day(-1)), catalog(), T0)
    signals = []
    for i, who in enumerate(("003-a", "003-b", "003-c")):
        out = process_event(state, _plain(who, day(i * 0.1)), catalog(), day(1), _near(0.5))
        signals += out.signals
    (signal,) = signals
    c = signal.candidate
    assert (c.type, c.adjacent_product, signal.status.value) == (
        SignalType.ADJACENT_PAIN,
        ANALYTICS,
        "qualified",
    )
    first = c.evidence["tickets"][0]
    assert first["quote"] == WORDS and first["matched"] == []
    assert first["resembles"] == {
        "example": "I spend hours every week preparing figures.",
        "similarity": 0.55,
        "score": 0.5,
    }


def test_below_the_threshold_the_words_do_not_count() -> None:
    state = AccountState(ACCOUNT)
    for who in ("003-a", "003-b", "003-c"):
        out = process_event(state, _plain(who), catalog(), T0, _near(0.41))
        assert out.signals == []
    assert all(not t.pain for t in state.tickets.values())


def test_a_phrase_match_needs_no_model_and_keeps_its_terms() -> None:
    state = AccountState(ACCOUNT)
    process_event(state, ticket("003-a", topics=[]), catalog(), T0)
    (t,) = state.tickets.values()
    assert "export to excel" in t.pain[ANALYTICS] and not t.resembles


def test_a_resemblance_for_another_product_does_not_leak() -> None:
    state = AccountState(ACCOUNT)
    near = {SECURITY: Resemblance("We cannot find out who changed permissions.", 0.3, 0.3)}
    process_event(state, _plain("003-a"), catalog(), T0, {**_near(0.6), **near})
    (t,) = state.tickets.values()
    assert set(t.pain) == {ANALYTICS}


def test_resemblances_survive_both_codecs() -> None:
    state = AccountState(ACCOUNT)
    process_event(state, _plain("003-a"), catalog(), T0, _near(0.5))
    for back in (state_from_dict(state_to_dict(state)), decode_state(encode_state(state))):
        (t,) = back.tickets.values()
        assert t.resembles == next(iter(state.tickets.values())).resembles
        assert t.pain == {ANALYTICS: []}
