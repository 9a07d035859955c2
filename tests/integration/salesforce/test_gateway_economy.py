"""How many API calls the gateway spends on 10,000 upserts (figure printed, -s to see).

Measured from the emulator's own counter (``GET /admin/usage``), which counts
exactly what Sforce-Limit-Info reports; token requests are not API calls.
"""

from __future__ import annotations

from emulators.salesforce.server import EmulatorServer
from services.crm_sync.gateway.simple_salesforce_adapter import SimpleSalesforceGateway
from tests.integration.salesforce.conftest import AdminClient
from tests.integration.salesforce.gateway_harness import real_config

EXT = "Cross_Sell_Play_Id__c"
RECORDS = 10_000


async def test_api_calls_for_10000_upserts(
    emulator: EmulatorServer, admin: AdminClient, uid: str
) -> None:
    gateway = SimpleSalesforceGateway(real_config(emulator))
    records = [
        {
            EXT: f"{uid}-{i:05d}",
            "Name": f"Economy {i}",
            "StageName": "Prospecting",
            "CloseDate": "2030-06-30",
            "Type": "Cross-Sell",
            "Signal_Source__c": "Gainsight",
            "Amount": 42000.0,
        }
        for i in range(RECORDS)
    ]
    before = admin.usage()
    results = await gateway.upsert("Opportunity", EXT, records)
    after = admin.usage()
    calls = after["used"] - before["used"]
    print(
        f"\nAPI calls for {RECORDS} upserts: {calls} "
        f"({calls / RECORDS:.4f} per record; collections calls: "
        f"{after['by_kind'].get('collections', 0) - before['by_kind'].get('collections', 0)})"
    )

    assert all(r.ok and r.created for r in results)
    assert calls <= 60
    rows = await gateway.query(f"SELECT {EXT} FROM Opportunity WHERE {EXT} LIKE '{uid}-%'")
    assert len({r[EXT] for r in rows}) == RECORDS
    await gateway.aclose()
