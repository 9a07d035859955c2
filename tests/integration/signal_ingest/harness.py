"""A running signal_ingest (uvicorn in the test loop) for a whole test module,
with signed posting and reads of ``crosssell.signals`` from the real broker."""

from __future__ import annotations

import itertools
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from services.signal_ingest.app import create_app
from services.signal_ingest.settings import SignalIngestSettings
from shared.messages.envelope import Envelope
from shared.signature import sign
from tests.support.http import serve
from tests.support.isolation import Isolation
from tests.support.kafka import produce, read_all, wait_until

SECRET = "signal-ingest-pipeline-secret"
SAMPLE_CATALOG = Path("services/signal_ingest/catalog/sample.yaml")
_ids = itertools.count(1)


def settings_for(isolated: Isolation, catalog_path: Path, **extra: Any) -> SignalIngestSettings:
    extra = {"sweep_interval_s": 0, **extra}
    return SignalIngestSettings(
        database_url=isolated.pg_url,
        kafka_bootstrap_servers=isolated.bootstrap,
        db_schema=isolated.schema("signal_ingest"),
        topic_prefix=isolated.topic_prefix,
        api_keys_file=isolated.api_keys_file,
        test_clock=True,
        ingest_hmac_secret=SECRET,
        catalog_path=catalog_path,
        **extra,
    )


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def canonical(account: str, type_: str, data: dict[str, Any], source: str, at: str) -> dict:  # type: ignore[type-arg]
    return {
        "id": f"it-{next(_ids)}-{time.monotonic_ns()}",
        "type": type_,
        "source": source,
        "account_id": account,
        "occurred_at": at,
        "data": data,
    }


@dataclass
class Pipeline:
    isolated: Isolation
    http: httpx.AsyncClient
    catalog_path: Path
    keys: dict[str, str]  # scope -> key, created before the app reads the keys file

    def bearer(self, scope: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[scope]}"}

    @property
    def auth(self) -> dict[str, str]:
        return self.bearer("read")

    async def post(self, source: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        body = orjson.dumps({"events": events})
        headers = {
            "X-Crosssell-Source": source,
            "X-Crosssell-Signature": sign(SECRET.encode(), body, int(time.time())),
            "Content-Type": "application/json",
        }
        response = await self.http.post("/v1/events", content=body, headers=headers)
        assert response.status_code == 202, response.text
        result: dict[str, Any] = response.json()
        assert result["accepted"] == len(events), result
        return result

    async def signals(self, **params: Any) -> list[dict[str, Any]]:
        response = await self.http.get("/v1/signals", params=params, headers=self.auth)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def wait_signals(self, account: str, count: int, **filters: Any) -> list[dict[str, Any]]:
        async def enough() -> list[dict[str, Any]] | None:
            items = await self.signals(account_id=account, **filters)
            return items if len(items) >= count else None

        found: list[dict[str, Any]] = await wait_until(enough, timeout_s=20, interval_s=0.2)
        return found

    async def account(self, account: str) -> httpx.Response:
        return await self.http.get(f"/v1/accounts/{account}", headers=self.auth)

    async def wait_account(self, account: str, check: Any) -> dict[str, Any]:
        async def ready() -> dict[str, Any] | None:
            response = await self.account(account)
            if response.status_code != 200:
                return None
            view: dict[str, Any] = response.json()
            return view if check(view) else None

        found: dict[str, Any] = await wait_until(ready, timeout_s=20, interval_s=0.2)
        return found

    async def messages(self, account: str, count: int) -> list[tuple[str, dict[str, Any]]]:
        """``crosssell.signals`` envelopes about ``account`` as (type, envelope)."""
        topic = self.isolated.topic("crosssell.signals")

        async def enough() -> list[tuple[str, dict[str, Any]]] | None:
            records = await read_all(self.isolated.bootstrap, topic, timeout_s=5)
            found = []
            for r in records:
                envelope = orjson.loads(r.value)
                if envelope["account_id"] == account:
                    assert r.key == account.encode()
                    found.append((envelope["type"], envelope))
            return found if len(found) >= count else None

        messages: list[tuple[str, dict[str, Any]]] = await wait_until(enough, timeout_s=20)
        return messages

    async def publish_play(self, account: str, adjacent: str, state: str, event: str) -> None:
        now = datetime.now(UTC)
        play = {
            "play_id": f"play-{account}",
            "account_id": account,
            "adjacent_product": adjacent,
            "template": "joint-14",
            "state": state,
            "opened_at": now.isoformat(),
            "signal_occurred_at": now.isoformat(),
            "deadline": (now + timedelta(days=14)).isoformat(),
        }
        envelope = Envelope(
            id=f"play-{account}:{event}",
            type=event,
            account_id=account,
            occurred_at=now,
            source="play_orchestrator",
            payload={"event": {"play_id": play["play_id"]}, "play": play},
        )
        topic = self.isolated.topic("crosssell.plays")
        await produce(self.isolated.bootstrap, topic, [(envelope.key, envelope.encode())])


@asynccontextmanager
async def running(isolated: Isolation, tmp: Path, **settings: Any) -> AsyncIterator[Pipeline]:
    catalog_path = tmp / "catalog.yaml"
    shutil.copy(SAMPLE_CATALOG, catalog_path)
    keys = {scope: isolated.api_key(scope) for scope in ("read", "write", "admin")}
    app = create_app(settings_for(isolated, catalog_path, **settings))
    async with serve(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as http:

        async def ready() -> bool:
            return (await http.get("/readyz")).status_code == 200

        await wait_until(ready, timeout_s=30)
        yield Pipeline(isolated, http, catalog_path, keys)
