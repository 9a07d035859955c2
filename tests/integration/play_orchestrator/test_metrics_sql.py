"""The pipeline metrics SQL equals the domain's pure definition on the same plays."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from services.play_orchestrator import handlers
from services.play_orchestrator.adapters.metrics_sql import pipeline_metrics
from services.play_orchestrator.domain import (
    BookMeeting,
    Brief,
    Close,
    Disqualify,
    EngageSponsor,
    ExecutiveSponsor,
    Expire,
    Pause,
    PauseReason,
    PipelineMetrics,
    Play,
    PlayState,
    PlaySummary,
    RecordDiscovery,
    SubmitBrief,
    Withdraw,
    compute_pipeline_metrics,
)
from services.play_orchestrator.domain import DiscoveryAnswers as Answers
from tests.integration.play_orchestrator.conftest import PlaysDb
from tests.unit.play_orchestrator_service.builders import DAY, HOUR, T0, pain_quote, signal

TYPES = ["usage_ceiling", "adjacent_pain", "workaround", "competitive_adjacent", "partner_flag"]
SURFACED = ["csm", "ae", "partner", "system"]
ANSWERS = Answers(current_workflow="spreadsheets", time_or_accuracy_loss="40 h", one_fix="auto")
OUTCOMES = ["won", "lost", "expired", "open", "disqualified", "won", "paused", "withdrawn"]


def _path(outcome: str, play: Play, at: datetime, amount: float) -> list[tuple[Any, datetime]]:
    sponsor = ExecutiveSponsor(name="Priya", title="VP Finance")
    start = [
        (SubmitBrief(brief=Brief(sponsor=sponsor)), at + HOUR),
        (BookMeeting(meeting_at=at + 2 * DAY, attendees=("Dana",)), at + 2 * HOUR),
    ]
    won = [
        (RecordDiscovery(answers=ANSWERS, fit=True), at + DAY),
        (EngageSponsor(name="Priya", title="VP Finance"), at + 2 * DAY),
        (Close(outcome="won", amount=amount), at + 3 * DAY + amount / 1e4 * HOUR),
    ]
    paths = {
        "won": start + won,
        "lost": start + [(Close(outcome="lost", reason="no budget"), at + 4 * DAY)],
        "expired": start + [(Expire(), play.deadline)],
        "open": [],
        "disqualified": [(Disqualify(reason="no sponsor can be named"), at + DAY)],
        "paused": [(Pause(reason=PauseReason.ESCALATION_OPENED), at + DAY)],
        "withdrawn": [
            (Pause(reason=PauseReason.RENEWAL_NEGOTIATION), at + HOUR),
            (Withdraw(), at + HOUR + 30 * DAY),
        ],
    }
    return paths[outcome]


async def _fixture(db: PlaysDb) -> tuple[list[Play], dict[str, tuple[datetime, float]]]:
    """20 plays over 15 accounts, 2 more accounts known only from suppressed signals."""
    received, book = [], {}
    for i in range(22):
        account_id = f"m-{i % 17:02d}"
        at = T0 + i * 13 * HOUR
        core = 0.0 if i == 5 else 40_000.0 + 7_500.0 * i
        message = signal(
            account_id,
            signal_id=f"sig-{i}",
            at=at,
            product="Analytics" if i >= 17 else "Billing Automation",
            type_=TYPES[i % 5],
            surfaced_by=SURFACED[i % 4],
            status="suppressed" if i in (15, 16) else "qualified",
            opens_play=i not in (15, 16),
            core_acv=core,
            total_acv=core * 1.5,
            quotes=(pain_quote(at - 5 * DAY),),
        )
        received.append(handlers.SignalReceived(message, at))
        first, _ = book.get(account_id, (at, 0.0))
        book[account_id] = (min(first, at), core * 1.5)
    opened: list[Play] = []
    for r in received:  # each at its own time

        async def open_one(uow, r=r):  # type: ignore[no-untyped-def]
            now = r.message.detected_at + HOUR
            return await handlers.on_signals(uow, [r], now, handlers.OpeningPolicy())

        opened.extend(await db.tx(open_one))
    assert len(opened) == 20

    async def drive(uow):  # type: ignore[no-untyped-def]
        for i, play in enumerate(opened):
            amount = 10_000.0 + 3_333.0 * i
            for command, when in _path(OUTCOMES[i % len(OUTCOMES)], play, play.opened_at, amount):
                await handlers.execute(uow, play.id, command, when)
        return await uow.plays.get_many([p.id for p in opened])

    plays = list((await db.tx(drive)).values())
    return plays, book


def assert_same(sql: PipelineMetrics, pure: PipelineMetrics) -> None:
    got, want = sql.model_dump(), pure.model_dump()
    assert got.keys() == want.keys()
    for key, value in want.items():
        if isinstance(value, float):
            assert got[key] == pytest.approx(value, rel=1e-9), key
        elif isinstance(value, dict):
            assert got[key].keys() == value.keys(), key
            for name, rate in value.items():
                assert got[key][name] == pytest.approx(rate, rel=1e-9), (key, name)
        else:
            assert got[key] == value, key


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (T0 - DAY, T0 + 90 * DAY),  # everything
        (T0 + 2 * DAY, T0 + 8 * DAY),  # some opened, decided and eligible; boundaries cut
        (T0 + 200 * DAY, T0 + 201 * DAY),  # nothing: no denominators
    ],
)
async def test_sql_metrics_equal_the_pure_function(
    plays_db: PlaysDb, since: datetime, until: datetime
) -> None:
    plays, book = await _fixture(plays_db)
    states = {p.state for p in plays}
    assert {PlayState.WON, PlayState.LOST, PlayState.EXPIRED, PlayState.WITHDRAWN} <= states
    eligible = [a for a, (first, _) in book.items() if first < until]
    book_arr = sum(book[a][1] for a in eligible)
    summaries = [PlaySummary.of(p) for p in plays]
    pure = compute_pipeline_metrics(summaries, len(eligible), book_arr, since, until)
    sql = await pipeline_metrics(plays_db.sessions, since, until)
    assert_same(sql, pure)
    if since == T0 - DAY:
        assert pure.won == 5 and pure.plays_opened == 20 and pure.eligible_accounts == 17
        assert pure.win_rate_by_surfaced_by and pure.median_cycle_days is not None
