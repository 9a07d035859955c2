"""Pain by meaning end to end (issue 17): three operators describe the same pain
in words that share no catalog phrase or topic; a qualified ``adjacent_pain``
signal appears with their sentences, the catalog example each resembles and
the similarity. Real PostgreSQL, the real broker, the real model (in the
service's embedding worker process). Odd tickets in the same stream (empty,
at the schema's 20,000-character cap, another language, 100 KB) do not block it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from services.signal_ingest.domain import load_catalog
from shared.signature import sign
from tests.support.isolation import new_isolation
from tests.support.kafka import wait_until

from .harness import SAMPLE_CATALOG, SECRET, Pipeline, ago, canonical, running

SECURITY = "security_compliance"
ACCOUNT = "001MEAN00001"
PEOPLE = [
    (
        "m1",
        "Dana Admin",
        "IT Administrator",
        "No record of a rights change",
        "Somebody removed Marta's editing rights on Tuesday and the tool keeps no record "
        "of which admin did it.",
    ),
    (
        "m2",
        "Eli Sec",
        "Security Lead",
        "Staff still active after leaving",
        "Three former employees could still open our workspace weeks after their last day.",
    ),
    (
        "m3",
        "Fay Risk",
        "Risk Manager",
        "Our regulator wants proof",
        "The regulator asked us to show who looked at client files last quarter, and we "
        "cannot produce it.",
    ),
]


@pytest.fixture(scope="module")
async def pipeline(
    pg_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Pipeline]:
    tmp = tmp_path_factory.mktemp("pain-meaning")
    async with running(new_isolation(pg_url, kafka_bootstrap, tmp), tmp) as p:
        yield p


def _profile(account: str) -> dict[str, Any]:
    renewal = (datetime.now(UTC) + timedelta(days=300)).date().isoformat()
    product = {
        "product": "service_desk",
        "tier": "business",
        "acv": 90_000,
        "renewal_date": renewal,
        "adoption_pct": 85,
    }
    data = {
        "name": f"Customer {account}",
        "csm_owner": "Casey",
        "ae_owner": "Alex",
        "health": "green",
        "products": [product],
    }
    return canonical(account, "account.profile", data, "salesforce", ago(days=3))


def _ticket(i: int, cid: str, name: str, role: str, subject: str, text: str) -> dict[str, Any]:
    data = {
        "ticket_id": f"TM-{i}",
        "requester": {"contact_id": cid, "name": name, "role": role},
        "subject": subject,
        "description": text,
        "topics": [],
    }
    return canonical(ACCOUNT, "ticket.opened", data, "support", ago(hours=10 - i))


async def _post_raw(pipeline: Pipeline, events: list[dict[str, Any]]) -> dict[str, Any]:
    body = orjson.dumps({"events": events})
    headers = {
        "X-Crosssell-Source": "support",
        "X-Crosssell-Signature": sign(SECRET.encode(), body, int(time.time())),
        "Content-Type": "application/json",
    }
    response = await pipeline.http.post("/v1/events", content=body, headers=headers)
    assert response.status_code == 202, response.text
    result: dict[str, Any] = response.json()
    return result


def test_the_operators_words_share_no_catalog_phrase_or_topic() -> None:
    security = load_catalog(Path(SAMPLE_CATALOG)).adjacent(SECURITY)
    assert security is not None
    for *_, subject, text in PEOPLE:
        assert security.pain_match([], subject, text) == []


async def test_three_operators_in_their_own_words_qualify_adjacent_pain(
    pipeline: Pipeline,
) -> None:
    await pipeline.post("salesforce", [_profile(ACCOUNT)])
    await pipeline.wait_account(ACCOUNT, lambda v: v["name"] == f"Customer {ACCOUNT}")
    odd = [
        _ticket(10, "x1", "Empty", "", "", ""),
        _ticket(11, "x2", "Long", "", "Long log", "Line of a pasted log file. " * 740),
        _ticket(12, "x3", "Rosa", "", "Factura duplicada", "Nos cobraron dos veces este mes."),
    ]
    pain = [_ticket(i, *person) for i, person in enumerate(PEOPLE)]
    huge = _ticket(13, "x4", "Huge", "", "Huge", "x" * 100_000)
    result = await _post_raw(pipeline, [*odd, pain[0], huge, *pain[1:]])
    assert result["accepted"] == 6 and len(result["rejected"]) == 1  # 100 KB: over the cap

    async def qualified() -> list[dict[str, Any]] | None:
        items = await pipeline.signals(account_id=ACCOUNT, type="adjacent_pain")
        return items or None

    (signal,) = await wait_until(qualified, timeout_s=120, interval_s=0.5)
    assert (signal["adjacent_product"], signal["status"]) == (SECURITY, "qualified")
    evidence = {t["requester"]["name"]: t for t in signal["evidence"]["tickets"]}
    assert set(evidence) == {name for _, name, *_ in PEOPLE}
    for _, name, _, subject, text in PEOPLE:
        ticket = evidence[name]
        assert ticket["subject"] == subject and ticket["quote"] in text
        assert ticket["matched"] == []
        near = ticket["resembles"]
        assert (
            near["example"] in load_catalog(Path(SAMPLE_CATALOG)).adjacent(SECURITY).pain_examples
        )  # type: ignore[union-attr]
        assert 0.42 <= near["score"] <= near["similarity"] <= 1
    view = await pipeline.wait_account(ACCOUNT, lambda v: v["signals"])
    assert len(view["signals"]) == 1
