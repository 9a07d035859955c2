"""The one place that builds play_orchestrator's runtime: engine, clients, consumers, loops."""

from __future__ import annotations

from pathlib import Path

from services.play_orchestrator.settings import PlayOrchestratorSettings
from shared.kafka.topics import ACCOUNT, CRM, PLAYS, SIGNALS
from shared.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(settings: PlayOrchestratorSettings) -> ServiceRuntime:
    return ServiceRuntime(settings, migrations=MIGRATIONS, topics=[SIGNALS, ACCOUNT, PLAYS, CRM])
