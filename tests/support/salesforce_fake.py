"""In-memory gateway for tests: the core behaviour over an in-process org.

It lives with the tests, not in ``services/``, because it imports the
emulator, which production code never does.

The transport is ``emulators.salesforce.Org.handle`` called directly — the
same validation, upsert semantics, per-record errors, usage counting and
fault injection the HTTPS emulator serves — while chunking, retries and
result mapping are the shared ``GatewayCore``. The gateway contract suite
runs against this and the real adapter alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from emulators.salesforce.org import Org, OrgConfig
from services.crm_sync.gateway.config import GatewayConfig, RetrySettings
from services.crm_sync.gateway.core import GatewayCore, classify
from services.crm_sync.gateway.port import SalesforceAuthError

_FAKE_BASE = "https://fake.salesforce.invalid"


class FakeSalesforceGateway(GatewayCore):
    def __init__(
        self,
        org: Org | None = None,
        config: GatewayConfig | None = None,
        daily_limit: int = 100_000,
    ) -> None:
        self.org = org or Org(OrgConfig(daily_limit=daily_limit), base_url=_FAKE_BASE)
        super().__init__(
            config
            or GatewayConfig(
                login_url=_FAKE_BASE,
                client_id=self.org.config.client_id,
                client_secret=SecretStr(self.org.config.client_secret),
                retry=RetrySettings(base_s=0.0, cap_s=0.0, jitter=False),
            )
        )
        self._token: str | None = None

    async def _authenticate(self) -> None:
        secret = self.config.client_secret
        reply = self.org.token(
            {
                "grant_type": "client_credentials",
                "client_id": self.config.client_id,
                "client_secret": secret.get_secret_value() if secret else "",
            }
        )
        if reply.status != 200:
            raise SalesforceAuthError(f"token request refused: {reply.body.get('error')}")
        self._token = reply.body["access_token"]

    def _answer(self, method: str, path: str, params: Mapping[str, str] | None, body: Any) -> Any:
        # Serialise like requests does, so non-JSON values fail here as they would there.
        raw = json.dumps(body).encode() if body is not None else None
        reply = self.org.handle(method, path, dict(params or {}), raw, {}, self._token)
        self._observe_limit_header(reply.headers.get("Sforce-Limit-Info"))
        if reply.status >= 300:
            raise classify(reply.status, reply.body)
        return reply.body

    async def _send(
        self, method: str, path: str, params: Mapping[str, str] | None, body: Any
    ) -> Any:
        return self._answer(method, f"v{self.config.api_version}/{path}", params, body)

    async def _send_csv(self, method: str, path: str, body: str | None) -> str:
        headers = {"content-type": "text/csv"} if body is not None else {}
        raw = body.encode() if body is not None else None
        reply = self.org.handle(
            method, f"v{self.config.api_version}/{path}", {}, raw, headers, self._token
        )
        self._observe_limit_header(reply.headers.get("Sforce-Limit-Info"))
        if reply.status >= 300:
            raise classify(reply.status, reply.body)
        return str(reply.body or "")

    async def _send_url(self, url_path: str) -> Any:
        return self._answer("GET", url_path.removeprefix("/services/data/"), None, None)

    async def aclose(self) -> None:
        return None

    # -- test helpers ----------------------------------------------------

    def records(self, sobject: str) -> list[dict[str, Any]]:
        """Stored records of ``sobject`` (live ones), as plain dicts."""
        return [dict(r) for r in self.org.store.live[self.org.store.object(sobject).name].values()]

    def inject_fault(self, kind: str, count: int | None = None, **options: Any) -> None:
        """See ``emulators.salesforce.faults``: lock, lock_record, status, latency, session."""
        self.org.faults.add(kind, count=count, **options)

    def set_allocation(self, limit: int, used: int | None = None) -> None:
        self.org.usage.limit = limit
        if used is not None:
            self.org.usage.used = used
