"""The one place that builds signal_ingest's runtime: engine, clients, consumers, loops."""

from __future__ import annotations

from pathlib import Path

from services.signal_ingest.catalog_store import CatalogStore
from services.signal_ingest.consumer import SignalWorker
from services.signal_ingest.settings import SignalIngestSettings
from shared.kafka.topics import EVENTS, PLAYS, SIGNALS
from shared.outbox import JournalTable
from shared.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(
    settings: SignalIngestSettings, catalogs: CatalogStore | None = None
) -> ServiceRuntime:
    """``catalogs``: the app's validated catalog (loaded here when not given;
    an invalid catalog raises ``CatalogError`` before anything starts)."""
    catalogs = catalogs or CatalogStore(settings.catalog_path)
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS, topics=[EVENTS, SIGNALS, PLAYS])
    # Accepted events wait in the ingest journal until the broker acknowledged them.
    runtime.add_relay(
        JournalTable(topic=runtime.topic(EVENTS)), settings.journal_retention_days * 86_400
    )
    SignalWorker(runtime, catalogs, settings).wire()
    return runtime
