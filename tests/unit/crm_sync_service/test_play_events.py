"""Play events -> desired Opportunity fields and review/deadline Tasks (no Salesforce)."""

from __future__ import annotations

from datetime import timedelta

from services.crm_sync.domain import TaskPurpose, task_key
from services.crm_sync.ports import OPPORTUNITY, TASK
from tests.unit.crm_sync_service.builders import OPENED, Harness, event, snapshot


def key(purpose: TaskPurpose) -> str:
    return task_key("play-1", purpose)


async def test_opened_play_wants_its_opportunity() -> None:
    h = Harness()
    assert await h.plays(event("PlayOpened", snapshot())) == 1
    desired = h.store.opportunities["play-1"].desired
    assert desired["Type"] == "Cross-Sell"
    assert desired["CloseDate"] == "2026-11-16"
    assert desired["Play_Deadline__c"] == "2026-11-16T14:00:00Z"
    assert desired["Amount"] == 42000.0
    assert desired["Signal_Source__c"] == "Gainsight"
    assert desired["Signal_Type__c"] == "seat_ceiling"
    assert "We are out of seats again" in desired["Signal_Evidence__c"]
    assert desired["Name"] == "Acme Logistics — Analytics cross-sell"
    assert "AccountId" not in desired and "OwnerId" not in desired
    assert [w.kind for w in h.store.pending()] == [OPPORTUNITY]


async def test_real_salesforce_references_are_written() -> None:
    h = Harness()
    play = snapshot(account_id="001000000000042AAA", owner="005000000000042AAA")
    await h.plays(event("PlayOpened", play))
    desired = h.store.opportunities["play-1"].desired
    assert desired["AccountId"] == "001000000000042AAA"
    assert desired["OwnerId"] == "005000000000042AAA"


async def test_an_older_snapshot_does_not_undo_a_newer_one() -> None:
    h = Harness()
    later = OPENED + timedelta(hours=1)
    await h.plays(event("MeetingBooked", snapshot(state="meeting_booked"), at=later))
    await h.plays(event("PlayOpened", snapshot(), at=OPENED))
    assert h.store.opportunities["play-1"].desired["Play_State__c"] == "meeting_booked"


async def test_review_tasks_are_created_once_and_closed_when_passed() -> None:
    h = Harness()
    play = snapshot()
    day7 = event("ReviewDue", play, review="review_day7", day=7, due_at="2026-11-09T14:00:00Z")
    await h.plays(event("PlayOpened", play), day7)
    await h.plays(day7)
    tasks = h.store.tasks
    assert set(tasks) == {key(TaskPurpose.REVIEW_DAY7), key(TaskPurpose.WINDOW_DEADLINE)}
    assert len(h.store.pending(TASK)) == 2
    assert tasks[key(TaskPurpose.REVIEW_DAY7)].fields["ActivityDate"] == "2026-11-09"

    await h.plays(event("ReviewDue", play, review="review_day14", day=14, due_at="2026-11-16"))
    assert not h.store.tasks[key(TaskPurpose.REVIEW_DAY7)].open
    assert h.store.tasks[key(TaskPurpose.REVIEW_DAY14)].open
    by_key = {w.key: w for w in h.store.pending(TASK)}
    assert by_key[key(TaskPurpose.REVIEW_DAY7)].payload["Status"] == "Completed"


async def test_overdue_tasks_close_when_the_play_moves_past_them() -> None:
    h = Harness()
    play = snapshot(state="briefed")
    await h.plays(event("PlayAtRisk", play, reason="no meeting"))
    assert h.store.tasks[key(TaskPurpose.MEETING_DUE)].open
    await h.plays(event("MeetingBooked", snapshot(state="meeting_booked")))
    assert not h.store.tasks[key(TaskPurpose.MEETING_DUE)].open

    done = snapshot(state="discovery_done")
    await h.plays(event("SponsorOverdue", done, due_at="2026-11-12T14:00:00Z"))
    await h.plays(event("BusinessCaseOverdue", done, due_at="2026-11-12T14:00:00Z"))
    assert h.store.tasks[key(TaskPurpose.SPONSOR_DUE)].fields["ActivityDate"] == "2026-11-12"
    await h.plays(event("SponsorEngaged", snapshot(state="sponsor_engaged")))
    assert not h.store.tasks[key(TaskPurpose.SPONSOR_DUE)].open
    assert not h.store.tasks[key(TaskPurpose.BUSINESS_CASE_DUE)].open


async def test_a_moved_deadline_moves_the_window_task() -> None:
    h = Harness()
    play = snapshot()
    await h.plays(event("ReviewDue", play, review="review_day7", day=7, due_at="2026-11-09"))
    moved = play.model_copy(update={"deadline": OPENED + timedelta(days=30)})
    await h.plays(event("ExceptionGranted", moved, reason="customer freeze until December"))
    window = h.store.tasks[key(TaskPurpose.WINDOW_DEADLINE)]
    assert window.fields["ActivityDate"] == "2026-12-02"
    assert h.store.opportunities["play-1"].desired["CloseDate"] == "2026-12-02"


async def test_a_closed_play_closes_every_open_play_task() -> None:
    h = Harness()
    play = snapshot()
    await h.plays(event("ReviewDue", play, review="review_day7", day=7, due_at="2026-11-09"))
    await h.plays(event("PlayLost", snapshot(state="lost"), reason="budget"))
    assert not any(t.open for t in h.store.tasks.values())
    assert h.store.opportunities["play-1"].desired["StageName"] == "Closed Lost"


async def test_values_too_long_for_their_field_are_clipped_not_refused() -> None:
    h = Harness()
    await h.plays(event("PlayOpened", snapshot(sponsor_name="N" * 300)))
    assert len(h.store.opportunities["play-1"].desired["Executive_Sponsor_Name__c"]) == 120
    await h.sync()
    assert h.opportunity("play-1")["Executive_Sponsor_Name__c"].endswith("…")


async def test_a_resolved_review_closes_its_task_only() -> None:
    h = Harness()
    play = snapshot()
    await h.plays(event("ReviewDue", play, review="review_day7", day=7, due_at="2026-11-09"))
    resolved = event("ReviewResolved", play, review="review_day7", outcome="on_track", note="ok")
    await h.plays(resolved)
    assert not h.store.tasks[key(TaskPurpose.REVIEW_DAY7)].open
    assert h.store.tasks[key(TaskPurpose.WINDOW_DEADLINE)].open
    by_key = {w.key: w for w in h.store.pending(TASK)}
    assert by_key[key(TaskPurpose.REVIEW_DAY7)].payload["Status"] == "Completed"
