"""Gates hold whatever order an account's facts and its trigger arrive in.

Over HTTP, with the real broker and PostgreSQL: signal_ingest and
play_orchestrator running, for every gate whose fact comes from an event, the
facts and a usage event at 85% of a tier limit are sent in one request (facts
first, trigger first) and in two requests (facts first, trigger first). All
four give the same final status and reasons, and no play opens for an at-risk
account; a healthy account qualifies and opens a play in all four (SPEC
sections 4 and 5).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.play_orchestrator.app import create_app as create_plays_app
from services.play_orchestrator.settings import PlayOrchestratorSettings
from shared.auth import create_key
from shared.db.engine import create_engine
from tests.integration.signal_ingest.harness import Pipeline, ago, canonical, running
from tests.support.http import serve
from tests.support.isolation import Isolation, new_isolation
from tests.support.kafka import wait_until

ANALYTICS = "insights_analytics"
ORDERS = (
    "one-request-facts-first",
    "one-request-trigger-first",
    "facts-then-trigger",
    "trigger-then-facts",
)


def _day(days: float) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def _profile(
    account: str,
    *,
    health: str = "green",
    adoption: float = 85,
    renewal_in: int = 300,
    also_owns: str | None = None,
) -> dict[str, Any]:
    products = [
        {
            "product": "workflow_platform",
            "tier": "business",
            "acv": 120_000,
            "renewal_date": _day(renewal_in),
            "adoption_pct": adoption,
        }
    ]
    if also_owns:
        products.append(
            {
                "product": also_owns,
                "tier": "standard",
                "acv": 40_000,
                "renewal_date": _day(300),
                "adoption_pct": 70,
            }
        )
    data = {
        "name": f"Customer {account}",
        "csm_owner": "Casey",
        "ae_owner": "Alex",
        "health": health,
        "products": products,
    }
    return canonical(account, "account.profile", data, "salesforce", ago(days=3))


def _declining(account: str) -> list[dict[str, Any]]:
    """Active seats 100 for the month before last, 70 over the last one (-30%)."""

    def seats(value: float, days_ago: int) -> dict[str, Any]:
        data = {
            "product": "workflow_platform",
            "metric": "active_seats",
            "value": value,
            "limit": None,
        }
        return canonical(account, "usage.metric", data, "product", ago(days=days_ago))

    return [seats(100, d) for d in range(58, 31, -3)] + [seats(70, d) for d in range(28, 1, -3)]


FACTS: dict[str, Callable[[str], list[dict[str, Any]]]] = {
    "healthy": lambda a: [_profile(a)],
    "open_escalation": lambda a: [
        _profile(a),
        canonical(
            a,
            "account.escalation",
            {"escalation_id": "ESC-1", "status": "opened"},
            "support",
            ago(days=2),
        ),
    ],
    "renewal_negotiation": lambda a: [
        _profile(a),
        canonical(
            a,
            "account.renewal",
            {"product": "workflow_platform", "status": "negotiating", "renewal_date": _day(200)},
            "salesforce",
            ago(days=2),
        ),
    ],
    "renewal_window": lambda a: [_profile(a, renewal_in=30)],
    "low_adoption": lambda a: [_profile(a, adoption=55)],
    "declining_usage": lambda a: [_profile(a), *_declining(a)],
    "health_at_risk": lambda a: [_profile(a, health="red")],
    "competitor_bought": lambda a: [
        _profile(a),
        canonical(
            a,
            "account.note",
            {
                "kind": "competitor_purchase",
                "text": "They signed with Tableau.",
                "competitor": "Tableau",
                "author_role": "csm",
            },
            "csm",
            ago(days=20),
        ),
    ],
    "already_owned": lambda a: [_profile(a, also_owns=ANALYTICS)],
}


def _trigger(account: str) -> dict[str, Any]:
    data = {"product": "workflow_platform", "metric": "api_calls", "value": 85, "limit": 100}
    return canonical(account, "usage.metric", data, "product", ago(hours=1))


def _requests(facts: list[dict[str, Any]], trigger: dict[str, Any], order: str) -> list[list]:  # type: ignore[type-arg]
    return {
        "one-request-facts-first": [[*facts, trigger]],
        "one-request-trigger-first": [[trigger, *facts]],
        "facts-then-trigger": [facts, [trigger]],
        "trigger-then-facts": [[trigger], facts],
    }[order]


def _account(gate: str, order: str) -> str:
    return f"001ORD{list(FACTS).index(gate):02d}{ORDERS.index(order)}"


@pytest.fixture(scope="module")
async def system(
    pg_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Pipeline, Isolation, httpx.AsyncClient]]:
    tmp = tmp_path_factory.mktemp("gates-any-order")
    iso = new_isolation(pg_url, kafka_bootstrap, tmp)
    _, key = create_key(iso.api_keys_file, ["read"])
    settings = PlayOrchestratorSettings.load(
        database_url=iso.pg_url,
        kafka_bootstrap_servers=iso.bootstrap,
        db_schema=iso.schema("play_orchestrator"),
        topic_prefix=iso.topic_prefix,
        api_keys_file=iso.api_keys_file,
        log_level="WARNING",
    )
    async with (
        running(iso, tmp) as pipeline,
        serve(create_plays_app(settings)) as plays_url,
        httpx.AsyncClient(
            base_url=plays_url, timeout=20, headers={"Authorization": f"Bearer {key}"}
        ) as plays,
    ):
        await wait_until(lambda: _ready(plays), timeout_s=30)
        yield pipeline, iso, plays


async def _ready(http: httpx.AsyncClient) -> bool:
    return (await http.get("/readyz")).status_code == 200


async def test_every_gate_holds_in_all_four_orders(
    system: tuple[Pipeline, Isolation, httpx.AsyncClient],
) -> None:
    pipeline, iso, plays = system
    cases = [(gate, order) for gate in FACTS for order in ORDERS]
    batches = {
        (gate, order): _requests(
            FACTS[gate](_account(gate, order)), _trigger(_account(gate, order)), order
        )
        for gate, order in cases
    }
    for step in (0, 1):  # every case's first request, then every second one
        for requests in batches.values():
            if step < len(requests):
                # one request has one signer, and an event's source must be it
                await pipeline.post("product", [dict(e, source="product") for e in requests[step]])

    expected = {
        (gate, order): ("qualified", []) if gate == "healthy" else ("suppressed", [gate])
        for gate, order in cases
    }
    final: dict[tuple[str, str], tuple[str, list[str]]] = {}

    async def settled() -> bool:
        for case in cases:
            items = await pipeline.signals(account_id=_account(*case), type="usage_ceiling")
            final[case] = (
                (items[0]["status"], items[0]["suppression_reasons"]) if items else ("none", [])
            )
        return final == expected

    with contextlib.suppress(AssertionError):  # the comparison below names what differs
        await wait_until(settled, timeout_s=90, interval_s=1)
    assert {c: v for c, v in final.items() if v != expected[c]} == {}

    # play_orchestrator has applied each account's last signal decision when its
    # stored status is the final one; only then is "no play" an observation.
    engine = create_engine(iso.async_url, iso.schema("play_orchestrator"), pool_size=1)
    try:

        async def plays_settled() -> bool:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    text(
                        "SELECT account_id, status FROM signals "
                        "WHERE ref->>'type' = 'usage_ceiling'"
                    )
                )
                stored.update({r.account_id: r.status for r in rows})
            return all(stored.get(_account(*c)) == expected[c][0] for c in cases)

        stored: dict[str, str] = {}
        with contextlib.suppress(AssertionError):
            await wait_until(plays_settled, timeout_s=60, interval_s=1)
        differ = {c: stored.get(_account(*c)) for c in cases}
        assert {c: v for c, v in differ.items() if v != expected[c][0]} == {}
    finally:
        await engine.dispose()

    opened: dict[str, list[str]] = {}
    for case in cases:
        response = await plays.get("/v1/plays", params={"account_id": _account(*case)})
        assert response.status_code == 200, response.text
        opened[_account(*case)] = [p["adjacent_product"] for p in response.json()["items"]]

    async def healthy_opened() -> bool:
        for order in ORDERS:
            response = await plays.get(
                "/v1/plays", params={"account_id": _account("healthy", order)}
            )
            opened[_account("healthy", order)] = [
                p["adjacent_product"] for p in response.json()["items"]
            ]
        return all(opened[_account("healthy", o)] == [ANALYTICS] for o in ORDERS)

    await wait_until(healthy_opened, timeout_s=60, interval_s=1)
    at_risk = {c: opened[_account(*c)] for c in cases if c[0] != "healthy"}
    assert at_risk == {c: [] for c in at_risk}
