"""The one place that builds signal_ingest's runtime: engine, clients, consumers, loops."""

from __future__ import annotations

from pathlib import Path

from services.signal_ingest.settings import SignalIngestSettings
from shared.kafka.topics import ACCOUNT, PLAYS, SIGNALS, TICKET, USAGE
from shared.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(settings: SignalIngestSettings) -> ServiceRuntime:
    return ServiceRuntime(
        settings, migrations=MIGRATIONS, topics=[USAGE, TICKET, ACCOUNT, SIGNALS, PLAYS]
    )
