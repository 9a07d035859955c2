"""A backlog of more than SYNC_BULK_THRESHOLD writes goes out as Bulk API 2.0 jobs.

The backlog is made the way one forms in production: Salesforce refuses every
call (the daily allocation is spent) while 2,500 plays open. Once it frees,
the Opportunities land once each, through a Bulk job, in a handful of calls.
"""

from __future__ import annotations

from collections import Counter

from tests.integration.crm_sync.conftest import BIG_ALLOCATION, CrmSync, play_envelope
from tests.support.kafka import wait_until
from tests.unit.crm_sync_service.builders import snapshot

PLAYS = 2_500


async def test_backlog_goes_out_as_a_bulk_job_and_lands_once(crm: CrmSync, uid: str) -> None:
    warm = snapshot(f"warm-bf-{uid}", account_id=f"acct-{uid}")
    await crm.publish(play_envelope("PlayOpened", warm, 1))
    await crm.opportunity(warm.play_id)  # the consumer and the writer are running

    await crm.admin.set_usage(limit=0)
    plays = [snapshot(f"bf-{uid}-{i:04d}", account_id=f"acct-{uid}-{i % 50}") for i in range(PLAYS)]
    await crm.publish(*(play_envelope("PlayOpened", p, 1) for p in plays))

    async def backlog() -> dict | None:
        status = await crm.status()
        waiting = status["pending_by_kind"].get("opportunity", 0)
        return status if waiting >= PLAYS and status["allocation_spent"] else None

    await wait_until(backlog, timeout_s=90)
    before = await crm.admin.usage()
    await crm.admin.set_usage(limit=BIG_ALLOCATION)

    ids = {p.play_id for p in plays}

    async def landed() -> Counter[str] | None:
        records = await crm.admin.all_records("Opportunity")
        counts = Counter(
            r["Cross_Sell_Play_Id__c"] for r in records if r.get("Cross_Sell_Play_Id__c") in ids
        )
        return counts if len(counts) == PLAYS else None

    counts = await wait_until(landed, timeout_s=120)
    assert set(counts.values()) == {1}

    async def drained() -> dict | None:
        status = await crm.status()
        return status if status["pending"] == 0 else None

    status = await wait_until(drained, timeout_s=60)
    assert status["failed"] == 0
    after = await crm.admin.usage()
    jobs = after["by_kind"].get("jobs", 0) - before["by_kind"].get("jobs", 0)
    assert jobs >= 6  # at least one whole ingest job: create, upload, close, poll, results
    # 2,500 records: 13 Collections calls would do; one Bulk job and a few stragglers less.
    assert after["used"] - before["used"] <= 12, after["by_kind"]
