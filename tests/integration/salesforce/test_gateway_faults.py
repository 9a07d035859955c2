"""1,000 upserts through the real adapter while the emulator misbehaves.

Faults: whole-call lock errors, per-record lock errors, a 503 answered after the
write was applied, a 3-second 503 outage, sessions expiring mid-run, and the
daily allocation running out (then raised again). The caller loop is what
crm_sync does: keep every record without a successful result pending and
resubmit it. The end state must hold each record exactly once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from emulators.salesforce.server import EmulatorServer
from services.crm_sync.gateway import ApiLimitExceeded, RecordResult, RetrySettings
from services.crm_sync.gateway.simple_salesforce_adapter import SimpleSalesforceGateway
from tests.integration.salesforce.conftest import AdminClient
from tests.integration.salesforce.gateway_harness import real_config

EXT = "Cross_Sell_Play_Id__c"


def _opp(key: str) -> dict[str, Any]:
    return {
        EXT: key,
        "Name": f"Fault {key}",
        "StageName": "Prospecting",
        "CloseDate": "2030-06-30",
        "Type": "Cross-Sell",
    }


async def test_1000_upserts_survive_faults_exactly_once(
    emulator: EmulatorServer, admin: AdminClient, uid: str
) -> None:
    gateway = SimpleSalesforceGateway(
        real_config(emulator, RetrySettings(attempts=12, base_s=0.1, cap_s=0.8))
    )
    await gateway.query("SELECT Id FROM Account LIMIT 1")  # authenticate up front
    records = [_opp(f"{uid}-{i:04d}") for i in range(1000)]

    admin.expire_sessions()
    admin.add_fault("lock", count=2)
    admin.add_fault("status", count=1, status=503, after_commit=True, path_contains="composite")
    admin.add_fault("lock_record", count=7)
    admin.add_fault("status", seconds=3.0, status=503)
    admin.set_usage(limit=admin.usage()["used"] + 5)

    async def expire_mid_run() -> None:
        await asyncio.sleep(1.5)
        await asyncio.to_thread(admin.expire_sessions)

    expirer = asyncio.create_task(expire_mid_run())
    pending, limit_hits, rounds = records, 0, 0
    results: list[RecordResult] = []
    while pending and rounds < 20:
        rounds += 1
        try:
            results = await gateway.upsert("Opportunity", EXT, pending)
        except ApiLimitExceeded as exc:
            limit_hits += 1
            results = exc.completed
            await asyncio.to_thread(admin.set_usage, None, admin.usage()["used"] + 1000)
        assert all(r.ok or r.retryable for r in results), [r for r in results if not r.ok]
        done = {r.key for r in results if r.ok}
        pending = [r for r in pending if r[EXT] not in done]
        print(f"round {rounds}: {len(done)} written, {len(pending)} pending")
    await expirer

    assert pending == [] and limit_hits >= 1
    assert admin.faults() == []  # every injected fault was hit (count ones used up, window over)
    assert admin.usage()["refused"] >= 1
    rows = await gateway.query(f"SELECT Id, {EXT} FROM Opportunity WHERE {EXT} LIKE '{uid}-%'")
    counts = Counter(r[EXT] for r in rows)
    assert len(counts) == 1000 and set(counts.values()) == {1}
    names = await gateway.query(f"SELECT Id FROM Opportunity WHERE Name LIKE 'Fault {uid}-%'")
    assert len(names) == 1000
    await gateway.aclose()
