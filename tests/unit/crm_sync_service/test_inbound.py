"""Notifications through enforcement and feedback, over the fake org and store."""

from __future__ import annotations

from services.crm_sync.domain import Notification, TaskPurpose, task_key
from tests.unit.crm_sync_service.builders import REP, Harness, event, snapshot

MISSING_ANSWERS = "Missing: Discovery answer 1, Discovery answer 2, Discovery answer 3"
ANSWERS = {
    "Discovery_Answer_1__c": "Spreadsheets, weekly",
    "Discovery_Answer_2__c": "Two analysts, 10 h a week",
    "Discovery_Answer_3__c": "Live dashboards; ops lead first",
}
HYGIENE_KEY = task_key("play-1", TaskPurpose.HYGIENE)


async def opened() -> tuple[Harness, str]:
    h = Harness()
    await h.plays(event("PlayOpened", snapshot()))
    await h.sync()
    return h, h.opportunity("play-1")["Id"]


async def test_echo_of_our_own_write_changes_nothing() -> None:
    h, opp_id = await opened()
    used = h.gateway.org.usage.used
    result = await h.deliver(h.notification(opp_id))
    assert (result.applied, result.echoes, result.writes, result.feedback) == (1, 1, 0, 0)
    assert await h.sync() == 0
    assert h.gateway.org.usage.used == used
    assert h.store.outbox[-1][1].type == "OpportunitySynced"  # nothing fed back


async def test_echo_before_our_commit_is_recognised_by_the_inflight_fields() -> None:
    h = Harness()
    await h.plays(event("PlayOpened", snapshot()))
    planned = h.store.opportunities["play-1"]
    # As if the writer had planned and sent, and the echo beat its commit.
    planned.inflight = {"Type": "Cross-Sell", "StageName": "Prospecting", "Play_State__c": "open"}
    note = Notification(
        "04lEARLY",
        "Opportunity",
        {
            "Id": "006000000000001AAA",
            "Cross_Sell_Play_Id__c": "play-1",
            "Type": "Cross-Sell",
            "StageName": "Prospecting",
            "Play_State__c": "open",
            "LastModifiedById": h.identity.user_id,
        },
    )
    result = await h.deliver(note, source="webhook")
    assert result.echoes == 1 and result.writes == 0


async def test_rep_closed_won_without_answers_is_rolled_back_with_one_task() -> None:
    h, opp_id = await opened()
    h.rep_edit(opp_id, StageName="Closed Won")
    result = await h.deliver(h.notification(opp_id))
    assert result.feedback == 0  # a Closed Won that did not stand
    await h.sync()
    opp = h.opportunity("play-1")
    assert opp["StageName"] == "Prospecting"
    assert opp["Cross_Sell_Hygiene__c"] == MISSING_ANSWERS
    [task] = h.tasks()
    assert task["Cross_Sell_Task_Key__c"] == HYGIENE_KEY
    assert task["Status"] == "Not Started" and task["WhatId"] == opp_id
    assert "Discovery answer 1" in task["Description"]

    # The echo of the roll-back: no new write, no second task.
    echo = await h.deliver(h.notification(opp_id))
    assert echo.writes == 0
    # The same notification redelivered: no second effect.
    again = await h.deliver(h.notification(opp_id, note_id="04lSAME"))
    repeat = await h.deliver(h.notification(opp_id, note_id="04lSAME"))
    assert repeat.new == 0 and again.writes == 0
    assert await h.sync() == 0
    assert len(h.tasks()) == 1


