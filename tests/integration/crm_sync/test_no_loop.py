"""(e) No write loop: after a burst of 200 plays, Outbound Messages and API calls settle."""

from __future__ import annotations

import asyncio

from tests.integration.crm_sync.conftest import CrmSync, play_envelope
from tests.support.kafka import wait_until
from tests.unit.crm_sync_service.builders import snapshot

BURST = 200
QUIET_S = 3.0


async def test_burst_of_plays_settles(crm: CrmSync, uid: str) -> None:
    plays = [
        snapshot(f"burst-{uid}-{i:03d}", account_id=f"acct-{uid}-{i % 13}") for i in range(BURST)
    ]
    ids = {p.play_id for p in plays}
    used_before = (await crm.admin.usage())["used"]
    await crm.publish(*(play_envelope("PlayOpened", p, 1) for p in plays))

    async def created() -> dict[str, str] | None:
        records = await crm.admin.all_records("Opportunity")
        mine = {
            r["Id"]: r["Cross_Sell_Play_Id__c"]
            for r in records
            if r.get("Cross_Sell_Play_Id__c") in ids
        }
        return mine if len(mine) == BURST else None

    record_ids = set(await wait_until(created, timeout_s=45))

    async def snapshot_counts() -> tuple[int, int]:
        log = await crm.admin.outbound_log()
        delivered = sum(
            1
            for entry in log
            if entry.get("acked")
            for rid in entry.get("record_ids", [])
            if rid in record_ids
        )
        return delivered, (await crm.admin.usage())["used"]

    # Wait for the echoes of the creation to be delivered, then watch for QUIET_S.
    async def echoed() -> tuple[int, int] | None:
        counts = await snapshot_counts()
        return counts if counts[0] >= BURST else None

    settled = await wait_until(echoed, timeout_s=20)
    await asyncio.sleep(QUIET_S)
    after = await snapshot_counts()
    assert after == settled, f"still moving: {settled} -> {after}"
    delivered, used = after
    assert delivered == BURST  # one notification per record: our writes caused no second write
    assert used - used_before <= 10  # 200 upserts in a few Collections calls
