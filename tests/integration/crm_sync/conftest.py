"""One Salesforce emulator (HTTPS, real Outbound Messages) and one running crm_sync
per package, on the real PostgreSQL and broker.

crm_sync is driven only through Kafka (``crosssell.plays``), its HTTP API and
the emulator; the emulator's Outbound Message rule points at crm_sync's
endpoint (with the shared token). The gateway is the real simple-salesforce
adapter, with short retries so the writer's own backoff is what a test sees.
Tests isolate themselves with unique play ids; faults and the allocation are
reset around every test.
"""

from __future__ import annotations

import asyncio
import ssl
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
import requests
from pydantic import SecretStr
from simple_salesforce import Salesforce

from emulators.salesforce.outbound import RetryPolicy
from emulators.salesforce.server import EmulatorServer
from services.crm_sync.app import create_app
from services.crm_sync.bootstrap import gateway_config
from services.crm_sync.gateway import RetrySettings
from services.crm_sync.gateway.simple_salesforce_adapter import SimpleSalesforceGateway
from services.crm_sync.settings import DEFAULT_OUTBOUND_FIELDS, CrmSyncSettings
from shared.auth import create_key
from shared.kafka.topics import CRM, PLAYS
from shared.messages.envelope import Envelope
from shared.messages.plays import PlaySnapshot
from tests.support.http import serve
from tests.support.isolation import Isolation, new_isolation
from tests.support.kafka import produce, read_all, wait_until

BIG_ALLOCATION = 10_000_000
OUTBOUND_TOKEN = "om-token-" + uuid.uuid4().hex[:8]
WEBHOOK_SECRET = "wh-secret-" + uuid.uuid4().hex[:8]


class Admin:
    """The emulator's /admin API."""

    def __init__(self, server: EmulatorServer) -> None:
        context = ssl.create_default_context(cafile=str(server.ca_path))
        self.http = httpx.AsyncClient(
            base_url=server.base_url + "/admin", verify=context, timeout=10
        )

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.http.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()

    async def usage(self) -> dict[str, Any]:
        return dict(await self.call("GET", "/usage"))

    async def set_usage(self, used: int | None = None, limit: int | None = None) -> None:
        body = {k: v for k, v in (("used", used), ("limit", limit)) if v is not None}
        await self.call("POST", "/usage", json=body)

    async def add_fault(self, kind: str, **options: Any) -> None:
        await self.call("POST", "/faults", json={"kind": kind, **options})

    async def clear_faults(self) -> None:
        await self.call("DELETE", "/faults")

    async def records(self, sobject: str, field: str, value: str) -> list[dict[str, Any]]:
        params = {"field": field, "value": value}
        return list((await self.call("GET", f"/records/{sobject}", params=params))["records"])

    async def all_records(self, sobject: str) -> list[dict[str, Any]]:
        params = {"limit": 1_000_000}
        return list((await self.call("GET", f"/records/{sobject}", params=params))["records"])

    async def outbound_log(self) -> list[dict[str, Any]]:
        return list(await self.call("GET", "/outbound/log"))

    async def users(self) -> dict[str, str]:
        return dict(await self.call("GET", "/users"))

    async def bypass_validation_rules(self, *usernames: str) -> None:
        """Let these users' edits past the org's validation rules (none: back to all)."""
        body = {"enforce": True, "bypass_users": list(usernames)}
        await self.call("PUT", "/validation-rules", json=body)


REP_USERNAME = "rep@crosssell.test"


@dataclass
class CrmSync:
    base_url: str
    http: httpx.AsyncClient  # with a read key
    iso: Isolation
    emulator: EmulatorServer
    admin: Admin
    settings: CrmSyncSettings

    @property
    def outbound_url(self) -> str:
        return f"{self.base_url}/v1/salesforce/outbound-message?token={OUTBOUND_TOKEN}"

    async def publish(self, *envelopes: Envelope) -> None:
        await produce(
            self.iso.bootstrap, self.iso.topic(PLAYS), [(e.key, e.encode()) for e in envelopes]
        )

    async def opportunity(self, play_id: str, timeout_s: float = 20) -> dict[str, Any]:
        async def found() -> list[dict[str, Any]]:
            return await self.admin.records("Opportunity", "Cross_Sell_Play_Id__c", play_id)

        [record] = await wait_until(found, timeout_s=timeout_s)
        return record

    async def crm_messages(self, play_id: str, type_: str = "OpportunityChanged") -> list[Any]:
        records = await read_all(self.iso.bootstrap, self.iso.topic(CRM), timeout_s=5)
        out = []
        for record in records:
            envelope = orjson.loads(record.value)
            if envelope["type"] == type_ and envelope["payload"]["play_id"] == play_id:
                out.append(envelope)
        return out

    async def status(self) -> dict[str, Any]:
        response = await self.http.get("/v1/sync/status")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def rep(self) -> Salesforce:
        """simple-salesforce acting as a sales rep (password grant: its own user id)."""
        session = requests.Session()
        session.verify = str(self.emulator.ca_path)
        session.trust_env = False  # else REQUESTS_CA_BUNDLE silently replaces verify
        token = session.post(
            self.emulator.base_url + "/services/oauth2/token",
            data={
                "grant_type": "password",
                "client_id": self.emulator.client_id,
                "client_secret": self.emulator.client_secret,
                "username": REP_USERNAME,
                "password": "rep-password",
            },
            timeout=10,
        ).json()
        return Salesforce(
            instance_url=token["instance_url"],
            session_id=token["access_token"],
            session=session,
            version="59.0",
        )


