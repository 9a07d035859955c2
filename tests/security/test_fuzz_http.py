"""Hypothesis through the real HTTP endpoints, correctly signed so the body is what is
tested: any JSON value or any bytes gets a clear answer (202 / 200, or a 4xx with a
reason), never a 5xx; and nothing accepted makes a consumer give up on it (the
dead-letter topics stay empty)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.kafka.topics import dlq
from shared.signature import sign
from tests.security.conftest import System
from tests.security.strategies import (
    churnzero_body,
    events_body,
    gainsight_body,
    to_json,
    valid_event,
    valid_webhook,
    webhook_body,
)
from tests.security.support import (
    INGEST_SECRET,
    LONG_RUN,
    ORG_ID,
    WEBHOOK_SECRET,
    count,
    in_thread,
    max_examples,
)
from tests.support.kafka import consumer_lag, read_all

FUZZ = settings(
    max_examples=max_examples(150),
    deadline=None,
    database=None,
    derandomize=not LONG_RUN,
    suppress_health_check=list(HealthCheck),
)
bodies = st.one_of(st.binary(max_size=2048), st.just(b""), st.just(b"null"))


def _fuzz(
    suite: str,
    url: str,
    headers: Callable[[bytes], dict[str, str]],
    strategy: st.SearchStrategy[bytes],
    allowed: set[int],
) -> Counter[int]:
    statuses: Counter[int] = Counter()
    with httpx.Client(timeout=30, trust_env=False) as http:

        @FUZZ
        @given(body=strategy)
        def run(body: bytes) -> None:
            response = http.post(url, content=body, headers=headers(body))
            statuses[response.status_code] += 1
            ok = response.status_code in allowed
            if ok and response.status_code >= 400:  # a clear reason, not a bare refusal
                answer = response.json()
                rejected = answer.get("rejected")
                ok = bool(answer.get("detail")) or (
                    isinstance(rejected, list) and all(r.get("error") for r in rejected)
                )
            count(suite, ok, f"{response.status_code} for {body[:120]!r}: {response.text[:200]}")
            assert ok, (response.status_code, body[:300], response.text[:300])

        run()
    print(f"\n{suite}: statuses {dict(sorted(statuses.items()))}")
    return statuses


def _ingest_headers(source: str | None) -> Callable[[bytes], dict[str, str]]:
    def headers(body: bytes) -> dict[str, str]:
        out = {
            "X-Crosssell-Signature": sign(INGEST_SECRET.encode(), body, int(time.time())),
            "Content-Type": "application/json",
        }
        if source:
            out["X-Crosssell-Source"] = source
        return out

    return headers


def _webhook_headers(body: bytes) -> dict[str, str]:
    return {
        "X-Crosssell-Signature": sign(WEBHOOK_SECRET.encode(), body, int(time.time())),
        "Content-Type": "application/json",
    }


INGEST_ANSWERS = {202, 400, 422}


async def test_events_endpoint_answers_any_json_and_any_bytes(system: System) -> None:
    url = system.ingest.url("/v1/events")
    strategy = st.one_of(events_body.map(to_json), bodies)
    statuses = await in_thread(
        lambda: _fuzz(
            "hypothesis HTTP /v1/events", url, _ingest_headers("product"), strategy, INGEST_ANSWERS
        )
    )
    assert statuses[422] and statuses[400]


async def test_churnzero_endpoint_answers_any_json_and_any_bytes(system: System) -> None:
    url = system.ingest.url("/v1/ingest/churnzero")
    strategy = st.one_of(churnzero_body.map(to_json), bodies)
    await in_thread(
        lambda: _fuzz(
            "hypothesis HTTP /v1/ingest/churnzero",
            url,
            _ingest_headers(None),
            strategy,
            INGEST_ANSWERS,
        )
    )


async def test_gainsight_endpoint_answers_any_json_and_any_bytes(system: System) -> None:
    url = system.ingest.url("/v1/ingest/gainsight")
    strategy = st.one_of(gainsight_body.map(to_json), bodies)
    await in_thread(
        lambda: _fuzz(
            "hypothesis HTTP /v1/ingest/gainsight",
            url,
            _ingest_headers(None),
            strategy,
            INGEST_ANSWERS,
        )
    )


async def test_salesforce_webhook_answers_any_json_and_any_bytes(system: System) -> None:
    url = system.crm.url("/v1/salesforce/webhook")
    strategy = st.one_of(webhook_body.map(to_json), bodies)
    await in_thread(
        lambda: _fuzz(
            "hypothesis HTTP /v1/salesforce/webhook",
            url,
            _webhook_headers,
            strategy,
            {200, 400, 403},
        )
    )


async def test_valid_events_with_hostile_strings_are_accepted_or_rejected(
    system: System,
) -> None:
    url = system.ingest.url("/v1/events")
    strategy = st.lists(valid_event("product"), min_size=1, max_size=5).map(
        lambda events: to_json({"events": events})
    )
    statuses = await in_thread(
        lambda: _fuzz(
            "hypothesis HTTP /v1/events (valid shape, hostile strings)",
            url,
            _ingest_headers("product"),
            strategy,
            {202, 422},
        )
    )
    assert statuses[202] > 0


async def test_valid_webhooks_with_hostile_strings_are_applied_or_refused(
    system: System,
) -> None:
    url = system.crm.url("/v1/salesforce/webhook")
    strategy = valid_webhook(ORG_ID).map(to_json)
    statuses = await in_thread(
        lambda: _fuzz(
            "hypothesis HTTP /v1/salesforce/webhook (valid shape, hostile strings)",
            url,
            _webhook_headers,
            strategy,
            {200, 400},
        )
    )
    assert statuses[200] > 0


async def test_what_was_accepted_was_processed_not_dead_lettered(system: System) -> None:
    """Runs after the fuzzing above: every event it got accepted was consumable."""
    iso = system.iso
    # Let the consumers (and their retries) catch up: not a fixed 3 s (which a slow
    # retry could outlast) but until nothing is in flight: no unsent outbox row and
    # every consumer group committed to the end. A consumer's dead letters are
    # acknowledged before it commits the batch, so every dead letter is there now.
    await _until_idle(system)
    topics = (
        "crosssell.events",
        "crosssell.signals",
        "crosssell.plays",
        "crosssell.crm",
    )
    # Each DLQ read from its start, all at once (one after the other they took 9 s).
    reads = [read_all(iso.bootstrap, iso.topic(dlq(topic)), timeout_s=1.5) for topic in topics]
    dead: list[Any] = [r for records in await asyncio.gather(*reads) for r in records]
    reasons = [dict(r.headers).get("error", b"").decode(errors="replace")[:200] for r in dead] or [
        "none"
    ]
    count("accepted fuzz events consumed (no DLQ)", not dead, "; ".join(reasons[:3]))
    assert not dead, f"{len(dead)} fuzzed events dead-lettered: {reasons[:5]}"
    body = orjson.dumps({"events": []})
    async with httpx.AsyncClient(timeout=10) as http:  # the service is still healthy
        assert (await http.get(system.ingest.url("/readyz"))).status_code == 200
        response = await http.post(
            system.ingest.url("/v1/events"), content=body, headers=_ingest_headers("product")(body)
        )
        assert response.status_code == 422


async def _until_idle(system: System, timeout_s: float = 30.0) -> None:
    """Until nothing is in flight in the three services, seen twice in a row (a relay
    may publish between the two reads of one pass); at most ``timeout_s``."""
    groups = {
        system.iso.topic_prefix + consumer.name: list(consumer.topics)
        for service in system.services
        for consumer in service.app.state.runtime.consumers
    }
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    idle_passes = 0
    while idle_passes < 2 and loop.time() < deadline:
        unsent = 0
        for service in system.services:
            unsent += int(await service.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
        lag = await consumer_lag(system.iso.bootstrap, groups)
        idle_passes = idle_passes + 1 if unsent == 0 and lag == 0 else 0
        if idle_passes < 2:
            await asyncio.sleep(0.2)
    if idle_passes < 2:
        print(f"still busy after {timeout_s:.0f}s (unsent {unsent}, lag {lag}); reading the DLQs")
