"""usage_ceiling and seat_milestone: thresholds and fire-once semantics."""

from __future__ import annotations

import pytest

from services.signal_ingest.domain import SignalType

from .builders import ANALYTICS, day, healthy_state, metric, run, types


@pytest.mark.parametrize(
    ("value", "fires"),
    [(79, False), (79.99, False), (80, True), (95, True), (120, True)],
)
def test_ceiling_fires_at_80_percent_of_limit(value: float, fires: bool) -> None:
    signals = run(healthy_state(), metric(value, limit=100))
    assert types(signals) == (["usage_ceiling"] if fires else [])


@pytest.mark.parametrize(
    ("series", "expected_fires"),
    [
        ([80, 75, 82], 1),  # 75 is not below the re-arm threshold
        ([80, 70, 82], 1),  # 70 is not *below* 70
        ([80, 65, 82], 2),  # 65 re-arms
        ([80, 81, 90, 100], 1),  # staying above fires once
        ([50, 60, 79], 0),
        ([85, 60, 85, 60, 85], 3),
    ],
)
def test_ceiling_fires_once_per_crossing_and_rearms_below_70(
    series: list[float], expected_fires: int
) -> None:
    state = healthy_state()
    signals = run(state, *(metric(v, at=day(i)) for i, v in enumerate(series)))
    assert types(signals).count("usage_ceiling") == expected_fires


def test_ceiling_without_a_limit_never_fires() -> None:
    assert run(healthy_state(), metric(10_000, limit=None)) == []


def test_ceiling_points_to_the_adjacent_products_of_that_metric() -> None:
    signals = run(healthy_state(), metric(90, limit=100, name="api_calls"))
    assert [s.adjacent_product for s in signals] == [ANALYTICS]
    # storage_gb points to the automation hub in the sample catalog
    signals = run(healthy_state(), metric(90, limit=100, name="storage_gb"))
    assert [s.adjacent_product for s in signals] == ["automation_hub"]
    # a metric no adjacent product lists fires nothing
    assert run(healthy_state(), metric(99, limit=100, name="active_seats")) == []


def test_late_sample_does_not_touch_the_arm_state() -> None:
    state = healthy_state()
    first = run(state, metric(85, at=day(2)))
    # an older, low sample arrives late: it must not re-arm the ceiling
    late = run(state, metric(10, at=day(1)))
    again = run(state, metric(90, at=day(3)))
    assert types(first) == ["usage_ceiling"]
    assert late == [] and again == []


def test_ceiling_evidence_keeps_the_numbers() -> None:
    (signal,) = run(healthy_state(), metric(84_000, limit=100_000))
    ev = signal.candidate.evidence
    assert (ev["value"], ev["limit"], ev["percent"]) == (84_000, 100_000, 84)
    assert ev["product"] == "workflow_platform" and ev["metric"] == "api_calls"
    assert "84%" in ev["summary"]
    assert signal.candidate.surfaced_by == "system"
    assert signal.candidate.type is SignalType.USAGE_CEILING


@pytest.mark.parametrize(
    ("values", "module", "fires"),
    [
        ([49], "workflow", 0),
        ([50], "workflow", 1),
        ([40, 55, 60, 45, 70], "workflow", 1),  # crossed once, fires once
        ([80], "reporting", 0),  # the milestone is for the workflow module
        ([80], None, 0),
    ],
)
def test_seat_milestone_fires_once(values: list[float], module: str | None, fires: int) -> None:
    state = healthy_state()
    signals = run(
        state,
        *(
            metric(v, limit=None, name="active_seats", module=module, at=day(i))
            for i, v in enumerate(values)
        ),
    )
    milestones = [s for s in signals if s.candidate.type is SignalType.SEAT_MILESTONE]
    assert len(milestones) == fires
    if fires:
        assert milestones[0].adjacent_product == ANALYTICS
        assert milestones[0].candidate.evidence["milestone"] == 50


def test_milestone_without_module_matches_any_module_once() -> None:
    state = healthy_state()
    signals = run(
        state,
        metric(260, limit=None, name="active_seats", module="workflow", at=day(1)),
        metric(300, limit=None, name="active_seats", module="boards", at=day(2)),
    )
    hub = [s for s in signals if s.adjacent_product == "automation_hub"]
    assert types(hub) == ["seat_milestone"]
