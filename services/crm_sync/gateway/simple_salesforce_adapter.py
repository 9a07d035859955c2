"""The real gateway: simple-salesforce (unmodified) over requests, in worker threads.

simple-salesforce is synchronous, so every call runs via ``asyncio.to_thread``
and the service's event loop keeps consuming while Salesforce answers. The
client is built in direct mode from a token this module fetches; on
INVALID_SESSION_ID the core refreshes the token, rebuilds the client and
retries. Collections calls go through ``sf.restful`` — ``sf.composite`` would
be an SFType for an sObject named "composite".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError

from services.crm_sync.gateway.auth import fetch_token, http_session
from services.crm_sync.gateway.config import GatewayConfig
from services.crm_sync.gateway.core import GatewayCore, Transient, classify

log = logging.getLogger(__name__)


class SimpleSalesforceGateway(GatewayCore):
    def __init__(self, config: GatewayConfig, session: requests.Session | None = None) -> None:
        super().__init__(config)
        self._session = session or http_session(config.ca_path)
        # Every response (errors included) passes this hook, so usage stays current
        # even when simple-salesforce raises before reading the header itself.
        self._session.hooks["response"].append(self._on_response)
        self._sf: Salesforce | None = None

    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._observe_limit_header(response.headers.get("Sforce-Limit-Info"))

    async def _authenticate(self) -> None:
        token = await asyncio.to_thread(fetch_token, self._session, self.config)
        self._sf = Salesforce(
            instance_url=token.instance_url,
            session_id=token.access_token,
            session=self._session,
            version=self.config.api_version,
        )
        log.info("salesforce session established instance_url=%s", token.instance_url)

    @property
    def client(self) -> Salesforce:
        if self._sf is None:
            raise RuntimeError("not authenticated yet")
        return self._sf

    def _blocking(self, call: Any) -> Any:
        try:
            return call()
        except SalesforceError as exc:
            raise classify(exc.status, exc.content) from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise Transient("CONNECTION_ERROR", type(exc).__name__) from None

    async def _send(
        self, method: str, path: str, params: Mapping[str, str] | None, body: Any
    ) -> Any:
        sf, timeout = self.client, self.config.timeout_s
        if path == "query" and method == "GET" and params is not None:
            soql = params["q"]
            return await asyncio.to_thread(self._blocking, lambda: sf.query(soql, timeout=timeout))
        return await asyncio.to_thread(
            self._blocking,
            lambda: sf.restful(
                path, params=dict(params or {}), method=method, json=body, timeout=timeout
            ),
        )

    async def _send_csv(self, method: str, path: str, body: str | None) -> str:
        sf, timeout = self.client, self.config.timeout_s
        headers = {"Content-Type": "text/csv", "Accept": "text/csv"} if body is not None else {}

        def call() -> str:
            response = sf._call_salesforce(
                method,
                sf.base_url + path,
                data=body.encode() if body is not None else None,
                headers=headers,
                timeout=timeout,
            )
            return response.text

        return str(await asyncio.to_thread(self._blocking, call))

    async def _send_url(self, url_path: str) -> Any:
        sf, timeout = self.client, self.config.timeout_s
        return await asyncio.to_thread(
            self._blocking,
            lambda: sf.query_more(url_path, identifier_is_url=True, timeout=timeout),
        )

    async def aclose(self) -> None:
        await asyncio.to_thread(self._session.close)
