"""(b) A rep closes a cross-sell Opportunity won too early; then does it right.

The rep works through simple-salesforce as their own user; the emulator's
Outbound Message brings the change to crm_sync, which writes back.
"""

from __future__ import annotations

import asyncio
from typing import Any

from services.crm_sync.domain import TaskPurpose, task_key
from tests.integration.crm_sync.conftest import REP_USERNAME, CrmSync, play_envelope
from tests.support.kafka import wait_until
from tests.unit.crm_sync_service.builders import snapshot

MISSING_ANSWERS = "Missing: Discovery answer 1, Discovery answer 2, Discovery answer 3"
ANSWERS = {
    "Discovery_Answer_1__c": "Route plans live in spreadsheets, rebuilt weekly by two analysts",
    "Discovery_Answer_2__c": "Ten analyst hours a week; late trucks cost about $8k a month",
    "Discovery_Answer_3__c": "Live route dashboards; the dispatch lead feels it first",
}


async def test_closed_won_is_rolled_back_until_complete_then_stands(crm: CrmSync, uid: str) -> None:
    play = snapshot(f"play-{uid}", account_id=f"acct-{uid}")
    await crm.publish(play_envelope("PlayOpened", play, 1))
    opp = await crm.opportunity(play.play_id)
    opp_id = opp["Id"]
    rep = await asyncio.to_thread(crm.rep)
    hygiene_key = task_key(play.play_id, TaskPurpose.HYGIENE)

    async def record() -> dict[str, Any]:
        [found] = await crm.admin.records("Opportunity", "Id", opp_id)
        return found

    async def hygiene_tasks() -> list[dict[str, Any]]:
        return await crm.admin.records("Task", "Cross_Sell_Task_Key__c", hygiene_key)

    # 1. Closed Won with no discovery answers: put back, flagged, one task. The org's
    # validation rule would refuse this edit; crm_sync's enforcement is for the edits
    # it does not stop (a rep with a bypass permission, an org before the rule).
    await crm.admin.bypass_validation_rules(REP_USERNAME)
    try:
        await asyncio.to_thread(rep.Opportunity.update, opp_id, {"StageName": "Closed Won"})
    finally:
        await crm.admin.bypass_validation_rules()

    async def back_and_tasked() -> bool:
        found = await record()
        return found["StageName"] == "Prospecting" and len(await hygiene_tasks()) == 1

    await wait_until(back_and_tasked, timeout_s=20)
    found = await record()
    assert found["LastModifiedById"] == crm.settings.sf_integration_user_id
    assert found["Cross_Sell_Hygiene__c"] == MISSING_ANSWERS
    assert found["Executive_Sponsor_Name__c"] == "Dana Reyes"  # written from the play
    assert found["Signal_Source__c"] == "Gainsight"
    [task] = await hygiene_tasks()
    assert task["Status"] == "Not Started" and task["WhatId"] == opp_id
    assert "Discovery answer 1" in task["Description"]
    assert await crm.crm_messages(play.play_id) == []  # a Closed Won that did not happen

    # 2. The rep fills the answers and closes it won again: it stands.
    await asyncio.to_thread(rep.Opportunity.update, opp_id, {**ANSWERS, "StageName": "Closed Won"})

    async def complete() -> bool:
        found = await record()
        [task] = await hygiene_tasks()
        return found["Cross_Sell_Hygiene__c"] == "Complete" and task["Status"] == "Completed"

    await wait_until(complete, timeout_s=20)
    await asyncio.sleep(1.0)  # let every echo come and go
    found = await record()
    assert found["StageName"] == "Closed Won"
    assert len(await hygiene_tasks()) == 1

    async def fed_back() -> list[Any]:
        return [
            m for m in await crm.crm_messages(play.play_id) if m["payload"]["stage"] == "Closed Won"
        ]

    [changed] = await wait_until(fed_back, timeout_s=15)
    payload = changed["payload"]
    assert payload["opportunity_id"] == opp_id
    assert payload["amount"] == 42000.0
    assert payload["discovery_answer_2"] == ANSWERS["Discovery_Answer_2__c"]
    assert payload["changed_by"] not in (None, crm.settings.sf_integration_user_id)
