"""play_orchestrator settings (validated at start)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from services.play_orchestrator.domain.scorecard import DEFAULT_CSM_SHARE, targets_with
from shared.settings import ServiceSettings


class PlayOrchestratorSettings(ServiceSettings):
    service_name: str = "play_orchestrator"
    default_template: Literal["joint-14", "signal-41"] = Field(
        default="joint-14", alias="PLAY_TEMPLATE"
    )
    expected_amount_ratio: float = Field(default=0.42, gt=0, le=5, alias="EXPECTED_AMOUNT_RATIO")
    sweep_interval_s: float = Field(default=1.0, gt=0, le=60, alias="SWEEP_INTERVAL_S")
    sweep_batch: int = Field(default=500, ge=1, le=10_000, alias="SWEEP_BATCH")
    # POST /v1/language/check also compares a draft's sentences with the banned
    # rules' examples by meaning (issue 17). The model runs in a worker process,
    # started by the first check (~10 s), so this process keeps its memory.
    language_meaning: bool = Field(default=True, alias="LANGUAGE_MEANING")
    # The ops console (/console) calls the other services from the browser.
    console_signal_ingest_url: str = Field(
        default="http://127.0.0.1:8001", alias="CONSOLE_SIGNAL_INGEST_URL"
    )
    console_crm_sync_url: str = Field(default="http://127.0.0.1:8003", alias="CONSOLE_CRM_SYNC_URL")
    console_poll_s: float = Field(default=5.0, ge=0.5, le=300, alias="CONSOLE_POLL_S")
    # The playbook's targets shown beside each actual (JSON, e.g. {"win_rate_pct": 30}),
    # and the CSM's share of won cross-sell ACV (the AE gets the rest).
    playbook_targets: dict[str, float] = Field(default_factory=dict, alias="PLAYBOOK_TARGETS")
    csm_credit_share: float = Field(default=DEFAULT_CSM_SHARE, ge=0, le=1, alias="CSM_CREDIT_SHARE")

    @field_validator("playbook_targets")
    @classmethod
    def _known_targets(cls, value: dict[str, float]) -> dict[str, float]:
        targets_with(value)  # raises on an unknown name
        return value
