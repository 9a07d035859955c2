"""The demo's HTTP client against a scripted transport: batching, signing,
retrying 503, paging, and the errors a user gets when the system is not up."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from crosssell.demo.book import generate_book
from crosssell.demo.client import Api, DemoError, IngestTotals, Session, batches, load_session
from shared.signature import verify_signature

SECRET = "s3cret-for-tests"
SESSION = Session(
    api_key="key-123",
    urls={"signal_ingest": "http://si.test", "play_orchestrator": "http://po.test"},
    sf_emulator=None,
    sf_ca_path=None,
    ingest_secret=SECRET,
)


def api(handler: Any) -> Api:
    return Api(SESSION, transport=httpx.MockTransport(handler), backoff_s=0.001)


def test_batches_hold_one_source_and_each_account_in_time_order() -> None:
    events = generate_book(7, 12, now=datetime(2026, 11, 2, tzinfo=UTC))
    seen: Counter[str] = Counter()
    last: dict[str, str] = {}
    for source, batch in batches(events, size=500):
        assert 0 < len(batch) <= 500
        assert {e["source"] for e in batch} == {source}
        for event in batch:
            assert event["occurred_at"] >= last.get(event["account_id"] + source, "")
            last[event["account_id"] + source] = event["occurred_at"]
        seen.update(e["id"] for e in batch)
    assert sorted(seen) == sorted(e["id"] for e in events) and set(seen.values()) == {1}


def test_a_batch_is_signed_and_a_503_is_retried() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) < 3:
            return httpx.Response(503, json={"detail": "broker unavailable; retry"})
        return httpx.Response(202, json={"accepted": 1, "duplicates": 1, "rejected": []})

    batch = [{"id": "evt-1", "source": "product"}, {"id": "evt-2", "source": "product"}]
    answer = api(handler).post_batch("product", batch)
    assert answer["accepted"] == 1 and len(calls) == 3
    request = calls[-1]
    assert request.url.path == "/v1/events"
    assert request.headers["X-Crosssell-Source"] == "product"
    body = request.content
    assert json.loads(body) == {"events": batch}
    verify_signature(
        SECRET.encode(), request.headers["X-Crosssell-Signature"], body, int(time.time())
    )


def test_a_refused_signature_stops_the_push_with_the_reason() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"detail": "signature refused: signature mismatch"})

    with pytest.raises(DemoError, match="signature mismatch"):
        api(handler).post_batch("csm", [{"id": "evt-1"}])


def test_rejections_keep_the_event_id_and_reason() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            422,
            json={
                "accepted": 0,
                "duplicates": 0,
                "rejected": [{"index": 0, "error": "type: unknown event type 'usage.bogus'"}],
            },
        )

    batch = [{"id": "evt-9", "source": "product"}]
    totals = IngestTotals()
    totals.add("product", api(handler).post_batch("product", batch), batch)
    assert totals.total("rejected") == 1
    assert totals.reasons == ["product evt-9: type: unknown event type 'usage.bogus'"]


def test_lists_follow_the_cursor_with_the_api_key() -> None:
    pages = {None: (["a", "b"], "c1"), "c1": (["c"], None)}

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer key-123"
        assert request.url.params["state"] == "open"
        items, cursor = pages[request.url.params.get("cursor")]
        return httpx.Response(
            200, json={"items": [{"id": i} for i in items], "next_cursor": cursor}
        )

    assert [p["id"] for p in api(handler).plays(state=["open"])] == ["a", "b", "c"]


def test_a_play_command_answer_names_the_refusal() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "PUT" and request.url.path == "/v1/plays/p1/brief"
        assert request.headers["X-Actor"] == "Sam Carter"
        return httpx.Response(
            422,
            json={
                "detail": "brief incomplete",
                "missing": ["item 4: executive sponsor (name, title)"],
            },
        )

    answer = api(handler).command("p1", "brief", {"sponsor": None}, "Sam Carter")
    assert not answer.ok and answer.status == 422
    assert answer.reason == "brief incomplete (missing: item 4: executive sponsor (name, title))"


def test_not_running_says_run_crosssell_up_first() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(DemoError, match="run `crosssell up` first"):
        api(handler).check_running()


def test_session_file_and_dev_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INGEST_HMAC_SECRET", raising=False)
    with pytest.raises(DemoError, match="run `crosssell up` first"):
        load_session(tmp_path / "session.json")
    path = tmp_path / "session.json"
    path.write_text(
        json.dumps({"api_key": "k", "urls": SESSION.urls, "sf_emulator": None, "sf_ca_path": None})
    )
    with pytest.raises(DemoError, match="--ingest-secret"):
        load_session(path)
    (tmp_path / "dev-secrets.json").write_text(json.dumps({"ingest_hmac_secret": "from-file"}))
    session = load_session(path)
    assert (session.api_key, session.ingest_secret) == ("k", "from-file")
    override = load_session(path, api_key="other", ingest_secret="given")
    assert (override.api_key, override.ingest_secret) == ("other", "given")
    assert os.environ.get("INGEST_HMAC_SECRET") is None


def test_dev_secrets_per_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What ``crosssell up`` writes: one secret per source, and the emulator's admin token."""
    monkeypatch.delenv("INGEST_HMAC_SECRET", raising=False)
    path = tmp_path / "session.json"
    path.write_text(
        json.dumps({"api_key": "k", "urls": {"signal_ingest": "a", "play_orchestrator": "b"}})
    )
    (tmp_path / "dev-secrets.json").write_text(
        json.dumps(
            {
                "ingest_source_secrets": {"product": "-p", "csm": "c"},
                "sf_emulator_admin_token": "-admin",
            }
        )
    )
    session = load_session(path)
    assert (session.secret_for("product"), session.secret_for("csm")) == ("-p", "c")
    assert session.sf_admin_token == "-admin"
    given = load_session(path, ingest_secret="one")  # for the sources the file lacks
    assert (given.secret_for("product"), given.secret_for("partner")) == ("-p", "one")
