"""The running service end to end: signals from the broker open plays, the plays
API over HTTP with API keys, and Salesforce changes fed back through Kafka."""

from __future__ import annotations

from datetime import datetime

import httpx
import orjson

from shared.kafka.topics import CRM, PLAYS, SIGNALS
from shared.messages.envelope import Envelope
from tests.integration.play_orchestrator.conftest import WRITE_KEY_LABEL, PlayApp
from tests.support.kafka import read_all, wait_until
from tests.unit.play_orchestrator_service.builders import (
    BRIEF_SPONSOR,
    DAY,
    DISCOVERY,
    HOUR,
    SPONSOR,
    pain_quote,
    signal,
    signal_envelope,
)


async def _open(app: PlayApp, account_id: str, at: datetime, **kw: object) -> dict:
    message = signal(account_id, at=at - HOUR, **kw)  # type: ignore[arg-type]
    await app.produce(SIGNALS, [signal_envelope(message)])
    return await app.wait_opened(account_id)


async def test_a_signal_opens_one_play_and_publishes_play_opened(po_app: PlayApp) -> None:
    app = po_app
    base = app.base()
    await app.set_clock(base)
    first = signal("001-sig", signal_id="sig-a", at=base - HOUR, quotes=(pain_quote(base),))
    again = signal("001-sig", signal_id="sig-b", at=base - HOUR / 2)
    suppressed = signal("001-sup", status="suppressed", opens_play=False, at=base - HOUR)
    stale = signal("001-old", at=base - 20 * DAY)  # older than the 14-day window
    envelopes = [signal_envelope(m) for m in (first, first, suppressed, stale, again)]
    await app.produce(SIGNALS, envelopes)
    play = await app.wait_opened("001-sig")
    # requalified later, then a sentinel on the same key (same partition, so it
    # is consumed after): once the sentinel's play exists the rest was applied
    requalified = signal("001-sig", signal_id="sig-c", at=base)
    sentinel = signal("001-sig", signal_id="sig-s", product="Forecasting", at=base)
    await app.produce(
        SIGNALS, [signal_envelope(requalified, "SignalRequalified"), signal_envelope(sentinel)]
    )

    async def both() -> list[dict]:
        plays = await app.plays_of("001-sig")
        return plays if len(plays) == 2 else []

    plays = await wait_until(both, timeout_s=20)
    assert sorted(p["adjacent_product"] for p in plays) == ["Billing Automation", "Forecasting"]

    published = await read_all(app.iso.bootstrap, app.iso.topic(PLAYS), timeout_s=8)
    opened = [
        orjson.loads(r.value)
        for r in published
        if orjson.loads(r.value)["type"] == "PlayOpened"
        and orjson.loads(r.value)["payload"]["play"]["play_id"] == play["id"]
    ]
    assert len(opened) == 1
    envelope = Envelope.model_validate(opened[0])
    assert envelope.id == f"{play['id']}:v1:1"
    snapshot = envelope.payload["play"]
    assert snapshot["play_id"] == play["id"] and snapshot["state"] == "open"
    assert snapshot["signal_source"] == "gainsight" and snapshot["signal_type"] == "usage_ceiling"
    assert snapshot["evidence"]["quotes"][0]["name"] == "Dana Ruiz"
    assert [r.key for r in published if orjson.loads(r.value)["id"] == envelope.id] == [b"001-sig"]

    assert await app.plays_of("001-sup") == [] and await app.plays_of("001-old") == []
    detail = await app.play(play["id"])
    assert detail["deadline"].startswith((base - HOUR + 14 * DAY).date().isoformat())
    assert {t["kind"] for t in detail["timers"]} == {
        "meeting_due",
        "review_day7",
        "review_day14",
        "window_deadline",
    }


