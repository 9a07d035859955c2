"""The in-memory fake as crm_sync's unit tests will use it."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from services.crm_sync.gateway import (
    ApiLimitExceeded,
    GatewayConfig,
    SalesforceAuthError,
    SalesforceGateway,
)
from tests.support.salesforce_fake import FakeSalesforceGateway

EXT = "Cross_Sell_Play_Id__c"


def _opp(key: str, **extra: object) -> dict[str, object]:
    return {EXT: key, "Name": key, "StageName": "Prospecting", "CloseDate": "2030-01-01", **extra}


async def test_fake_is_a_gateway_and_stores_records() -> None:
    fake = FakeSalesforceGateway()
    assert isinstance(fake, SalesforceGateway)
    results = await fake.upsert("Opportunity", EXT, [_opp("p1"), _opp("p2", Amount="x")])
    assert results[0].ok and results[0].created
    assert results[1].error_code == "JSON_PARSER_ERROR" and not results[1].retryable
    stored = fake.records("Opportunity")
    assert [r[EXT] for r in stored] == ["p1"]
    assert fake.usage() is not None and fake.usage().used == 1  # type: ignore[union-attr]


async def test_fake_allocation_and_faults() -> None:
    fake = FakeSalesforceGateway(daily_limit=1)
    await fake.upsert("Opportunity", EXT, [_opp("a")])
    with pytest.raises(ApiLimitExceeded) as info:
        await fake.upsert("Opportunity", EXT, [_opp("b")])
    assert info.value.completed == [] and info.value.usage is not None
    fake.set_allocation(10)
    fake.inject_fault("lock_record", count=1)
    results = await fake.upsert("Opportunity", EXT, [_opp("b")])
    assert results[0].ok  # retried past the lock


async def test_fake_rejects_bad_credentials() -> None:
    fake = FakeSalesforceGateway()
    fake.config = GatewayConfig(
        login_url="https://x", client_id="wrong", client_secret=SecretStr("nope")
    )
    with pytest.raises(SalesforceAuthError):
        await fake.query("SELECT Id FROM Account")


async def test_fake_refuses_values_json_cannot_carry() -> None:
    import datetime as dt

    fake = FakeSalesforceGateway()
    with pytest.raises(TypeError):
        await fake.create("Task", [{"ActivityDate": dt.date(2030, 1, 1)}])
