"""(d) Salesforce down, then out of API allocation, then back: every write lands once."""

from __future__ import annotations

import asyncio
from collections import Counter

from tests.integration.crm_sync.conftest import BIG_ALLOCATION, CrmSync, play_envelope
from tests.support.kafka import wait_until
from tests.unit.crm_sync_service.builders import snapshot

PLAYS = 40


async def test_outage_then_spent_allocation_then_every_write_lands_once(
    crm: CrmSync, uid: str
) -> None:
    plays = [snapshot(f"out-{uid}-{i:02d}", account_id=f"acct-{uid}-{i % 7}") for i in range(PLAYS)]
    ids = {p.play_id for p in plays}

    async def landed() -> Counter[str]:
        records = await crm.admin.all_records("Opportunity")
        return Counter(
            r["Cross_Sell_Play_Id__c"] for r in records if r.get("Cross_Sell_Play_Id__c") in ids
        )

    warm = snapshot(f"warm-{uid}", account_id=f"acct-{uid}")
    await crm.publish(play_envelope("PlayOpened", warm, 1))
    await crm.opportunity(warm.play_id)  # the consumer is running

    # 503 for a few seconds: the writer keeps everything pending and backs off.
    await crm.admin.add_fault("status", seconds=3.0, status=503)
    await crm.publish(*(play_envelope("PlayOpened", p, 1) for p in plays[:20]))

    async def retrying() -> dict | None:
        status = await crm.status()
        return status if status["retrying"] > 0 else None

    during_outage = await wait_until(retrying, timeout_s=15)
    assert during_outage["pending"] >= 1
    assert sum((await landed()).values()) < 20

    # Then the daily allocation is spent before the outage ends.
    await crm.admin.set_usage(limit=0)
    await asyncio.sleep(3.0)  # the 503 window is over; now every call is refused
    await crm.publish(*(play_envelope("PlayOpened", p, 1) for p in plays[20:]))

    async def limited() -> dict | None:
        status = await crm.status()
        return status if status["allocation_spent"] and status["pending"] >= 20 else None

    spent = await wait_until(limited, timeout_s=15)
    assert spent["deferred"] >= 1
    assert sum((await landed()).values()) < PLAYS
    assert (await crm.admin.usage())["refused"] >= 1

    # Restored: everything lands, each exactly once.
    await crm.admin.set_usage(limit=BIG_ALLOCATION)

    async def all_landed() -> Counter[str] | None:
        counts = await landed()
        return counts if len(counts) == PLAYS else None

    counts = await wait_until(all_landed, timeout_s=30)
    assert set(counts.values()) == {1}

    async def drained() -> dict | None:
        status = await crm.status()
        return status if status["pending"] == 0 else None

    status = await wait_until(drained, timeout_s=15)
    assert status["failed"] == 0
    assert status["last_success_at"] is not None
    assert status["api_usage"]["limit"] == BIG_ALLOCATION
    assert sum((await landed()).values()) == PLAYS
