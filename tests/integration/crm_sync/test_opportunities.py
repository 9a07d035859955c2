"""(a) A play's Opportunity and review Task land once, however often the event arrives."""

from __future__ import annotations

import asyncio

from services.crm_sync.domain import TaskPurpose, task_key
from tests.integration.crm_sync.conftest import CrmSync, play_envelope
from tests.support.kafka import wait_until
from tests.unit.crm_sync_service.builders import snapshot

MISSING_ANSWERS = "Missing: Discovery answer 1, Discovery answer 2, Discovery answer 3"


async def test_play_opened_creates_exactly_one_opportunity(crm: CrmSync, uid: str) -> None:
    play = snapshot(f"play-{uid}", account_id=f"acct-{uid}")
    opened = play_envelope("PlayOpened", play, 1)
    await crm.publish(opened)

    opp = await crm.opportunity(play.play_id)
    assert opp["Type"] == "Cross-Sell"
    assert opp["CloseDate"] == play.deadline.date().isoformat()
    assert opp["Amount"] == 42000.0
    assert opp["Signal_Source__c"] == "Gainsight"
    assert opp["Play_State__c"] == "open"
    assert opp["Cross_Sell_Hygiene__c"] == MISSING_ANSWERS
    assert opp["LastModifiedById"] == crm.settings.sf_integration_user_id

    # The same message again, and the same play under a new message id: nothing new.
    await crm.publish(opened, play_envelope("PlayOpened", play, 2))
    await asyncio.sleep(1.5)
    [again] = await crm.admin.records("Opportunity", "Cross_Sell_Play_Id__c", play.play_id)
    assert again["Id"] == opp["Id"]
    assert again["SystemModstamp"] == opp["SystemModstamp"]  # not even rewritten

    [synced] = await crm.crm_messages(play.play_id, "OpportunitySynced")
    assert synced["payload"]["opportunity_id"] == opp["Id"]


async def test_review_due_creates_one_task_twice_still_one(crm: CrmSync, uid: str) -> None:
    play = snapshot(f"play-{uid}", account_id=f"acct-{uid}")
    review = {"review": "review_day7", "day": 7, "due_at": "2026-11-09T14:00:00Z"}
    await crm.publish(
        play_envelope("PlayOpened", play, 1), play_envelope("ReviewDue", play, 2, **review)
    )
    opp = await crm.opportunity(play.play_id)
    key = task_key(play.play_id, TaskPurpose.REVIEW_DAY7)

    async def review_tasks() -> list[dict]:
        return await crm.admin.records("Task", "Cross_Sell_Task_Key__c", key)

    [task] = await wait_until(review_tasks, timeout_s=20)
    assert task["WhatId"] == opp["Id"]
    assert task["ActivityDate"] == "2026-11-09"
    assert task["Subject"].startswith(key)

    await crm.publish(play_envelope("ReviewDue", play, 3, **review))
    await asyncio.sleep(1.5)
    assert len(await review_tasks()) == 1
    tasks = [t for t in await crm.admin.all_records("Task") if t.get("WhatId") == opp["Id"]]
    # the review and the window deadline; no hygiene task for our own fresh record
    assert sorted(t["Cross_Sell_Task_Key__c"] for t in tasks) == sorted(
        [key, task_key(play.play_id, TaskPurpose.WINDOW_DEADLINE)]
    )
