"""The operator's day on the running service: a review resolved (queue, history,
the event crm_sync closes its Task from), the person as the actor, a meeting
in the past refused, and a late-opened play's deadlines inside its window."""

from __future__ import annotations

from datetime import datetime

from shared.kafka.topics import SIGNALS
from tests.integration.play_orchestrator.conftest import PlayApp
from tests.unit.play_orchestrator_service.builders import (
    BRIEF_SPONSOR,
    DAY,
    HOUR,
    pain_quote,
    signal,
    signal_envelope,
)


async def _open(app: PlayApp, account_id: str, signal_at: datetime, now: datetime) -> str:
    message = signal(account_id, at=signal_at, quotes=(pain_quote(now - DAY),))
    await app.produce(SIGNALS, [signal_envelope(message)])
    return str((await app.wait_opened(account_id))["id"])


async def test_a_review_is_resolved_with_the_person_in_the_history(po_app: PlayApp) -> None:
    app = po_app
    base = app.base()
    await app.set_clock(base)
    play_id = await _open(app, "001-rev", base - HOUR, base)
    await app.set_clock(base - HOUR + 7 * DAY)
    await app.wait_play(play_id, lambda p: any(r["kind"] == "review_day7" for r in p["reviews"]))
    queue = (await app.http.get("/v1/reviews", params={"limit": 200})).json()["items"]
    [review] = [r for r in queue if r["play_id"] == play_id]
    assert review["id"] == f"{play_id}:review_day7"

    url = f"/v1/reviews/{review['id']}/resolve"
    blank = await app.http.post(url, json={"outcome": "on_track", "note": "  "})
    assert blank.status_code == 422 and "note" in blank.text
    wrong = await app.http.post(url, json={"outcome": "fine", "note": "x"})
    assert wrong.status_code == 422
    body = {"outcome": "at_risk", "note": "No meeting yet; Sam calls Dana today"}
    headers = {"X-Actor": "Morgan Lee"}
    resolved = await app.http.post(url, json=body, headers=headers)
    assert resolved.status_code == 200, resolved.text
    play = resolved.json()
    assert play["state"] == "open" and play["at_risk"] is True
    last = play["history"][-1]
    assert last["actor"] == "Morgan Lee" and last["command"] == "resolve_review"
    assert last["reason"] == "review day7 review: at risk: No meeting yet; Sam calls Dana today"
    [item] = play["reviews"]
    assert (item["outcome"], item["resolved_by"]) == ("at_risk", "Morgan Lee")

    again = await app.http.post(url, json=body, headers=headers)
    assert again.status_code == 422 and "already resolved" in again.json()["detail"]
    queue = (await app.http.get("/v1/reviews", params={"limit": 200})).json()["items"]
    assert play_id not in {r["play_id"] for r in queue}
    events = [e for e in await app.db.outbox() if e["payload"]["play"]["play_id"] == play_id]
    [event] = [e for e in events if e["type"] == "ReviewResolved"]
    assert event["payload"]["event"]["review"] == "review_day7"
    assert (
        await app.http.post(f"/v1/reviews/{play_id}:nonsense/resolve", json=body)
    ).status_code == 404


async def test_close_play_at_a_review_closes_it_as_lost(po_app: PlayApp) -> None:
    app = po_app
    base = app.base()
    await app.set_clock(base)
    play_id = await _open(app, "001-revc", base - HOUR, base)
    await app.set_clock(base - HOUR + 7 * DAY)
    await app.wait_play(play_id, lambda p: bool(p["reviews"]))
    body = {"outcome": "close_play", "note": "Budget frozen until Q3"}
    closed = await app.http.post(f"/v1/reviews/{play_id}:review_day7/resolve", json=body)
    assert closed.status_code == 200, closed.text
    assert closed.json()["state"] == "lost"
    assert closed.json()["outcome"]["reason"].endswith("Budget frozen until Q3")


async def test_a_meeting_in_the_past_is_refused_with_a_clear_422(po_app: PlayApp) -> None:
    app = po_app
    base = app.base()
    await app.set_clock(base)
    play_id = await _open(app, "001-past", base - HOUR, base)
    url = f"/v1/plays/{play_id}"
    assert (await app.http.put(f"{url}/brief", json=BRIEF_SPONSOR)).status_code == 200
    past = {"meeting_at": (base - DAY).isoformat(), "attendees": ["Dana Ruiz"]}
    refused = await app.http.post(f"{url}/meeting", json=past)
    assert refused.status_code == 422
    assert "in the past" in refused.json()["detail"]
    assert (await app.play(play_id))["state"] == "briefed"


async def test_no_deadline_falls_after_the_window_deadline(po_app: PlayApp) -> None:
    app = po_app
    base = app.base()
    await app.set_clock(base)
    # the signal is 10 days old when the play opens: a meeting due 7 days after
    # opening would fall 3 days after the 14-day window's deadline
    play_id = await _open(app, "001-late", base - 10 * DAY, base)
    play = await app.play(play_id)
    deadline = datetime.fromisoformat(play["deadline"])
    timers = {t["kind"]: datetime.fromisoformat(t["due_at"]) for t in play["timers"]}
    assert timers["meeting_due"] == deadline
    assert all(due <= deadline for due in timers.values())

    extended = await app.http.post(
        f"/v1/plays/{play_id}/exception",
        json={"reason": "Customer board meets on the 20th; signs after", "extension_days": 7},
    )
    assert extended.status_code == 200, extended.text
    timers = {t["kind"]: t["due_at"] for t in extended.json()["timers"]}
    moved = datetime.fromisoformat(timers["meeting_due"])
    assert moved == base + 7 * DAY  # the exception extended the window: 7 days after opening
