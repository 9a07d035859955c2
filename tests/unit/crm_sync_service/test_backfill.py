"""A backfill (more due writes than SYNC_BULK_THRESHOLD) goes out as Bulk API 2.0 jobs.

Over the fake org: the same Bulk API the HTTPS emulator serves, so the calls
counted here are the calls a real org would count.
"""

from __future__ import annotations

from tests.unit.crm_sync_service.builders import Harness, event, snapshot


async def _open(h: Harness, plays: int) -> None:
    await h.plays(
        *[
            event("PlayOpened", snapshot(f"play-{i:05d}", account_id=f"acct-{i}"))
            for i in range(plays)
        ]
    )


async def test_a_backfill_goes_out_as_bulk_jobs_in_a_few_calls() -> None:
    h = Harness()
    await _open(h, 2_500)
    await h.sync()
    opportunities = h.opportunities()
    assert len(opportunities) == 2_500
    assert len({o["Cross_Sell_Play_Id__c"] for o in opportunities}) == 2_500
    kinds = h.gateway.org.usage.by_kind
    assert kinds["jobs"] == 6  # one ingest job: create, upload, close, poll, two results
    assert kinds.get("collections", 0) == 0
    assert h.gateway.org.usage.used <= 10  # instead of 13 Collections calls
    assert not h.store.pending()
    assert h.writer.state.backfill_cycles == 1


async def test_below_the_threshold_collections_are_used() -> None:
    h = Harness()
    await _open(h, 1_500)
    await h.sync()
    assert len(h.opportunities()) == 1_500
    kinds = h.gateway.org.usage.by_kind
    assert "jobs" not in kinds and kinds["collections"] == 8  # 1,500 / 200 rounded up
    assert h.writer.state.backfill_cycles == 0


async def test_rows_a_bulk_job_fails_by_lock_contention_still_land_once() -> None:
    h = Harness()
    await _open(h, 2_100)
    h.gateway.inject_fault("lock_record", count=7)
    await h.sync()
    opportunities = h.opportunities()
    assert len(opportunities) == 2_100
    assert len({o["Cross_Sell_Play_Id__c"] for o in opportunities}) == 2_100
    assert not h.store.pending()
    assert h.gateway.org.usage.by_kind["collections"] == 1  # the seven locked rows, retried
