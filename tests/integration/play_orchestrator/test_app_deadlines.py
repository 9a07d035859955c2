"""Deadlines driven by the test clock (``POST /v1/admin/clock``) on the running
service: each fires once at its time, business days, pauses stop the clock,
an exception extends the window, no exception expires the play."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

from shared.kafka.topics import EVENTS, SIGNALS
from tests.integration.play_orchestrator.conftest import PlayApp
from tests.support.kafka import wait_until
from tests.unit.play_orchestrator_service.builders import (
    BRIEF_SPONSOR,
    DAY,
    DISCOVERY,
    HOUR,
    account_event,
    pain_quote,
    signal,
    signal_envelope,
)

MINUTE = timedelta(minutes=1)
SETTLE = 0.5  # several sweeps at SWEEP_INTERVAL_S=0.1


async def _open_many(app: PlayApp, accounts: list[str], base: datetime) -> dict[str, dict]:
    messages = [signal(a, at=base - HOUR, quotes=(pain_quote(base - DAY),)) for a in accounts]
    await app.produce(SIGNALS, [signal_envelope(m) for m in messages])
    return {a: await app.wait_opened(a) for a in accounts}


async def _events(app: PlayApp, play_id: str) -> Counter[str]:
    return Counter(
        e["type"] for e in await app.db.outbox() if e["payload"]["play"]["play_id"] == play_id
    )


def _fired(play: dict, kind: str) -> bool:
    return any(t["kind"] == kind and t["fired_at"] for t in play["timers"])


async def test_each_deadline_fires_once_at_its_time(po_app: PlayApp) -> None:
    app = po_app
    base = app.base()
    await app.set_clock(base)
    play_id = (await _open_many(app, ["001-dl1"], base))["001-dl1"]["id"]
    review_at = base - HOUR + 7 * DAY  # day 7 after the signal
    meeting_due = base + 7 * DAY  # 7 days after opening

    await app.set_clock(review_at - MINUTE)
    await asyncio.sleep(SETTLE)
    assert not _fired(await app.play(play_id), "review_day7")
    await app.set_clock(review_at)
    await app.wait_play(play_id, lambda p: _fired(p, "review_day7"))
    reviews = (await app.http.get("/v1/reviews", params={"owner": "alex.ae"})).json()["items"]
    mine = [r for r in reviews if r["play_id"] == play_id]
    assert [(r["kind"], r["day"], r["play_state"]) for r in mine] == [("review_day7", 7, "open")]
    assert (await app.play(play_id))["at_risk"] is False

    await app.set_clock(meeting_due)
    at_risk = await app.wait_play(play_id, lambda p: p["at_risk"])
    assert at_risk["overdue"] is True and at_risk["overdue_items"] == ["meeting"]
    await app.set_clock(meeting_due + HOUR)
    await asyncio.sleep(SETTLE)
    events = await _events(app, play_id)
    assert (events["ReviewDue"], events["PlayAtRisk"]) == (1, 1)
    overdue = await app.http.get("/v1/plays", params={"overdue": "true", "account_id": "001-dl1"})
    assert [p["id"] for p in overdue.json()["items"]] == [play_id]


async def test_the_sponsor_is_due_three_business_days_after_discovery(po_app: PlayApp) -> None:
    app = po_app
    base = app.base()  # a Monday, 09:00
    await app.set_clock(base)
    play_id = (await _open_many(app, ["001-bd"], base))["001-bd"]["id"]
    url = f"/v1/plays/{play_id}"
    meeting = {"meeting_at": (base + 2 * DAY).isoformat(), "attendees": ["Dana Ruiz"]}
    assert (await app.http.put(f"{url}/brief", json=BRIEF_SPONSOR)).status_code == 200
    assert (await app.http.post(f"{url}/meeting", json=meeting)).status_code == 200
    thursday = base + 3 * DAY + HOUR
    await app.set_clock(thursday)
    assert (await app.http.post(f"{url}/discovery", json=DISCOVERY)).status_code == 200
    timers = {t["kind"]: t["due_at"] for t in (await app.play(play_id))["timers"]}
    assert timers["sponsor_due"].startswith((thursday + 5 * DAY).isoformat()[:16])  # Tuesday
    assert timers["business_case_due"].startswith((thursday + 3 * DAY).isoformat()[:16])

    monday = thursday + 4 * DAY  # three calendar days are gone, two business days
    await app.set_clock(monday)
    play = await app.wait_play(play_id, lambda p: "business_case" in p["overdue_items"])
    assert "sponsor" not in play["overdue_items"]
    tuesday = thursday + 5 * DAY
    await app.set_clock(tuesday - MINUTE)
    await asyncio.sleep(SETTLE)
    assert "sponsor" not in (await app.play(play_id))["overdue_items"]
    await app.set_clock(tuesday)
    await app.wait_play(play_id, lambda p: "sponsor" in p["overdue_items"])
    assert (await _events(app, play_id))["SponsorOverdue"] == 1


async def test_pauses_and_exceptions_move_the_deadline_else_the_play_expires(
    po_app: PlayApp,
) -> None:
    app = po_app
    base = app.base()
    await app.set_clock(base)
    plays = await _open_many(app, ["001-pause", "001-exc", "001-plain"], base)
    ids = {account: play["id"] for account, play in plays.items()}
    deadline = base - HOUR + 14 * DAY

    await app.set_clock(base + DAY)
    opened = {"escalation_id": "ESC-7", "status": "opened"}
    esc = account_event("001-pause", "account.escalation", opened, base + DAY, "esc-7-open")
    await app.produce(EVENTS, [esc])
    await app.wait_play(ids["001-pause"], lambda p: p["state"] == "paused")
    await app.set_clock(base + 4 * DAY)
    resolved = {"escalation_id": "ESC-7", "status": "resolved"}
    await app.produce(
        EVENTS,
        [account_event("001-pause", "account.escalation", resolved, base + 4 * DAY, "esc-7-res")],
    )
    resumed = await app.wait_play(ids["001-pause"], lambda p: p["state"] == "open")
    assert datetime.fromisoformat(resumed["deadline"]) == deadline + 3 * DAY

    exception = {"reason": "Customer board meets on the 20th; signs after", "extension_days": 5}
    granted = await app.http.post(f"/v1/plays/{ids['001-exc']}/exception", json=exception)
    assert granted.status_code == 200, granted.text
    assert datetime.fromisoformat(granted.json()["deadline"]) == deadline + 5 * DAY

    await app.set_clock(deadline)
    plain = await app.wait_play(ids["001-plain"], lambda p: p["state"] == "expired")
    assert plain["history"][-1]["reason"] == "deadline passed without close or exception"
    assert (await app.play(ids["001-pause"]))["state"] == "open"
    assert (await app.play(ids["001-exc"]))["state"] == "open"
    await app.set_clock(deadline + 3 * DAY)
    await app.wait_play(ids["001-pause"], lambda p: p["state"] == "expired")
    assert (await app.play(ids["001-exc"]))["state"] == "open"
    await app.set_clock(deadline + 5 * DAY)
    await app.wait_play(ids["001-exc"], lambda p: p["state"] == "expired")

    async def settled() -> bool:
        counts = [(await _events(app, i))["PlayExpired"] for i in ids.values()]
        return counts == [1, 1, 1]

    await wait_until(settled, timeout_s=5)
    await app.set_clock(deadline + 30 * DAY)
    await asyncio.sleep(SETTLE)
    assert await settled()