async def test_rep_completes_and_closes_won_it_stands_and_is_fed_back() -> None:
    h, opp_id = await opened()
    h.rep_edit(opp_id, StageName="Closed Won")
    await h.deliver(h.notification(opp_id))
    await h.sync()
    await h.deliver(h.notification(opp_id))  # echo of the roll-back

    h.rep_edit(opp_id, StageName="Closed Won", **ANSWERS)
    result = await h.deliver(h.notification(opp_id))
    assert result.feedback == 1
    await h.sync()
    opp = h.opportunity("play-1")
    assert opp["StageName"] == "Closed Won"
    assert opp["Cross_Sell_Hygiene__c"] == "Complete"
    [task] = h.tasks()
    assert task["Status"] == "Completed"
    [changed] = h.store.messages("OpportunityChanged")
    assert changed.payload["stage"] == "Closed Won"
    assert changed.payload["amount"] == 42000.0
    assert changed.payload["discovery_answer_3"] == ANSWERS["Discovery_Answer_3__c"]
    assert changed.payload["changed_by"] == REP
    assert changed.account_id == "acct-42"

    echo = await h.deliver(h.notification(opp_id))  # of our hygiene write
    assert (echo.writes, echo.feedback) == (0, 0)
    assert await h.sync() == 0


async def test_rep_clearing_the_sponsor_gets_hygiene_and_a_task_but_no_rollback() -> None:
    h, opp_id = await opened()
    h.rep_edit(opp_id, Executive_Sponsor_Name__c=None, StageName="Qualification")
    await h.deliver(h.notification(opp_id))
    await h.sync()
    opp = h.opportunity("play-1")
    assert opp["StageName"] == "Qualification"
    assert opp["Cross_Sell_Hygiene__c"].startswith("Missing: Executive sponsor name, ")
    assert [t["Cross_Sell_Task_Key__c"] for t in h.tasks()] == [HYGIENE_KEY]


async def test_our_own_change_never_opens_the_hygiene_task() -> None:
    h, opp_id = await opened()
    h.identity.user_id = None  # not recognised as an echo by the user id ...
    h.gateway.org.store.update(
        "Opportunity",
        opp_id,
        {"Executive_Sponsor_Title__c": None},
        h.gateway.org.users.integration_user_id,
    )
    h.identity.user_id = h.gateway.org.users.integration_user_id
    result = await h.deliver(h.notification(opp_id))
    assert result.echoes == 0  # a field differs from what we wrote ...
    await h.sync()
    assert h.tasks() == []  # ... but our own user made the change: no task
    assert "Executive sponsor title" in h.opportunity("play-1")["Cross_Sell_Hygiene__c"]


async def test_stale_and_foreign_notifications_are_ignored() -> None:
    h, opp_id = await opened()
    current = h.notification(opp_id)
    await h.deliver(current)
    older = Notification(
        "04lOLD",
        "Opportunity",
        {**current.fields, "SystemModstamp": "2020-01-01T00:00:00.000Z", "StageName": "Closed Won"},
    )
    foreign = Notification("04lFOREIGN", "Opportunity", {"Id": "006000000000999AAA"})
    contact = Notification("04lCONTACT", "Contact", {"Id": "003000000000001AAA"})
    result = await h.deliver(older, foreign, contact)
    assert (result.stale, result.ignored, result.writes) == (1, 2, 0)


async def test_sponsor_and_answers_typed_by_a_rep_are_fed_back() -> None:
    h, opp_id = await opened()
    h.rep_edit(opp_id, Executive_Sponsor_Name__c="Lee Park", **ANSWERS)
    await h.deliver(h.notification(opp_id))
    [changed] = h.store.messages("OpportunityChanged")
    assert changed.payload["sponsor_name"] == "Lee Park"
    assert changed.payload["sponsor_title"] == "VP Operations"
    assert changed.payload["discovery_answer_1"] == ANSWERS["Discovery_Answer_1__c"]
    assert changed.payload["stage"] is None


async def test_no_hygiene_task_while_the_integration_user_is_unknown() -> None:
    h, opp_id = await opened()
    h.identity.user_id = None
    h.rep_edit(opp_id, StageName="Closed Won")
    await h.deliver(h.notification(opp_id))
    await h.sync()
    assert h.opportunity("play-1")["StageName"] == "Prospecting"  # reps are still held back
    assert h.tasks() == []


async def test_an_opportunity_retyped_away_from_cross_sell_is_not_enforced() -> None:
    h, opp_id = await opened()
    h.rep_edit(opp_id, Type="New Customer", StageName="Closed Won")
    result = await h.deliver(h.notification(opp_id))
    assert result.writes == 0
    assert h.opportunity("play-1")["StageName"] == "Closed Won"
