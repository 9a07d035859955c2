"""The one place that builds crm_sync's runtime: engine, clients, consumers, loops."""

from __future__ import annotations

from pathlib import Path

from services.crm_sync.settings import CrmSyncSettings
from shared.kafka.topics import CRM, PLAYS
from shared.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(settings: CrmSyncSettings) -> ServiceRuntime:
    return ServiceRuntime(settings, migrations=MIGRATIONS, topics=[PLAYS, CRM])
