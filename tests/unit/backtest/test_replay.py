"""The replay on a hand-built history: a lower usage ceiling yields exactly the
extra signals it should, and nothing else changes."""

from __future__ import annotations

from datetime import timedelta

from services.signal_ingest.backtest.replay import Replayer
from services.signal_ingest.domain import SignalStatus
from tests.unit.signal_ingest.builders import T0, catalog

from .history import api_calls, catalog_with, chunks, profile, rows


def _by_event(replayer: Replayer, name: str) -> dict[str, list[tuple[str, str, str]]]:
    out: dict[str, list[tuple[str, str, str]]] = {}
    for s in replayer.world(name).signals.rows.values():
        out.setdefault(s.candidate.event_id, []).append(
            (s.candidate.type.value, s.adjacent_product, s.status.value)
        )
    return out


async def test_usage_ceiling_at_75_percent_adds_exactly_the_expected_signals() -> None:
    day = timedelta(days=1)
    start = T0 - 10 * day
    history = [profile(a, start) for a in ("acc-a", "acc-b", "acc-c", "acc-d")]
    # acc-a: 77% never reaches 80; at 75 it is one crossing.
    a = [api_calls("acc-a", v, start + (i + 1) * day) for i, v in enumerate((60, 77, 72))]
    # acc-b: crosses both thresholds at the same sample: one signal either way.
    b = [api_calls("acc-b", v, start + (i + 1) * day) for i, v in enumerate((60, 82, 90))]
    # acc-c: 76, back under the 70% re-arm, then 78: two crossings at 75, none at 80.
    c = [api_calls("acc-c", v, start + (i + 1) * day) for i, v in enumerate((60, 76, 65, 78))]
    # acc-d: 74% stays under both.
    d = [api_calls("acc-d", v, start + (i + 1) * day) for i, v in enumerate((60, 74))]
    events = sorted(history + a + b + c + d, key=lambda e: e.occurred_at)

    replayer = Replayer({"live": catalog(), "candidate": catalog_with(usage_ceiling_fire_pct=75)})
    await replayer.feed(chunks(rows(events)))
    await replayer.finish(T0)

    live, candidate = _by_event(replayer, "live"), _by_event(replayer, "candidate")
    # every live signal is still there, unchanged
    assert all(candidate.get(event_id) == found for event_id, found in live.items())
    assert set(live) == {b[1].id}
    extra = set(candidate) - set(live)
    assert extra == {a[1].id, c[1].id, c[3].id}
    # api_calls on workflow_platform points to one adjacent product; all qualified
    for event_id in extra | set(live):
        assert candidate[event_id] == [
            ("usage_ceiling", "insights_analytics", SignalStatus.QUALIFIED.value)
        ]
    assert replayer.stats.events == len(events)
    # one usage_ceiling signal reaches the threshold alone: a play per crossing
    # account (acc-c's second crossing is inside the first play's window)
    opened = {(w.account_id, w.signal_type) for w in replayer.world("candidate").sink.opened}
    assert opened == {(acc, "usage_ceiling") for acc in ("acc-a", "acc-b", "acc-c")}
    assert {w.account_id for w in replayer.world("live").sink.opened} == {"acc-b"}
