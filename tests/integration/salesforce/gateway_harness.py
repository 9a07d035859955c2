"""Builds the gateway under test (fake or real adapter) with a matching control handle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from emulators.salesforce.server import EmulatorServer
from services.crm_sync.gateway import GatewayConfig, RetrySettings
from services.crm_sync.gateway.core import GatewayCore
from services.crm_sync.gateway.simple_salesforce_adapter import SimpleSalesforceGateway
from tests.integration.salesforce.conftest import AdminClient
from tests.support.salesforce_fake import FakeSalesforceGateway


class Control:
    """What a test may do to 'Salesforce' behind the gateway."""

    def used(self) -> int:
        raise NotImplementedError

    def set_allocation(self, limit: int) -> None:
        raise NotImplementedError

    def expire_sessions(self) -> None:
        raise NotImplementedError

    def add_fault(self, kind: str, **options: Any) -> None:
        raise NotImplementedError


class AdminControl(Control):
    def __init__(self, admin: AdminClient) -> None:
        self.admin = admin

    def used(self) -> int:
        return int(self.admin.usage()["used"])

    def set_allocation(self, limit: int) -> None:
        self.admin.set_usage(limit=limit)

    def expire_sessions(self) -> None:
        self.admin.expire_sessions()

    def add_fault(self, kind: str, **options: Any) -> None:
        self.admin.add_fault(kind, **options)


class FakeControl(Control):
    def __init__(self, fake: FakeSalesforceGateway) -> None:
        self.org = fake.org

    def used(self) -> int:
        return self.org.usage.used

    def set_allocation(self, limit: int) -> None:
        self.org.usage.limit = limit

    def expire_sessions(self) -> None:
        self.org.sessions.expire_all()

    def add_fault(self, kind: str, **options: Any) -> None:
        self.org.faults.add(kind, **options)


@dataclass
class Harness:
    name: str
    gateway: GatewayCore
    control: Control


def real_config(emulator: EmulatorServer, retry: RetrySettings | None = None) -> GatewayConfig:
    return GatewayConfig(
        login_url=emulator.base_url,
        client_id=emulator.client_id,
        client_secret=SecretStr(emulator.client_secret),
        ca_path=emulator.ca_path,
        retry=retry or RetrySettings(attempts=4, base_s=0.02, cap_s=0.1),
    )


def build(kind: str, emulator: EmulatorServer, admin: AdminClient) -> Harness:
    if kind == "fake":
        fake = FakeSalesforceGateway()
        return Harness(kind, fake, FakeControl(fake))
    return Harness(kind, SimpleSalesforceGateway(real_config(emulator)), AdminControl(admin))
