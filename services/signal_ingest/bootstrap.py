"""The one place that builds signal_ingest's runtime: engine, clients, consumers, loops."""

from __future__ import annotations

from pathlib import Path

from services.signal_ingest.catalog_store import CatalogStore
from services.signal_ingest.consumer import SignalWorker
from services.signal_ingest.settings import SignalIngestSettings
from shared.kafka.topics import ACCOUNT, PLAYS, SIGNALS, TICKET, USAGE
from shared.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(
    settings: SignalIngestSettings, catalogs: CatalogStore | None = None
) -> ServiceRuntime:
    """``catalogs``: the app's validated catalog (loaded here when not given;
    an invalid catalog raises ``CatalogError`` before anything starts)."""
    catalogs = catalogs or CatalogStore(settings.catalog_path)
    runtime = ServiceRuntime(
        settings, migrations=MIGRATIONS, topics=[USAGE, TICKET, ACCOUNT, SIGNALS, PLAYS]
    )
    SignalWorker(runtime, catalogs, settings).wire()
    return runtime
