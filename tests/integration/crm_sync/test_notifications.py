"""(c) Outbound Messages posted by hand: one effect per Notification Id; refusals
record nothing. Plus the webhook's signature and the parser's refusals."""

from __future__ import annotations

import asyncio
import time

import httpx
import orjson

from services.crm_sync.domain import Notification, build_outbound_message, sign
from tests.integration.crm_sync.conftest import WEBHOOK_SECRET, CrmSync, play_envelope
from tests.support.kafka import wait_until
from tests.unit.crm_sync_service.builders import snapshot

REP = "005000000000777AAA"


def message(org_id: str, note_id: str, opp_id: str, play_id: str, **fields: str) -> bytes:
    values: dict[str, str | None] = {
        "Id": opp_id,
        "Cross_Sell_Play_Id__c": play_id,
        "StageName": "Prospecting",
        "Type": "Cross-Sell",
        "Signal_Source__c": "Gainsight",
        "Executive_Sponsor_Name__c": "Dana Reyes",
        "Executive_Sponsor_Title__c": "VP Operations",
        "LastModifiedById": REP,
        **fields,
    }
    return build_outbound_message(
        organization_id=org_id,
        action_id="04k000000000001AAA",
        notifications=[Notification(note_id, "Opportunity", values)],
    )


async def test_same_message_three_times_has_one_effect(crm: CrmSync, uid: str) -> None:
    play = snapshot(f"play-{uid}", account_id=f"acct-{uid}")
    await crm.publish(play_envelope("PlayOpened", play, 1))
    opp = await crm.opportunity(play.play_id)
    await asyncio.sleep(0.5)  # the creation's own echo first
    body = message(
        crm.emulator.org_id,
        f"04l{uid}A",
        opp["Id"],
        play.play_id,
        Executive_Sponsor_Title__c="Chief Operating Officer",
    )
    async with httpx.AsyncClient(timeout=10) as http:
        for _ in range(3):
            answer = await http.post(
                crm.outbound_url, content=body, headers={"Content-Type": "text/xml"}
            )
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/xml")
            assert b"<Ack>true</Ack>" in answer.content

    async def fed_back() -> list:
        return await crm.crm_messages(play.play_id)

    [changed] = await wait_until(fed_back, timeout_s=10)
    assert changed["payload"]["sponsor_title"] == "Chief Operating Officer"
    await asyncio.sleep(1.0)
    assert len(await crm.crm_messages(play.play_id)) == 1


async def test_wrong_org_or_token_gets_no_ack_and_records_nothing(crm: CrmSync, uid: str) -> None:
    play = snapshot(f"play-{uid}", account_id=f"acct-{uid}")
    await crm.publish(play_envelope("PlayOpened", play, 1))
    opp = await crm.opportunity(play.play_id)
    await asyncio.sleep(0.5)
    note_id = f"04l{uid}B"
    changed_title = {"Executive_Sponsor_Title__c": "Chief Revenue Officer"}
    wrong = message("00D000000000999AAA", note_id, opp["Id"], play.play_id, **changed_title)
    right = message(crm.emulator.org_id, note_id, opp["Id"], play.play_id, **changed_title)
    async with httpx.AsyncClient(timeout=10) as http:
        refused = await http.post(crm.outbound_url, content=wrong)
        assert refused.status_code == 403
        assert b"<Ack>" not in refused.content and b"Fault" in refused.content
        no_token = await http.post(crm.outbound_url.split("?")[0], content=right)
        assert no_token.status_code == 403 and b"<Ack>" not in no_token.content
        await asyncio.sleep(0.5)
        assert await crm.crm_messages(play.play_id) == []
        # Nothing was recorded: the same Notification Id from the right org is new.
        accepted = await http.post(crm.outbound_url, content=right)
        assert accepted.status_code == 200 and b"<Ack>true</Ack>" in accepted.content

    async def fed_back() -> list:
        return await crm.crm_messages(play.play_id)

    [changed] = await wait_until(fed_back, timeout_s=10)
    assert changed["payload"]["sponsor_title"] == "Chief Revenue Officer"


async def test_unparsable_and_hostile_bodies_are_refused_quickly(crm: CrmSync) -> None:
    billion_laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>'
    )
    async with httpx.AsyncClient(timeout=10) as http:
        for body in (b"", b"not xml", billion_laughs, b"<a/>"):
            started = time.perf_counter()
            answer = await http.post(crm.outbound_url, content=body)
            assert answer.status_code == 400, body
            assert b"Fault" in answer.content and b"<Ack>" not in answer.content
            assert time.perf_counter() - started < 1.0
        huge = b"<x>" + b"a" * (crm.settings.sf_max_body_bytes + 1) + b"</x>"
        assert (await http.post(crm.outbound_url, content=huge)).status_code == 413


async def test_signed_webhook_is_applied_and_a_bad_signature_is_refused(
    crm: CrmSync, uid: str
) -> None:
    play = snapshot(f"play-{uid}", account_id=f"acct-{uid}")
    await crm.publish(play_envelope("PlayOpened", play, 1))
    opp = await crm.opportunity(play.play_id)
    await asyncio.sleep(0.5)
    body = orjson.dumps(
        [
            {
                "notification_id": f"wh-{uid}",
                "organization_id": crm.emulator.org_id,
                "sobject": "Opportunity",
                "record": {
                    "Id": opp["Id"],
                    "Cross_Sell_Play_Id__c": play.play_id,
                    "Executive_Sponsor_Name__c": "Lee Park",
                    "Executive_Sponsor_Title__c": "CFO",
                },
                "changed_at": "2026-11-03T10:00:00Z",
                "changed_by_id": REP,
            }
        ]
    )
    url = f"{crm.base_url}/v1/salesforce/webhook"
    good = sign(WEBHOOK_SECRET.encode(), body, int(time.time()))
    bad = sign(b"not-the-secret", body, int(time.time()))
    async with httpx.AsyncClient(timeout=10) as http:
        refused = await http.post(url, content=body, headers={"X-Crosssell-Signature": bad})
        assert refused.status_code == 401
        unsigned = await http.post(url, content=body)
        assert unsigned.status_code == 401
        garbage = b'[{"nope": 1}]'
        signed_garbage = sign(WEBHOOK_SECRET.encode(), garbage, int(time.time()))
        parse = await http.post(
            url, content=garbage, headers={"X-Crosssell-Signature": signed_garbage}
        )
        assert parse.status_code == 400
        for _ in range(2):
            accepted = await http.post(url, content=body, headers={"X-Crosssell-Signature": good})
            assert accepted.status_code == 200, accepted.text
        assert accepted.json()["new"] == 0

    async def fed_back() -> list:
        return await crm.crm_messages(play.play_id)

    [changed] = await wait_until(fed_back, timeout_s=10)
    assert (changed["payload"]["sponsor_name"], changed["payload"]["sponsor_title"]) == (
        "Lee Park",
        "CFO",
    )


async def test_sync_status_needs_a_read_key(crm: CrmSync) -> None:
    async with httpx.AsyncClient(base_url=crm.base_url, timeout=10) as http:
        assert (await http.get("/v1/sync/status")).status_code == 401
    status = await crm.status()
    assert {"pending", "failures_by_code", "last_success_at", "api_usage", "deferred"} <= set(
        status
    )
