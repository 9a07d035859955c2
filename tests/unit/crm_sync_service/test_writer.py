"""The writer over the fake org: what lands in Salesforce, once, whatever happens."""

from __future__ import annotations

from services.crm_sync.domain import TaskPurpose, task_key
from services.crm_sync.ports import OPPORTUNITY
from tests.unit.crm_sync_service.builders import Harness, event, snapshot

MISSING_ANSWERS = "Missing: Discovery answer 1, Discovery answer 2, Discovery answer 3"


async def test_play_opened_creates_one_opportunity_with_hygiene() -> None:
    h = Harness()
    await h.plays(event("PlayOpened", snapshot()))
    assert await h.sync() == 1

    opp = h.opportunity("play-1")
    assert opp["Type"] == "Cross-Sell"
    assert opp["CloseDate"] == "2026-11-16"
    assert opp["Amount"] == 42000.0
    assert opp["Signal_Source__c"] == "Gainsight"
    assert opp["StageName"] == "Prospecting"
    assert opp["Executive_Sponsor_Name__c"] == "Dana Reyes"
    assert opp["Cross_Sell_Hygiene__c"] == MISSING_ANSWERS
    assert "AccountId" not in opp or opp["AccountId"] is None  # acct-42 is not an Account id
    state = h.store.opportunities["play-1"]
    assert state.opportunity_id == opp["Id"]
    assert state.last_written["Cross_Sell_Hygiene__c"] == MISSING_ANSWERS
    assert state.inflight == {}
    [synced] = h.store.messages("OpportunitySynced")
    assert synced.payload["opportunity_id"] == opp["Id"]
    assert synced.payload["hygiene"] == MISSING_ANSWERS

    await h.plays(event("PlayOpened", snapshot()))  # redelivered under another id
    assert h.store.pending() == []  # nothing differs: nothing to write
    assert await h.sync() == 0
    assert len(h.opportunities()) == 1


async def test_later_changes_coalesce_into_one_pending_write() -> None:
    h = Harness()
    play = snapshot()
    await h.plays(
        event("PlayOpened", play),
        event("PlayBriefed", play.model_copy(update={"state": "briefed"})),
    )
    await h.plays(event("MeetingBooked", play.model_copy(update={"state": "meeting_booked"})))
    [pending] = h.store.pending(OPPORTUNITY)
    assert pending.version == 2
    await h.sync()
    opp = h.opportunity("play-1")
    assert opp["Play_State__c"] == "meeting_booked"
    assert opp["StageName"] == "Qualification"
    assert h.gateway.org.usage.by_kind["collections"] == 1


async def test_review_task_gets_the_new_opportunity_as_what_id() -> None:
    h = Harness()
    play = snapshot()
    await h.plays(
        event("PlayOpened", play),
        event("ReviewDue", play, review="review_day7", day=7, due_at="2026-11-09T14:00:00Z"),
    )
    await h.sync()
    opp = h.opportunity("play-1")
    tasks = {t["Cross_Sell_Task_Key__c"]: t for t in h.tasks()}
    review = tasks[task_key("play-1", TaskPurpose.REVIEW_DAY7)]
    assert review["WhatId"] == opp["Id"]
    assert review["ActivityDate"] == "2026-11-09"
    assert review["Status"] == "Not Started"
    window = tasks[task_key("play-1", TaskPurpose.WINDOW_DEADLINE)]
    assert window["ActivityDate"] == "2026-11-16"
    assert h.store.tasks[review["Cross_Sell_Task_Key__c"]].task_id == review["Id"]

    await h.plays(event("ReviewDue", play, review="review_day7", day=7, due_at="2026-11-09"))
    await h.sync()
    assert len(h.tasks()) == 2  # never duplicated

    await h.plays(event("PlayWon", play.model_copy(update={"state": "won"})))
    await h.sync()
    assert {t["Status"] for t in h.tasks()} == {"Completed"}


