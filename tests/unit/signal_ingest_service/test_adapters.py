"""The pure parts of the adapters: state codec, cache, catalog store, conversions."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from fastapi import HTTPException

from services.signal_ingest.adapters.state_cache import StateCache
from services.signal_ingest.adapters.state_codec import decode_state, encode_state
from services.signal_ingest.api import decode_cursor, encode_cursor
from services.signal_ingest.catalog_store import CatalogStore
from services.signal_ingest.consumer import register_schemas, to_event, to_play_update
from services.signal_ingest.domain import (
    AccountState,
    CatalogError,
    record_play_event,
    state_to_dict,
)
from services.signal_ingest.ports import AccountRecord
from services.signal_ingest.settings import SignalIngestSettings
from shared.kafka.consumer import Consumed
from shared.messages.envelope import Envelope, SchemaRegistry
from shared.messages.inbound import UsageMetricEvent
from tests.unit.signal_ingest.builders import (
    ACCOUNT,
    ANALYTICS,
    SAMPLE_CATALOG,
    T0,
    day,
    event,
    metric,
    note,
    profile,
    run,
    ticket,
    workaround,
)


def _busy_state() -> AccountState:
    state = AccountState(ACCOUNT)
    run(
        state,
        profile(day(-1), health="yellow"),
        metric(85, at=day(0), module="workflow"),
        metric(55, limit=None, name="active_seats", module="workflow", at=day(0.5)),
        ticket("ana", at=day(1)),
        ticket("ben", at=day(1), escalation=True),
        workaround(at=day(1)),
        event("account.escalation", {"escalation_id": "E1", "status": "opened"}, day(1)),
        event(
            "account.renewal",
            {"product": "workflow_platform", "status": "renewed", "renewal_date": "2026-10-30"},
            day(1),
        ),
        event(
            "account.stakeholder",
            {
                "contact_id": "c1",
                "name": "Dana",
                "title": "CISO",
                "persona": "ciso",
                "change": "added",
            },
            day(1),
        ),
        note("competitor_purchase", "They bought Tableau last quarter.", at=day(2)),
    )
    for i in range(40):  # enough samples for day compaction (counts != 1)
        run(state, metric(50 + i % 7, at=day(3 + i / 10)))
    record_play_event(state, "p1", ANALYTICS, "lost", day(4))
    return state


def test_fast_codec_writes_the_domain_format_v2() -> None:
    state = _busy_state()
    raw = encode_state(state)
    assert orjson.loads(raw) == state_to_dict(state)
    assert orjson.loads(raw)["v"] == 2
    assert any(len(s) == 4 for u in orjson.loads(raw)["usage"] for s in u["samples"]), (
        "compacted samples (count) are covered"
    )
    assert any(s[2] is None for u in orjson.loads(raw)["usage"] for s in u["samples"]), (
        "samples without a limit are covered"
    )
    assert all(type(s[0]) is int for u in orjson.loads(raw)["usage"] for s in u["samples"]), (
        "sample times are epoch microseconds"
    )
    assert state_to_dict(decode_state(raw)) == state_to_dict(state)
    assert decode_state(raw) == state


def test_cache_hands_entries_out_once_and_evicts_the_oldest() -> None:
    cache = StateCache(max_entries=2)
    for i, name in enumerate("abc"):
        cache.put(name, i, 100 + i, AccountRecord(AccountState(name)))
    assert len(cache) == 2 and cache.peek("a") is None
    taken = cache.take("b")
    assert taken is not None and taken.version == 1 and taken.xmin == 101
    assert cache.take("b") is None  # a failed batch cannot reuse a mutated state
    assert StateCache(max_entries=0).take("x") is None


def test_catalog_store_refuses_a_bad_file_and_keeps_the_last_good_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("core_products: []\nadjacent_products: []\n")
    with pytest.raises(CatalogError, match="core_products"):
        CatalogStore(bad)

    path = tmp_path / "catalog.yaml"
    shutil.copy(SAMPLE_CATALOG, path)
    store = CatalogStore(path)
    good = store.current()
    path.write_text(path.read_text().replace("extends: [workflow_platform]", "extends: [nope]"))
    with pytest.raises(CatalogError, match="unknown core product 'nope'"):
        store.reload()
    assert store.current() is good

    text = SAMPLE_CATALOG.read_text().replace("version: 1", "version: 2")
    path.write_text(text)
    stamp = path.stat().st_mtime + 5
    os.utime(path, (stamp, stamp))
    store._checked = 0.0  # skip the once-a-second throttle
    assert store.current().version == 2 and store.describe()["version"] == 2


def _consumed(envelope: Envelope, registry: SchemaRegistry) -> Consumed:
    decoded, payload = registry.decode(envelope.encode())
    return Consumed(decoded, payload, record=None)  # type: ignore[arg-type]


def test_envelopes_become_canonical_events_and_play_updates() -> None:
    registry = SchemaRegistry()
    register_schemas(registry)
    source_event = metric(81)
    envelope = Envelope(
        id=f"product:{source_event.id}",
        type="usage.metric",
        account_id=ACCOUNT,
        occurred_at=T0,
        source="product",
        payload=source_event.data.model_dump(mode="json"),
    )
    rebuilt = to_event(_consumed(envelope, registry))
    assert isinstance(rebuilt, UsageMetricEvent)
    assert rebuilt.id == source_event.id and rebuilt.data == source_event.data
    assert rebuilt.occurred_at == T0 and rebuilt.source == "product"

    play = {
        "play_id": "p1",
        "account_id": ACCOUNT,
        "adjacent_product": ANALYTICS,
        "template": "joint-14",
        "state": "open",
        "opened_at": T0.isoformat(),
        "signal_occurred_at": T0.isoformat(),
        "deadline": day(14).isoformat(),
    }
    opened = Envelope(
        id="p1:1",
        type="PlayOpened",
        account_id=ACCOUNT,
        occurred_at=day(1),
        payload={"event": {}, "play": play},
    )
    update = to_play_update(_consumed(opened, registry))
    assert update is not None and (update.play_id, update.state, update.at) == (
        "p1",
        "open",
        day(1),
    )
    assert to_event(_consumed(opened, registry)) is None


def test_cursor_round_trip_and_garbage_is_a_422() -> None:
    at = datetime(2026, 11, 2, 14, 0, 0, 123456, tzinfo=UTC)
    assert decode_cursor(encode_cursor(at, "sig-1")) == (at, "sig-1")
    for garbage in ("nope", "' OR 1=1 --", encode_cursor(at, "x")[:-3] + "!!!", "W10"):
        with pytest.raises(HTTPException) as exc:
            decode_cursor(garbage)
        assert exc.value.status_code == 422


def test_settings_default_to_big_consumer_batches() -> None:
    # Bigger than the other services' batches (fewer state writes per event),
    # bounded by memory: see the measurements beside the setting.
    from shared.settings import ServiceSettings

    settings = SignalIngestSettings(database_url="postgresql://x/y", kafka_bootstrap_servers="k:1")
    shared_default = ServiceSettings.model_fields["consumer_max_records"].default
    assert settings.consumer_max_records == 5_000 > shared_default


def test_fast_event_assembly_equals_model_construct_for_every_type() -> None:
    from services.signal_ingest.consumer import EVENT_MODELS, _assemble
    from tests.unit.signal_ingest.builders import event as build

    samples = {
        "usage.metric": metric(81),
        "usage.workaround": workaround(),
        "ticket.opened": ticket("ana"),
        "ticket.closed": ticket("ana", closed=True),
        "account.profile": profile(),
        "account.renewal": build(
            "account.renewal",
            {"product": "workflow_platform", "status": "renewed", "renewal_date": "2027-01-01"},
        ),
        "account.escalation": build(
            "account.escalation", {"escalation_id": "E", "status": "opened"}
        ),
        "account.stakeholder": build(
            "account.stakeholder",
            {"contact_id": "c", "name": "N", "persona": "ciso", "change": "added"},
        ),
        "account.note": note("qbr"),
    }
    assert set(samples) == set(EVENT_MODELS)
    for type_, original in samples.items():
        cls = EVENT_MODELS[type_][1]
        values = {name: getattr(original, name) for name in type(original).model_fields}
        fast = _assemble(cls, dict(values))
        assert type(fast) is type(original) is cls
        assert fast == cls.model_construct(**values) == original
        assert fast.model_dump() == original.model_dump() and fast.type == original.type
