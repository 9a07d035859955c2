"""The console's plays board on the running service: filters by part of a
name and by account health, sorting, counts per state under the filters, and
a CSV export whose rows are the API's."""

from __future__ import annotations

import csv
import io

from shared.kafka.topics import SIGNALS
from tests.integration.play_orchestrator.conftest import PlayApp
from tests.support.kafka import wait_until
from tests.unit.play_orchestrator_service.builders import HOUR, signal, signal_envelope

OWNERS = {"001-bd-a": ("Ana Pérez", "green"), "001-bd-b": ("Ben Okafor", "red")}


async def test_filter_sort_count_and_export(po_app: PlayApp) -> None:
    app = po_app
    base = app.base()
    await app.set_clock(base)
    messages = [
        signal(a, at=base - HOUR, product=p, ae_owner=owner, health=health, type_=t)
        for a, (owner, health) in OWNERS.items()
        for p, t in (("Analytics", "usage_ceiling"), ("Forecasting", "adjacent_pain"))
    ]
    await app.produce(SIGNALS, [signal_envelope(m) for m in messages])

    async def four() -> bool:
        return sum([len(await app.plays_of(a)) for a in OWNERS]) == 4

    await wait_until(four, timeout_s=30)
    http = app.http
    ana = (await http.get("/v1/board/plays", params={"owner": "pérez", "limit": 500})).json()
    assert {p["owner"] for p in ana["items"]} == {"Ana Pérez"}
    assert {p["account_id"] for p in ana["items"]} == {"001-bd-a"}
    assert ana["total"] == 2 and ana["states"].get("open") == 2
    red = await http.get(
        "/v1/board/plays", params={"health": "red", "signal_type": "adjacent_pain"}
    )
    assert [(p["account_id"], p["health"]) for p in red.json()["items"]] == [("001-bd-b", "red")]

    params = {"account_id": "001-bd-a", "sort": "adjacent_product"}
    names = [
        p["adjacent_product"]
        for p in (await http.get("/v1/board/plays", params=params)).json()["items"]
    ]
    assert names == ["Analytics", "Forecasting"]
    params["sort"] = "-adjacent_product"
    backwards = (await http.get("/v1/board/plays", params=params)).json()["items"]
    assert [p["adjacent_product"] for p in backwards] == ["Forecasting", "Analytics"]
    assert (await http.get("/v1/board/plays", params={"sort": "doc"})).status_code == 422

    exported = await http.get("/v1/board/plays.csv", params={"owner": "okafor"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    api = (await http.get("/v1/plays", params={"account_id": "001-bd-b"})).json()["items"]
    assert sorted((r["id"], r["state"], r["owner"]) for r in rows) == sorted(
        (p["id"], p["state"], p["owner"]) for p in api
    )
    labels = (await http.get("/v1/labels", params={"account": "001-bd-a"})).json()
    assert labels["accounts"] == {"001-bd-a": "Acme 001-bd-a"}


async def test_the_scorecard_gives_n_definitions_targets_and_amounts(po_app: PlayApp) -> None:
    app = po_app
    base = app.base()
    await app.set_clock(base)
    await app.produce(SIGNALS, [signal_envelope(signal("001-sc", at=base - HOUR))])
    play = await app.wait_opened("001-sc")
    lost = await app.http.post(
        f"/v1/plays/{play['id']}/close", json={"outcome": "lost", "reason": "no budget"}
    )
    assert lost.status_code == 200, lost.text
    period = {"since": (base - 2 * HOUR).isoformat(), "until": (base + HOUR).isoformat()}
    card = (await app.http.get("/v1/metrics/scorecard", params=period)).json()
    # other tests' plays may expire in the same period: check the figures agree
    metrics = card["metrics"]
    decided = metrics["won"] + metrics["lost"] + metrics["expired"]
    assert card["decided"] == decided >= 1
    assert sum(g["decided"] for g in card["by_signal_type"]) == decided
    assert sum(g["decided"] for g in card["by_surfaced_by"]) == decided
    usage = next(g for g in card["by_signal_type"] if g["group"] == "usage_ceiling")
    assert usage["rate_pct"] == round(100 * usage["won"] / usage["decided"], 2)
    target = card["targets"]["win_rate_pct"]
    assert (target["value"], target["direction"], target["unit"]) == (25.0, "at_least", "%")
    assert target["actual"] == metrics["win_rate_pct"]
    assert target["met"] is (metrics["win_rate_pct"] >= 25)
    assert card["amounts"]["lost_plays"] == metrics["lost"] + metrics["expired"]
    assert card["amounts"]["lost_amount"] >= play["expected_amount"]
    assert card["amounts"]["won_amount"] == metrics["won_acv"]
    assert card["credit"]["csm_share"] == 0.4
    assert "eligible" in card["definitions"]["opportunity_creation_rate_pct"]
