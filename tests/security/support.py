"""The running services of the security suites, their secrets and keys, and the tally.

One signal_ingest, one play_orchestrator and one crm_sync (with the in-process
Salesforce gateway: nothing here needs the HTTPS emulator) run for the whole
package on the real PostgreSQL and broker, each in its own schema, with known
secrets and one API key per scope. ``TALLY`` counts the cases every suite tried
and the failures it found; ``conftest.py`` prints it at the end of the run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import text

from services.crm_sync.app import create_app as crm_sync_app
from services.crm_sync.settings import CrmSyncSettings
from services.play_orchestrator.app import create_app as play_orchestrator_app
from services.play_orchestrator.settings import PlayOrchestratorSettings
from services.signal_ingest.app import create_app as signal_ingest_app
from services.signal_ingest.settings import SignalIngestSettings
from shared.auth import create_key
from shared.db.engine import create_engine
from shared.signature import sign
from tests.support.http import serve
from tests.support.isolation import Isolation
from tests.support.kafka import wait_until
from tests.support.salesforce_fake import FakeSalesforceGateway

T = TypeVar("T")

INGEST_SECRET = "sec-ingest-hmac-" + os.urandom(8).hex()
GAINSIGHT_SECRET = "sec-gainsight-" + os.urandom(8).hex()
CHURNZERO_TOKEN = "sec-churnzero-" + os.urandom(8).hex()
WEBHOOK_SECRET = "sec-webhook-" + os.urandom(8).hex()
OUTBOUND_TOKEN = "sec-outbound-" + os.urandom(8).hex()
ORG_ID = "00D000000000042AAA"
SAMPLE_CATALOG = Path(__file__).resolve().parents[2] / "services/signal_ingest/catalog/sample.yaml"
MAX_BODY = 1024 * 1024


LONG_RUN = "SECURITY_MAX_EXAMPLES" in os.environ


def max_examples(default: int) -> int:
    """Examples per property; ``SECURITY_MAX_EXAMPLES`` raises it for a long run
    (random seeds then; the default, CI run is derandomized, so it is repeatable)."""
    return int(os.environ.get("SECURITY_MAX_EXAMPLES", default))


# ---- the tally ---------------------------------------------------------------------


@dataclass
class Tally:
    tried: int = 0
    failed: int = 0
    notes: list[str] = field(default_factory=list)


TALLY: dict[str, Tally] = defaultdict(Tally)


def count(suite: str, ok: bool = True, note: str | None = None) -> None:
    entry = TALLY[suite]
    entry.tried += 1
    if not ok:
        entry.failed += 1
        if note and len(entry.notes) < 20:
            entry.notes.append(note)


# ---- keys ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Keys:
    file: Path
    admin: str
    read: str
    write: str
    read_write: str
    revoked: str
    revoked_id: str

    @staticmethod
    def bearer(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}


def make_keys(file: Path) -> Keys:
    _, admin = create_key(file, ["admin"], label="security admin")
    _, read = create_key(file, ["read"], label="security read")
    _, write = create_key(file, ["write"], label="security write")
    _, read_write = create_key(file, ["read", "write"], label="security read+write")
    revoked_id, revoked = create_key(file, ["admin"], label="security to revoke")
    return Keys(file, admin, read, write, read_write, revoked, revoked_id)


# ---- the services --------------------------------------------------------------------


@dataclass
class Service:
    name: str
    base_url: str
    app: FastAPI
    iso: Isolation
    schema: str
    settings: Any

    def url(self, path: str) -> str:
        return self.base_url + path

    async def scalar(self, sql: str, **params: Any) -> Any:
        engine = create_engine(self.iso.async_url, self.schema, pool_size=1)
        try:
            async with engine.connect() as conn:
                return (await conn.execute(text(sql), params)).scalar()
        finally:
            await engine.dispose()

    async def tables(self) -> set[str]:
        engine = create_engine(self.iso.async_url, self.schema, pool_size=1)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = :s"),
                    {"s": self.schema},
                )
                return {r[0] for r in rows}
        finally:
            await engine.dispose()


def signal_ingest_settings(iso: Isolation, tmp: Path) -> SignalIngestSettings:
    catalog = tmp / "catalog.yaml"
    shutil.copy(SAMPLE_CATALOG, catalog)
    return SignalIngestSettings(
        database_url=iso.pg_url,
        kafka_bootstrap_servers=iso.bootstrap,
        db_schema=iso.schema("signal_ingest"),
        topic_prefix=iso.topic_prefix,
        api_keys_file=iso.api_keys_file,
        ingest_hmac_secret=SecretStr(INGEST_SECRET),
        churnzero_token=SecretStr(CHURNZERO_TOKEN),
        gainsight_shared_secret=SecretStr(GAINSIGHT_SECRET),
        catalog_path=catalog,
        sweep_interval_s=0,
        log_level="WARNING",
    )


def play_orchestrator_settings(iso: Isolation) -> PlayOrchestratorSettings:
    return PlayOrchestratorSettings.load(
        database_url=iso.pg_url,
        kafka_bootstrap_servers=iso.bootstrap,
        db_schema=iso.schema("play_orchestrator"),
        topic_prefix=iso.topic_prefix,
        api_keys_file=iso.api_keys_file,
        log_level="WARNING",
    )


def crm_sync_settings(iso: Isolation) -> CrmSyncSettings:
    return CrmSyncSettings.load(
        database_url=iso.pg_url,
        kafka_bootstrap_servers=iso.bootstrap,
        db_schema=iso.schema("crm_sync"),
        topic_prefix=iso.topic_prefix,
        api_keys_file=iso.api_keys_file,
        log_level="WARNING",
        SF_ORG_ID=ORG_ID,
        SF_OUTBOUND_TOKEN=SecretStr(OUTBOUND_TOKEN),
        SF_WEBHOOK_SECRET=SecretStr(WEBHOOK_SECRET),
        sync_interval_s=0.2,
    )


@asynccontextmanager
async def running(name: str, iso: Isolation, tmp: Path) -> AsyncIterator[Service]:
    settings: Any
    if name == "signal_ingest":
        settings = signal_ingest_settings(iso, tmp)
        app = signal_ingest_app(settings)
    elif name == "play_orchestrator":
        settings = play_orchestrator_settings(iso)
        app = play_orchestrator_app(settings)
    else:
        settings = crm_sync_settings(iso)
        app = crm_sync_app(settings, gateway=FakeSalesforceGateway())
    async with serve(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as http:

        async def ready() -> bool:
            return (await http.get("/readyz")).status_code == 200

        await wait_until(ready, timeout_s=60)
        yield Service(name, base, app, iso, settings.db_schema_name, settings)


# ---- signing and bodies ----------------------------------------------------------------


def signed(body: bytes, secret: str = INGEST_SECRET, at: int | None = None) -> str:
    return sign(secret.encode(), body, int(time.time()) if at is None else at)


def event_headers(body: bytes, source: str = "product", **kw: Any) -> dict[str, str]:
    return {
        "X-Crosssell-Source": source,
        "X-Crosssell-Signature": signed(body, **kw),
        "Content-Type": "application/json",
    }


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def canonical(event_id: str, account: str, type_: str, data: dict[str, Any], source: str) -> dict:  # type: ignore[type-arg]
    return {
        "id": event_id,
        "type": type_,
        "source": source,
        "account_id": account,
        "occurred_at": ago(hours=2),
        "data": data,
    }


def seed_events(account: str) -> list[tuple[str, dict[str, Any]]]:
    """A healthy account whose usage crosses its ceiling: (source, event)."""
    renewal = (datetime.now(UTC) + timedelta(days=300)).date().isoformat()
    profile = {
        "name": f"Customer {account}",
        "csm_owner": "Casey",
        "ae_owner": "Alex",
        "health": "green",
        "products": [
            {
                "product": "workflow_platform",
                "tier": "business",
                "acv": 120_000,
                "renewal_date": renewal,
                "adoption_pct": 85,
            }
        ],
    }
    usage = {"product": "workflow_platform", "metric": "api_calls", "value": 92, "limit": 100}
    return [
        (
            "salesforce",
            canonical(f"seed-p-{account}", account, "account.profile", profile, "salesforce"),
        ),
        ("product", canonical(f"seed-u-{account}", account, "usage.metric", usage, "product")),
    ]


async def post_events(http: httpx.AsyncClient, source: str, events: list[dict[str, Any]]) -> Any:
    body = orjson.dumps({"events": events})
    response = await http.post("/v1/events", content=body, headers=event_headers(body, source))
    assert response.status_code == 202, response.text
    return response.json()


async def in_thread(fn: Callable[[], T]) -> T:
    """Run blocking client code (schemathesis, hypothesis with a sync client) off the
    loop, which keeps serving the apps under test."""
    return await asyncio.to_thread(fn)