async def test_the_plays_api_from_brief_to_won(po_app: PlayApp) -> None:
    app = po_app
    base = app.base()
    await app.set_clock(base)
    play = await _open(app, "001-api", base)
    url = f"/v1/plays/{play['id']}"
    async with httpx.AsyncClient(base_url=app.base_url) as anonymous:
        assert (await anonymous.get("/v1/plays")).status_code == 401
        read_only = {"Authorization": f"Bearer {app.read_key}"}
        assert (await anonymous.get(url, headers=read_only)).status_code == 200
        forbidden = await anonymous.put(f"{url}/brief", json=BRIEF_SPONSOR, headers=read_only)
        assert forbidden.status_code == 403
    http = app.http
    assert (await http.get("/v1/plays/play-unknown")).status_code == 404

    early = await http.post(f"{url}/meeting", json={**_meeting(base)})
    assert early.status_code == 409
    assert early.json()["current_state"] == "open" and "'open'" in early.json()["detail"]

    incomplete = await http.put(f"{url}/brief", json={"signal": {"description": " "}})
    assert incomplete.status_code == 422
    assert incomplete.json()["missing_items"] == [2, 4, 5]
    for item in ("item 2", "item 4", "item 5"):
        assert item in incomplete.json()["detail"]

    pain = {
        "operator": {"name": "Dana Ruiz", "title": "Billing Ops Lead"},
        "where": "recorded call, 2 Nov",
        "confirmed_at": (base - DAY).isoformat(),
    }
    steps = [
        ("put", "brief", {**BRIEF_SPONSOR, "pain": pain}, "briefed"),
        ("post", "meeting", _meeting(base), "meeting_booked"),
        ("post", "discovery", DISCOVERY, "discovery_done"),
        ("post", "sponsor", SPONSOR, "sponsor_engaged"),
        ("post", "close", {"outcome": "won", "amount": 61_000}, "won"),
    ]
    for index, (method, path, body, state) in enumerate(steps, start=1):
        await app.set_clock(base + index * HOUR)
        response = await http.request(method, f"{url}/{path}", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["state"] == state

    detail = await app.play(play["id"])
    history = [(h["from"], h["to"], h["actor"]) for h in detail["history"]]
    person = WRITE_KEY_LABEL  # the key's label: the person, never the key's id
    assert history == [
        (None, "open", "system"),
        ("open", "briefed", person),
        ("briefed", "meeting_booked", person),
        ("meeting_booked", "discovery_done", person),
        ("discovery_done", "sponsor_engaged", person),
        ("sponsor_engaged", "won", person),
    ]
    assert all(h["actor"] != app.write_key_id for h in detail["history"])
    assert detail["history"][-1]["at"].startswith((base + 5 * HOUR).date().isoformat())
    assert detail["brief"]["sponsor"]["name"] == "Priya Natarajan"
    assert detail["brief_check"]["complete"] is True
    assert detail["discovery"]["answers"]["one_fix"] == DISCOVERY["one_fix"]
    assert detail["sponsor"]["title"] == "VP Finance"
    assert detail["won_amount"] == 61_000 and detail["closed_at"] is not None
    assert all(t["status"] != "pending" for t in detail["timers"])  # all dropped or fired

    again = await http.post(f"{url}/close", json={"outcome": "lost", "reason": "changed mind"})
    assert again.status_code == 409 and again.json()["current_state"] == "won"
    short = await http.post(f"{url}/exception", json={"reason": "too short", "extension_days": 3})
    assert short.status_code == 422
    won = await http.get("/v1/plays", params={"state": "won", "account_id": "001-api"})
    assert [p["id"] for p in won.json()["items"]] == [play["id"]]


async def test_pages_follow_the_cursor(po_app: PlayApp) -> None:
    app = po_app
    base = app.base()
    await app.set_clock(base)
    products = ["Analytics", "Billing Automation", "Forecasting"]
    messages = [
        signal("001-page", signal_id=f"sig-page-{p}", product=p, at=base - HOUR) for p in products
    ]
    await app.produce(SIGNALS, [signal_envelope(m) for m in messages])

    async def three() -> bool:
        return len(await app.plays_of("001-page")) == 3

    await wait_until(three, timeout_s=30)
    seen, cursor = [], None
    for _ in range(3):
        params = {"account_id": "001-page", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await app.http.get("/v1/plays", params=params)).json()
        seen += [p["adjacent_product"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == products
    assert (await app.http.get("/v1/plays", params={"limit": 201})).status_code == 422
    bad = await app.http.get("/v1/plays", params={"cursor": "nonsense"})
    assert bad.status_code == 422  # as in every service (shared.cursors)
    assert bad.json()["detail"][0]["loc"] == ["query", "cursor"]


async def test_closed_won_in_salesforce_wins_the_play(po_app: PlayApp) -> None:
    app = po_app
    base = app.base()
    await app.set_clock(base)
    play = await _open(app, "001-crm", base, quotes=(pain_quote(base - DAY),))
    url = f"/v1/plays/{play['id']}"
    for path, body in [
        ("brief", BRIEF_SPONSOR),
        ("meeting", _meeting(base)),
        ("discovery", DISCOVERY),
        ("sponsor", SPONSOR),
    ]:
        method = app.http.put if path == "brief" else app.http.post
        assert (await method(f"{url}/{path}", json=body)).status_code == 200
    other = await _open(app, "001-crm2", base)
    changes = [
        _opportunity(other["id"], "Closed Won", "crm-1", amount=9_000),  # open: illegal
        _opportunity(play["id"], "Closed Won", "crm-2", amount=58_500),
    ]
    await app.produce(CRM, changes)
    synced = Envelope(
        id="crm-3",
        type="OpportunitySynced",
        account_id="001-crm",
        occurred_at=base,
        source="crm_sync",
        payload={
            "play_id": play["id"],
            "opportunity_id": "006000000000001",
            "hygiene": "Complete",
            "stage": "Closed Won",
            "synced_at": base.isoformat(),
        },
    )
    await app.produce(CRM, [synced])
    won = await app.wait_play(play["id"], lambda p: p["state"] == "won" and p["crm"] is not None)
    assert won["won_amount"] == 58_500 and won["history"][-1]["actor"] == "salesforce"
    assert won["crm"]["opportunity_id"] == "006000000000001"
    assert won["crm"]["hygiene"] == "Complete"
    assert (await app.play(other["id"]))["state"] == "open"  # acknowledged, not applied


def _meeting(base: datetime) -> dict:
    return {
        "meeting_at": (base + 2 * DAY).isoformat(),
        "attendees": ["Dana Ruiz", "sam.csm"],
        "agenda": "Map how invoices are reconciled today",
    }


def _opportunity(play_id: str, stage: str, message_id: str, **fields: object) -> Envelope:
    payload = {
        "play_id": play_id,
        "opportunity_id": "006000000000001",
        "changed_at": "2027-01-01T00:00:00Z",
        "stage": stage,
        **fields,
    }
    return Envelope(
        id=message_id,
        type="OpportunityChanged",
        account_id="001-crm",
        occurred_at=datetime.fromisoformat("2027-01-01T00:00:00+00:00"),
        source="crm_sync",
        payload=payload,
    )
