"""Signed POST /v1/events -> broker -> consumer -> PostgreSQL -> crosssell.signals
-> GET /v1/signals, against the real broker and database (one app per module)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.signal_ingest.app import create_app
from services.signal_ingest.domain import CatalogError
from tests.support.isolation import new_isolation

from .harness import Pipeline, ago, canonical, running, settings_for

ANALYTICS = "insights_analytics"
SECURITY = "security_compliance"


@pytest.fixture(scope="module")
async def pipeline(
    pg_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Pipeline]:
    tmp = tmp_path_factory.mktemp("signal-pipeline")
    async with running(new_isolation(pg_url, kafka_bootstrap, tmp), tmp) as p:
        yield p


def profile(account: str, at: str | None = None, health: str = "green", tier: str = "business"):  # type: ignore[no-untyped-def]
    renewal = (datetime.now(UTC) + timedelta(days=300)).date().isoformat()
    data = {
        "name": f"Customer {account}",
        "csm_owner": "Casey",
        "ae_owner": "Alex",
        "health": health,
        "products": [
            {
                "product": "workflow_platform",
                "tier": tier,
                "acv": 120_000,
                "renewal_date": renewal,
                "adoption_pct": 85,
            }
        ],
    }
    return canonical(account, "account.profile", data, "salesforce", at or ago(days=3))


def usage(account: str, value: float, at: str, metric: str = "api_calls") -> dict[str, Any]:
    data = {"product": "workflow_platform", "metric": metric, "value": value, "limit": 100}
    return canonical(account, "usage.metric", data, "product", at)


def escalation(account: str, status: str, at: str) -> dict[str, Any]:
    return canonical(
        account, "account.escalation", {"escalation_id": "ESC-1", "status": status}, "support", at
    )


async def healthy(pipeline: Pipeline, account: str) -> None:
    await pipeline.post("salesforce", [profile(account)])
    await pipeline.wait_account(account, lambda v: v["name"] == f"Customer {account}")


async def test_usage_ceiling_at_80_percent_opens_a_play_and_79_does_not(
    pipeline: Pipeline,
) -> None:
    account = "001PIPE00001"
    await healthy(pipeline, account)
    await pipeline.post("product", [usage(account, 79, ago(hours=3))])
    view = await pipeline.wait_account(account, lambda v: v["usage"])
    assert view["usage"][0]["percent_of_limit"] == 79.0
    assert await pipeline.signals(account_id=account) == []

    await pipeline.post("product", [usage(account, 80, ago(hours=2))])
    (signal,) = await pipeline.wait_signals(account, 1)
    assert (signal["type"], signal["status"], signal["adjacent_product"]) == (
        "usage_ceiling",
        "qualified",
        ANALYTICS,
    )
    assert signal["evidence"]["value"] == 80 and signal["evidence"]["percent"] == 80
    assert signal["surfaced_by"] == "system" and signal["source"] == "product"

    ((kind, envelope),) = await pipeline.messages(account, 1)
    payload = envelope["payload"]
    assert kind == "SignalQualified" and envelope["id"] == f"{signal['id']}:qualified"
    assert payload["opens_play"] is True and payload["play_score"] >= payload["play_threshold"]
    assert payload["evidence"]["numbers"]["percent"] == 80
    assert payload["account"]["name"] == f"Customer {account}"
    assert payload["account"]["core_product"] == "workflow_platform"
    assert payload["account"]["core_acv"] == 120_000

    view = (await pipeline.account(account)).json()
    assert view["products"][0]["product"] == "workflow_platform"
    assert view["usage"][0]["percent_of_limit"] == 80.0 and view["usage"][0]["limit"] == 100
    assert view["gates"][ANALYTICS]["reasons"] == [] and ANALYTICS not in view["open_gates"]
    assert view["play_scores"][ANALYTICS]["opens"] is True
    assert [s["id"] for s in view["signals"]] == [signal["id"]]


async def test_three_requesters_make_adjacent_pain_with_their_own_words(
    pipeline: Pipeline,
) -> None:
    account = "001PIPE00002"
    await healthy(pipeline, account)
    people = [("c1", "Ana Ops", "Ops Manager"), ("c2", "Ben Fin", "Analyst"), ("c3", "Cy Lead", "")]
    tickets = [
        canonical(
            account,
            "ticket.opened",
            {
                "ticket_id": f"T-{i}",
                "requester": {"contact_id": cid, "name": name, "role": role},
                "subject": f"Weekly numbers ({name})",
                "description": f"Hello. {name} here: we need a custom report for the board.",
                "topics": ["billing"],
            },
            "support",
            ago(hours=10 - i),
        )
        for i, (cid, name, role) in enumerate(people)
    ]
    await pipeline.post("support", tickets)
    (signal,) = await pipeline.wait_signals(account, 1, type="adjacent_pain")
    assert signal["adjacent_product"] == ANALYTICS and signal["status"] == "qualified"
    words = {t["requester"]["name"]: t["quote"] for t in signal["evidence"]["tickets"]}
    assert words == {n: f"{n} here: we need a custom report for the board." for _, n, _ in people}

    ((kind, envelope),) = await pipeline.messages(account, 1)
    quotes = envelope["payload"]["evidence"]["quotes"]
    assert kind == "SignalQualified"
    assert {q["contact_id"] for q in quotes} == {"c1", "c2", "c3"}
    assert all("custom report" in q["text"] and q["ticket_id"] for q in quotes)


async def test_escalation_suppresses_and_its_resolution_requalifies(pipeline: Pipeline) -> None:
    account = "001PIPE00003"
    await healthy(pipeline, account)
    await pipeline.post("support", [escalation(account, "opened", ago(hours=5))])
    await pipeline.wait_account(account, lambda v: v["open_escalations"] == ["ESC-1"])
    await pipeline.post("product", [usage(account, 90, ago(hours=4))])
    (signal,) = await pipeline.wait_signals(account, 1, status="suppressed")
    assert signal["suppression_reasons"] == ["open_escalation"]

    await pipeline.post("support", [escalation(account, "resolved", ago(hours=1))])
    await pipeline.wait_signals(account, 1, status="qualified")
    messages = await pipeline.messages(account, 2)
    assert [(k, e["id"]) for k, e in messages] == [
        ("SignalSuppressed", f"{signal['id']}:suppressed"),
        ("SignalRequalified", f"{signal['id']}:requalified"),
    ]
    suppressed, requalified = (e["payload"] for _, e in messages)
    assert suppressed["suppression_reasons"] == ["open_escalation"]
    assert not suppressed["opens_play"]
    assert requalified["status"] == "qualified" and requalified["opens_play"] is True


async def test_an_open_play_suppresses_the_next_signal_of_its_pair(pipeline: Pipeline) -> None:
    account = "001PIPE00004"
    await healthy(pipeline, account)
    await pipeline.publish_play(account, ANALYTICS, "open", "PlayOpened")
    await pipeline.wait_account(account, lambda v: "play_open" in v["gates"][ANALYTICS]["reasons"])
    await pipeline.post("product", [usage(account, 95, ago(hours=1))])
    (signal,) = await pipeline.wait_signals(account, 1)
    assert signal["status"] == "suppressed" and signal["suppression_reasons"] == ["play_open"]
    ((kind, _),) = await pipeline.messages(account, 1)
    assert kind == "SignalSuppressed"


async def test_a_renewal_never_produces_a_signal(pipeline: Pipeline) -> None:
    account = "001PIPE00005"
    await healthy(pipeline, account)
    renewals = [
        canonical(
            account,
            "account.renewal",
            {"product": "workflow_platform", "status": status, "renewal_date": "2027-01-15"},
            "salesforce",
            ago(hours=hours),
        )
        for status, hours in (("negotiating", 5), ("renewed", 1))
    ]
    await pipeline.post("salesforce", renewals)
    view = await pipeline.wait_account(
        account, lambda v: v["renewals"].get("workflow_platform", {}).get("status") == "renewed"
    )
    assert "renewal_window" in view["gates"][ANALYTICS]["reasons"]  # just closed: quiet period
    assert await pipeline.signals(account_id=account) == []
    assert view["signals"] == []


async def test_out_of_order_events_do_not_overwrite_newer_facts(pipeline: Pipeline) -> None:
    account = "001PIPE00006"
    await pipeline.post("salesforce", [profile(account, at=ago(hours=2), health="red")])
    await pipeline.wait_account(account, lambda v: v["health"] == "red")
    late = profile(account, at=ago(days=5), health="green", tier="enterprise")
    marker = escalation(account, "opened", ago(hours=1))
    marker["source"] = "salesforce"
    await pipeline.post("salesforce", [late, marker])  # same partition: applied in this order
    view = await pipeline.wait_account(account, lambda v: v["open_escalations"] == ["ESC-1"])
    assert view["health"] == "red" and view["products"][0]["tier"] == "business"

    await pipeline.post("product", [usage(account, 90, ago(minutes=30))])
    (signal,) = await pipeline.wait_signals(account, 1)
    assert signal["suppression_reasons"] == ["open_escalation", "health_at_risk"]


async def test_filters_pagination_and_validation(pipeline: Pipeline) -> None:
    account = "001PIPE00009"
    await healthy(pipeline, account)
    personas = ["head_of_data", "ciso", "director_of_operations", "it_admin", "revops_lead"]
    added = [
        canonical(
            account,
            "account.stakeholder",
            {
                "contact_id": f"c{i}",
                "name": f"Person {i}",
                "title": "Director",
                "persona": persona,
                "change": "added",
            },
            "csm",
            ago(hours=10 - i),
        )
        for i, persona in enumerate(personas)
    ]
    await pipeline.post("csm", added)
    everything = await pipeline.wait_signals(account, 5)
    assert len(everything) == 5
    detected = [s["detected_at"] for s in everything]
    assert detected == sorted(detected, reverse=True)

    pages: list[list[str]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"account_id": account, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = (await pipeline.http.get("/v1/signals", params=params, headers=pipeline.auth)).json()
        pages.append([s["id"] for s in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in p] == [s["id"] for s in everything]

    security = await pipeline.signals(account_id=account, adjacent_product=SECURITY)
    assert len(security) == 2 and {s["adjacent_product"] for s in security} == {SECURITY}
    assert len(await pipeline.signals(account_id=account, type="stakeholder_expansion")) == 5
    assert await pipeline.signals(account_id=account, status="suppressed") == []
    assert len(await pipeline.signals(account_id=account, status="qualified", limit=200)) == 5

    one = await pipeline.http.get(f"/v1/signals/{everything[0]['id']}", headers=pipeline.auth)
    assert one.status_code == 200 and one.json()["evidence"]["persona"] in personas
    missing = await pipeline.http.get("/v1/signals/sig-nope", headers=pipeline.auth)
    assert missing.status_code == 404
    assert (await pipeline.account("001NOBODY")).status_code == 404

    for bad in (
        {"status": "bogus"},
        {"type": "renewal"},
        {"limit": 0},
        {"limit": 201},
        {"limit": "ten"},
        {"adjacent_product": "x' OR 1=1 --"},
        {"cursor": "garbage"},
        {"account_id": "x" * 65},
    ):
        response = await pipeline.http.get("/v1/signals", params=bad, headers=pipeline.auth)
        assert response.status_code == 422, (bad, response.text)
    assert await pipeline.signals(account_id="' OR '1'='1") == []
    assert await pipeline.signals(account_id="x'); DROP TABLE signals; --") == []
    assert len(await pipeline.signals(account_id=account)) == 5


async def test_api_keys_and_scopes(pipeline: Pipeline) -> None:
    http = pipeline.http
    assert (await http.get("/v1/signals")).status_code == 401
    assert (await http.get("/v1/accounts/001PIPE00001")).status_code == 401
    wrong = pipeline.bearer("write")
    assert (await http.get("/v1/signals", headers=wrong)).status_code == 403
    assert (await http.get("/v1/signals/x", headers=wrong)).status_code == 403
    assert (await http.post("/v1/admin/catalog/reload", headers=pipeline.auth)).status_code == 403
    forged = {"Authorization": "Bearer csk_forged_key"}
    assert (await http.get("/v1/signals", headers=forged)).status_code == 401


async def test_catalog_reload_answers_the_version_or_keeps_the_old_one(
    pipeline: Pipeline,
) -> None:
    admin = pipeline.bearer("admin")
    good = pipeline.catalog_path.read_text()
    try:
        pipeline.catalog_path.write_text(good.replace("version: 1", "version: 7"))
        response = await pipeline.http.post("/v1/admin/catalog/reload", headers=admin)
        assert response.status_code == 200, response.text
        assert response.json()["version"] == 7
        assert ANALYTICS in response.json()["adjacent_products"]

        pipeline.catalog_path.write_text(
            good.replace("primary_metric: active_seats", "primary_metric: x")
        )
        response = await pipeline.http.post("/v1/admin/catalog/reload", headers=admin)
        assert response.status_code == 422
        assert "primary_metric" in response.json()["detail"]
        assert response.json()["serving"]["version"] == 7
    finally:
        pipeline.catalog_path.write_text(good)
    response = await pipeline.http.post("/v1/admin/catalog/reload", headers=admin)
    assert response.status_code == 200 and response.json()["version"] == 1


def test_an_invalid_catalog_stops_the_service_at_start(tmp_path: Path, pg_url: str) -> None:
    bad = tmp_path / "catalog.yaml"
    bad.write_text("version: 1\ncore_products:\n  - id: x\n")
    isolated = new_isolation(pg_url, "127.0.0.1:9", tmp_path)
    with pytest.raises(CatalogError, match=r"catalog\.yaml.*core_products\[0\]"):
        create_app(settings_for(isolated, bad))
