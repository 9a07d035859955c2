"""The playbook's targets, whether an actual meets one, the credit split, and a
definition for every figure the console shows."""

from __future__ import annotations

import pytest

from services.play_orchestrator.domain.scorecard import (
    DEFAULT_TARGETS,
    DEFINITIONS,
    credit_split,
    met,
    targets_with,
)
from services.play_orchestrator.settings import PlayOrchestratorSettings


def test_the_playbook_targets_by_default() -> None:
    values = {name: t.value for name, t in DEFAULT_TARGETS.items()}
    assert values == {
        "coverage_pct": 90,
        "opportunity_creation_rate_pct": 16,
        "win_rate_pct": 25,
        "median_cycle_days": 41,
        "avg_uplift_pct": 50,
        "cohort_nrr_pct": 115,
    }
    assert set(DEFAULT_TARGETS) <= set(DEFINITIONS)
    assert "eligible" in DEFINITIONS["opportunity_creation_rate_pct"]
    assert "signal decision" in DEFINITIONS["eligible_accounts"]


def test_met_reads_the_direction() -> None:
    assert met(25.0, DEFAULT_TARGETS["win_rate_pct"]) is True
    assert met(24.9, DEFAULT_TARGETS["win_rate_pct"]) is False
    assert met(40.9, DEFAULT_TARGETS["median_cycle_days"]) is True
    assert met(41.0, DEFAULT_TARGETS["median_cycle_days"]) is False  # under 41 days
    assert met(None, DEFAULT_TARGETS["coverage_pct"]) is None


def test_targets_and_the_csm_share_are_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYBOOK_TARGETS", '{"win_rate_pct": 30}')
    monkeypatch.setenv("CSM_CREDIT_SHARE", "0.5")
    settings = PlayOrchestratorSettings.load(
        database_url="postgresql://x@localhost/x", kafka_bootstrap_servers="localhost:9092"
    )
    assert targets_with(settings.playbook_targets)["win_rate_pct"].value == 30
    assert settings.csm_credit_share == 0.5
    with pytest.raises(ValueError, match="no target for win_ratio"):
        targets_with({"win_ratio": 1})


def test_won_acv_is_split_between_csm_and_ae() -> None:
    split = credit_split(100_000.0)
    assert (split.csm_share, split.csm, split.ae) == (0.4, 40_000.0, 60_000.0)
    assert credit_split(1000.0, 0.25).ae == 750.0