def play_envelope(
    type_: str, play: PlaySnapshot, version: int, at: datetime | None = None, **event: Any
) -> Envelope:
    return Envelope(
        id=f"{play.play_id}:v{version}:1",
        type=type_,
        account_id=play.account_id,
        occurred_at=at or datetime.now(UTC),
        source="play_orchestrator",
        payload={"event": event, "play": play.model_dump(mode="json")},
    )


@pytest.fixture(scope="package")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    server = EmulatorServer(
        state_dir=tmp_path_factory.mktemp("crm-sync-emulator"),
        daily_limit=BIG_ALLOCATION,
        outbound_retry=RetryPolicy(initial_s=0.1, cap_s=0.5, give_up_s=300.0, timeout_s=10.0),
    )
    with server:
        yield server


@pytest.fixture(scope="package")
async def crm(
    emulator: EmulatorServer,
    pg_url: str,
    kafka_bootstrap: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[CrmSync]:
    iso = new_isolation(pg_url, kafka_bootstrap, tmp_path_factory.mktemp("crm_sync"))
    _, read_key = create_key(iso.api_keys_file, ["read"])
    admin = Admin(emulator)
    users = await admin.users()
    settings = CrmSyncSettings.load(
        database_url=iso.pg_url,
        kafka_bootstrap_servers=iso.bootstrap,
        db_schema=iso.schema("crm_sync"),
        topic_prefix=iso.topic_prefix,
        api_keys_file=iso.api_keys_file,
        log_level="WARNING",
        SF_LOGIN_URL=emulator.base_url,
        SF_CA_PATH=emulator.ca_path,
        SF_CLIENT_ID=emulator.client_id,
        SF_CLIENT_SECRET=SecretStr(emulator.client_secret),
        SF_ORG_ID=emulator.org_id,
        SF_OUTBOUND_TOKEN=SecretStr(OUTBOUND_TOKEN),
        SF_WEBHOOK_SECRET=SecretStr(WEBHOOK_SECRET),
        SF_INTEGRATION_USER_ID=users["integration@crosssell.emulator"],
        sync_interval_s=0.05,
        sync_backoff_base_s=0.2,
        sync_backoff_cap_s=1.0,
        sync_limit_backoff_cap_s=0.5,
        sync_defer_probe_s=1.0,
    )
    gateway = SimpleSalesforceGateway(
        gateway_config(settings).model_copy(
            update={"retry": RetrySettings(attempts=2, base_s=0.05, cap_s=0.1)}
        )
    )
    app = create_app(settings, gateway=gateway)
    async with (
        serve(app) as base_url,
        httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": f"Bearer {read_key}"}, timeout=20
        ) as http,
    ):
        service = CrmSync(base_url, http, iso, emulator, admin, settings)
        await admin.call(
            "PUT",
            "/outbound/rules",
            json=[
                {
                    "object": "Opportunity",
                    "fields": list(DEFAULT_OUTBOUND_FIELDS),
                    "endpoint_url": service.outbound_url,
                }
            ],
        )

        async def ready() -> bool:
            return (await http.get("/readyz")).status_code == 200

        await wait_until(ready, timeout_s=60)
        yield service
        await admin.call("PUT", "/outbound/rules", json=[])
        await asyncio.sleep(0.2)
        await admin.http.aclose()


@pytest.fixture(autouse=True)
async def _reset_faults_and_allocation(crm: CrmSync) -> AsyncIterator[None]:
    await crm.admin.clear_faults()
    await crm.admin.set_usage(limit=BIG_ALLOCATION)
    yield
    await crm.admin.clear_faults()
    await crm.admin.set_usage(limit=BIG_ALLOCATION)


@pytest.fixture
def uid() -> str:
    return uuid.uuid4().hex[:10]
