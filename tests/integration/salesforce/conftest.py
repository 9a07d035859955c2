"""Fixtures: one HTTPS emulator per session, driven by the unmodified simple-salesforce.

Tests isolate themselves with unique external ids / names (no wiping between
tests); faults and the API allocation are reset after every test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce

from emulators.salesforce.outbound import RetryPolicy
from emulators.salesforce.server import EmulatorServer

BIG_ALLOCATION = 10_000_000


class AdminClient:
    """The emulator's /admin API (no auth)."""

    def __init__(self, server: EmulatorServer, http: requests.Session) -> None:
        self.base = server.base_url + "/admin"
        self.http = http

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, self.base + path, timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def usage(self) -> dict[str, Any]:
        return dict(self._call("GET", "/usage"))

    def set_usage(self, used: int | None = None, limit: int | None = None) -> dict[str, Any]:
        body = {k: v for k, v in (("used", used), ("limit", limit)) if v is not None}
        return dict(self._call("POST", "/usage", json=body))

    def add_fault(self, kind: str, **options: Any) -> dict[str, Any]:
        return dict(self._call("POST", "/faults", json={"kind": kind, **options}))

    def faults(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/faults"))

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def expire_sessions(self) -> int:
        return int(self._call("POST", "/sessions/expire")["expired"])

    def records(self, sobject: str, **filters: str) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/records/{sobject}", params=filters)["records"])

    def set_outbound_rules(self, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return list(self._call("PUT", "/outbound/rules", json=rules))

    def outbound_log(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/outbound/log"))

    def outbound_pending(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/outbound/pending"))

    def clear_outbound(self) -> None:
        self._call("DELETE", "/outbound")


def https_session(server: EmulatorServer) -> requests.Session:
    session = requests.Session()
    session.verify = str(server.ca_path)
    # REQUESTS_CA_BUNDLE in the environment would otherwise override Session.verify.
    session.trust_env = False
    return session


def fetch_token(server: EmulatorServer, http: requests.Session, **form: str) -> dict[str, Any]:
    data = {
        "grant_type": "client_credentials",
        "client_id": server.client_id,
        "client_secret": server.client_secret,
        **form,
    }
    response = http.post(server.base_url + "/services/oauth2/token", data=data, timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def client_for(token: dict[str, Any], http: requests.Session) -> Salesforce:
    return Salesforce(
        instance_url=token["instance_url"],
        session_id=token["access_token"],
        session=http,
        version="59.0",
    )


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    server = EmulatorServer(
        state_dir=tmp_path_factory.mktemp("sf-emulator"),
        daily_limit=BIG_ALLOCATION,
        outbound_retry=RetryPolicy(initial_s=0.1, cap_s=0.4, give_up_s=60.0, timeout_s=5.0),
    )
    with server:
        yield server


@pytest.fixture(scope="session")
def http(emulator: EmulatorServer) -> requests.Session:
    return https_session(emulator)


@pytest.fixture(scope="session")
def admin(emulator: EmulatorServer, http: requests.Session) -> AdminClient:
    return AdminClient(emulator, http)


@pytest.fixture(autouse=True)
def _reset_faults_and_allocation(admin: AdminClient) -> Iterator[None]:
    admin.clear_faults()
    admin.set_usage(limit=BIG_ALLOCATION)
    yield
    admin.clear_faults()
    admin.set_usage(limit=BIG_ALLOCATION)


@pytest.fixture
def sf(emulator: EmulatorServer, http: requests.Session) -> Salesforce:
    """A simple-salesforce client (direct mode) acting as the integration user."""
    return client_for(fetch_token(emulator, http), http)


@pytest.fixture
def uid() -> str:
    return uuid.uuid4().hex[:10]


def opportunity(name: str, **extra: Any) -> dict[str, Any]:
    return {"Name": name, "StageName": "Prospecting", "CloseDate": "2030-01-31", **extra}
