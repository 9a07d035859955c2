"""The three services: where their app factories live and their local ports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    factory: str  # uvicorn factory import path
    port: int
    migrations: Path


ROOT = Path(__file__).resolve().parent.parent

SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        ServiceSpec(
            "signal_ingest",
            "services.signal_ingest.app:create_app",
            8001,
            ROOT / "services" / "signal_ingest" / "migrations",
        ),
        ServiceSpec(
            "play_orchestrator",
            "services.play_orchestrator.app:create_app",
            8002,
            ROOT / "services" / "play_orchestrator" / "migrations",
        ),
        ServiceSpec(
            "crm_sync",
            "services.crm_sync.app:create_app",
            8003,
            ROOT / "services" / "crm_sync" / "migrations",
        ),
    )
}