async def test_transient_outage_keeps_writes_pending_then_lands_once() -> None:
    h = Harness()
    h.gateway.inject_fault("status", count=50, status=503)
    await h.plays(*(event("PlayOpened", snapshot(f"play-{i}")) for i in range(3)))
    assert await h.writer.cycle() == 3
    pending = h.store.pending()
    assert len(pending) == 3
    assert {w.attempts for w in pending} == {1}
    assert {w.last_error_code for w in pending} == {"SERVER_UNAVAILABLE"}
    assert all(w.next_attempt_at > h.store.now for w in pending)
    assert h.store.opportunities["play-0"].inflight == {}

    h.gateway.org.faults.clear()
    await h.sync()
    assert sorted(r["Cross_Sell_Play_Id__c"] for r in h.opportunities()) == [
        "play-0",
        "play-1",
        "play-2",
    ]


async def test_spent_allocation_waits_without_dropping() -> None:
    h = Harness()
    await h.plays(event("PlayOpened", snapshot("play-a")))
    await h.sync()
    used = h.gateway.org.usage.used
    h.gateway.set_allocation(limit=used)
    await h.plays(event("PlayOpened", snapshot("play-b")))
    assert await h.writer.cycle() == 1
    [waiting] = h.store.pending()
    assert waiting.last_error_code == "REQUEST_LIMIT_EXCEEDED"
    assert waiting.attempts == 0
    assert h.writer.state.limited

    h.gateway.set_allocation(limit=used + 100)
    h.store.advance(1.0)
    await h.sync()
    assert len(h.opportunities()) == 2
    assert not h.writer.state.limited


async def test_refused_write_fails_with_its_error_code() -> None:
    h = Harness()
    await h.plays(event("PlayOpened", snapshot()))
    await h.sync()
    await h.store.enqueue([_forced("play-1", {"StageName": "Not A Stage"})])
    await h.sync()
    failed = [w for w in h.store.writes.values() if w.status == "failed"]
    assert [w.last_error_code for w in failed] == ["INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"]
    assert h.store.opportunities["play-1"].inflight == {}


async def test_past_the_share_only_urgent_writes_go() -> None:
    h = Harness()
    await h.plays(event("PlayOpened", snapshot("play-a")))
    await h.sync()
    h.gateway.set_allocation(limit=100, used=85)  # past the 0.8 share
    await h.gateway.query("SELECT Id FROM Opportunity LIMIT 1")  # read the usage header
    assert h.gateway.should_defer()
    h.writer.state.next_probe = float("inf")
    await h.plays(event("PlayOpened", snapshot("play-b")))
    await h.store.enqueue([_forced("play-a", {"StageName": "Qualification"}, urgent=True)])
    assert await h.writer.cycle() == 1  # the urgent one only
    assert h.opportunity("play-a")["StageName"] == "Qualification"
    assert [w.key for w in h.store.pending()] == ["play-b"]


async def test_integration_user_is_learnt_from_the_first_created_record() -> None:
    h = Harness(known_user=False)
    await h.plays(event("PlayOpened", snapshot()))
    await h.sync()
    assert h.identity.user_id == h.gateway.org.users.integration_user_id


async def test_write_coalesced_while_in_flight_stays_pending_for_the_rest() -> None:
    h = Harness()
    await h.plays(event("PlayOpened", snapshot()))
    [claimed] = await h.store.claim(10, include_normal=True, lease_s=60)
    await h.store.enqueue([_forced("play-1", {"StageName": "Qualification"})])
    from services.crm_sync.ports import WriteResult

    await h.store.finish([WriteResult(claimed.id, claimed.version, "done", sent={"x": 1})])
    [still] = h.store.pending()
    assert still.payload == {"StageName": "Qualification"}


def _forced(play_id: str, fields: dict[str, str], urgent: bool = False):  # type: ignore[no-untyped-def]
    from services.crm_sync.ports import WriteRequest

    return WriteRequest(OPPORTUNITY, play_id, play_id, fields, urgent)
