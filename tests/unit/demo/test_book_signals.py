"""The book run through signal_ingest's own (pure) rules and gates: the
signals the demo promises do fire, some qualify, some are suppressed for
varied reasons, some are stale, and plays open for a realistic share."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from crosssell.demo.book import generate_book
from services.signal_ingest.domain.engine import process_event
from services.signal_ingest.domain.scoring import play_score
from services.signal_ingest.domain.signals import Signal, SignalType
from services.signal_ingest.domain.state import AccountState
from shared.messages.inbound import parse_event

from . import measure

NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def signals() -> list[Signal]:
    cat = measure.catalog()
    states: dict[str, AccountState] = {}
    out: list[Signal] = []
    for raw in generate_book(7, 200, now=NOW):
        event = parse_event(raw)
        state = states.setdefault(event.account_id, AccountState(event.account_id))
        out.extend(process_event(state, event, cat, NOW).signals)
    return out


def test_every_signal_type_fires(signals: list[Signal]) -> None:
    types = Counter(s.candidate.type for s in signals)
    assert set(types) == set(SignalType), types


def test_signals_qualify_are_suppressed_and_go_stale(signals: list[Signal]) -> None:
    statuses = Counter(s.status.value for s in signals)
    assert statuses["qualified"] >= 30
    assert statuses["suppressed"] >= 30
    assert statuses["stale"] >= 30
    reasons = Counter(r for s in signals for r in s.suppression_reasons)
    for gate in (
        "open_escalation", "renewal_negotiation", "renewal_window", "low_adoption",
        "declining_usage", "health_at_risk", "already_owned", "competitor_bought",
    ):  # fmt: skip
        assert reasons[gate] > 0, (gate, reasons)


def test_plays_open_for_a_realistic_share_of_accounts(signals: list[Signal]) -> None:
    cat = measure.catalog()
    pairs = {(s.account_id, s.adjacent_product) for s in signals}
    opening = [p for p in pairs if play_score(signals, *p, cat, NOW).opens]
    accounts = {account for account, _ in opening}
    assert 0.08 <= len(accounts) / 200 <= 0.30, len(accounts)
    by_type = Counter(
        s.candidate.type.value
        for s in signals
        if s.status.value == "qualified" and (s.account_id, s.adjacent_product) in opening
    )
    assert by_type["usage_ceiling"] >= 5 and by_type["adjacent_pain"] >= 3, by_type
