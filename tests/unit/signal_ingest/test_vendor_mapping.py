"""ChurnZero and Gainsight mappings: good payloads map, bad ones are rejected
with a reason, and no JSON value makes the mapper raise."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.signal_ingest.domain.mapping_config import (
    MappingError,
    load_mapping,
    parse_mapping,
)
from services.signal_ingest.domain.vendor_mapping import map_churnzero, map_gainsight
from shared.messages.inbound import parse_event

from .builders import MAPPINGS

CZ = load_mapping(MAPPINGS / "churnzero.yaml")
GS = load_mapping(MAPPINGS / "gainsight.yaml")
RECEIVED = datetime(2026, 11, 3, 8, tzinfo=UTC)

SEATS: dict[str, Any] = {
    "action": "trackEvent",
    "appKey": "secret-app-key",
    "accountExternalId": "0015g00000XyZ1AAA",
    "contactExternalId": "0035g00000Ab1",
    "eventName": "Seats Used",
    "eventDate": "2026-11-02T14:00:00Z",
    "quantity": 82,
    "cf_limit": "100",
    "cf_module": "workflow",
}
TICKET: dict[str, Any] = {
    "action": "trackEvent",
    "accountExternalId": "0015g00000XyZ1AAA",
    "contactExternalId": "0035g00000Ab7",
    "eventName": "support ticket opened",
    "eventDate": "2026-11-02T15:10:00Z",
    "cf_ticket_id": 48213,
    "cf_requester_name": "Priya Shah",
    "cf_requester_role": "Ops Manager",
    "cf_subject": "Need a cross-project report",
    "description": "We export to Excel every Friday.",
    "cf_topics": "reporting, dashboards",
    "cf_escalation": "false",
}


def _one(items: list, index: int = 0) -> dict[str, Any]:
    item = items[index]
    assert item.error is None, item.error
    assert item.event is not None
    parse_event(item.event)
    return item.event


def test_churnzero_track_events_map_to_canonical_events() -> None:
    items = map_churnzero([SEATS, TICKET], CZ)
    seats, tick = _one(items, 0), _one(items, 1)
    assert seats["type"] == "usage.metric" and seats["source"] == "churnzero"
    assert seats["account_id"] == "0015g00000XyZ1AAA"
    assert seats["data"] == {
        "product": "workflow_platform",
        "metric": "active_seats",
        "value": 82.0,
        "limit": 100.0,
        "module": "workflow",
    }
    assert tick["type"] == "ticket.opened"
    assert tick["data"]["requester"] == {
        "contact_id": "0035g00000Ab7",
        "name": "Priya Shah",
        "role": "Ops Manager",
    }
    assert tick["data"]["ticket_id"] == "48213"
    assert tick["data"]["topics"] == ["reporting", "dashboards"]
    assert tick["data"]["escalation"] is False


def test_churnzero_workaround_and_set_attribute() -> None:
    items = map_churnzero(
        [
            {
                "action": "trackEvent",
                "accountExternalId": "A1",
                "eventName": "Export To Spreadsheet",
                "eventDate": "2026-11-02T14:00:00Z",
                "description": "weekly export",
            },
            {
                "action": "setAttribute",
                "entity": "Account",
                "accountExternalId": "A1",
                "attr_Health": "At Risk",
                "attr_CSM": "Casey Lee",
            },
            {
                "action": "setAttribute",
                "entity": "account",
                "accountExternalId": "A1",
                "name": "Health Status",
                "value": "Healthy",
            },
        ],
        CZ,
        received_at=RECEIVED,
    )
    wa, attrs, single = (_one(items, i) for i in range(3))
    assert wa["data"] == {
        "product": "workflow_platform",
        "kind": "export_to_spreadsheet",
        "detail": "weekly export",
    }
    assert attrs["type"] == "account.profile"
    assert attrs["data"] == {"health": "red", "csm_owner": "Casey Lee"}
    assert attrs["occurred_at"] == RECEIVED.isoformat()  # no eventDate -> received time
    assert single["data"] == {"health": "green"}


def test_event_ids_are_stable_for_a_resend_and_ignore_the_app_key() -> None:
    first = _one(map_churnzero([SEATS], CZ))
    resend = _one(map_churnzero([{**SEATS, "appKey": "rotated"}], CZ))
    other = _one(map_churnzero([{**SEATS, "quantity": 83}], CZ))
    assert first["id"] == resend["id"]
    assert first["id"] != other["id"]
    own = _one(map_churnzero([{**SEATS, "cf_event_id": "abc-1"}], CZ))
    assert own["id"] == "cz-abc-1"


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        ({**SEATS, "eventName": "Logins"}, "eventName: event 'Logins' is not mapped"),
        ({**SEATS, "quantity": "lots"}, "quantity: expected a number, got 'lots'"),
        ({**SEATS, "quantity": None}, "quantity: required for data.value"),
        ({**SEATS, "cf_limit": 0}, "data.limit (from cf_limit): Input should be greater than 0"),
        ({**SEATS, "quantity": -3}, "data.value (from quantity): Input should be greater"),
        ({**SEATS, "accountExternalId": ""}, "accountExternalId: required text"),
        ({**SEATS, "accountExternalId": "x" * 65}, "account_id (from accountExternalId)"),
        ({**SEATS, "eventDate": "yesterday"}, "eventDate: not an ISO-8601 date"),
        ({**SEATS, "eventDate": None}, "eventDate: required"),
        ({**SEATS, "action": "identify"}, "action: unsupported action 'identify'"),
        ({k: v for k, v in SEATS.items() if k != "action"}, "action: required"),
        ({**TICKET, "cf_requester_name": None}, "cf_requester_name: required for"),
        ({**TICKET, "cf_escalation": "maybe"}, "cf_escalation: expected true/false"),
        (
            {
                "action": "setAttribute",
                "entity": "Contact",
                "accountExternalId": "A",
                "attr_Title": "CTO",
            },
            "entity: only Account attributes are mapped",
        ),
        (
            {
                "action": "setAttribute",
                "entity": "Account",
                "accountExternalId": "A",
                "attr_Favourite_Color": "blue",
            },
            "attribute 'Favourite_Color' is not mapped",
        ),
        (
            {
                "action": "setAttribute",
                "entity": "Account",
                "accountExternalId": "A",
                "attr_Health": "purple",
            },
            "attribute Health: 'purple' is not one of",
        ),
        (
            {"action": "setAttribute", "entity": "Account", "accountExternalId": "A"},
            "setAttribute: no attribute given",
        ),
        ("not an object", "item: expected an object"),
    ],
)
def test_churnzero_rejections_name_the_field(action: Any, reason: str) -> None:
    good, bad = map_churnzero([SEATS, action], CZ)
    assert good.ok and not bad.ok
    assert bad.index == 1
    assert bad.error is not None and reason in bad.error


@pytest.mark.parametrize("body", [None, 3, "text", True])
def test_churnzero_wrong_body_is_one_top_level_rejection(body: Any) -> None:
    (item,) = map_churnzero(body, CZ)
    assert item.index == 0 and not item.ok and "body:" in (item.error or "")


def test_churnzero_too_many_actions() -> None:
    (item,) = map_churnzero([SEATS] * 1001, CZ)
    assert "at most 1000" in (item.error or "")


GS_USAGE: dict[str, Any] = {
    "companyId": "1P02Q7ZJ4XJ5",
    "sfdcAccountId": "0015g00000XyZ1AAA",
    "eventName": "Usage Snapshot",
    "eventDate": "2026-11-02T14:00:00Z",
    "eventId": "rule-42-run-7",
    "attributes": {
        "product": "workflow_platform",
        "metric": "api_calls",
        "value": 84000,
        "limit": 100000,
    },
}


@pytest.mark.parametrize("shape", ["object", "array", "events"])
def test_gainsight_bodies_map(shape: str) -> None:
    body: Any = {"object": GS_USAGE, "array": [GS_USAGE], "events": {"events": [GS_USAGE]}}[shape]
    event = _one(map_gainsight(body, GS))
    assert event["id"] == "gs-rule-42-run-7"
    assert event["account_id"] == "0015g00000XyZ1AAA"  # sfdcAccountId wins over companyId
    assert event["source"] == "gainsight"
    assert event["data"]["value"] == 84000 and event["data"]["limit"] == 100000


def test_gainsight_note_stakeholder_and_epoch_dates() -> None:
    items = map_gainsight(
        [
            {
                "companyId": "001B",
                "eventName": "Timeline Note",
                "eventDate": 1793628000000,
                "attributes": {
                    "noteType": "Competitor Evaluation",
                    "competitor": "Zapier",
                    "text": "Ops is trialling Zapier.",
                },
            },
            {
                "sfdcAccountId": "001B",
                "eventName": "Stakeholder Added",
                "eventDate": "2026-11-02T14:00:00+01:00",
                "attributes": {
                    "contactId": 77,
                    "name": "Dana Ruiz",
                    "title": "VP Security",
                    "persona": "vp_security",
                },
            },
        ],
        GS,
    )
    note, person = _one(items, 0), _one(items, 1)
    assert note["data"]["kind"] == "competitor_evaluation"
    assert note["data"]["author_role"] == "csm"
    assert note["occurred_at"] == "2026-11-02T14:00:00+00:00"
    assert person["data"]["contact_id"] == "77" and person["data"]["change"] == "added"
    assert person["occurred_at"] == "2026-11-02T13:00:00+00:00"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"eventName": "Page Viewed"}, "eventName: event 'Page Viewed' is not mapped"),
        ({"sfdcAccountId": None, "companyId": None}, "sfdcAccountId: required text"),
        ({"attributes": {"product": "p", "value": 3}}, "attributes.metric: required"),
        ({"attributes": "flat"}, "attributes.product: required"),
        ({"eventDate": "2026-11-02T14:00:00"}, None),  # naive -> UTC by configuration
    ],
)
def test_gainsight_rejections(changes: dict[str, Any], reason: str | None) -> None:
    (item,) = map_gainsight({**GS_USAGE, **changes}, GS)
    if reason is None:
        assert item.ok
    else:
        assert item.error is not None and reason in item.error


def test_naive_dates_can_be_rejected_by_configuration() -> None:
    strict = GS.model_copy(update={"naive_dates": "reject"})
    (item,) = map_gainsight({**GS_USAGE, "eventDate": "2026-11-02T14:00:00"}, strict)
    assert "eventDate: needs a timezone offset" in (item.error or "")


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("events.Seats Used.type", "usage.logins", "unknown canonical type 'usage.logins'"),
        ("events.Seats Used.data.colour", {"const": "x"}, "usage.metric has no field 'colour'"),
        ("events.Seats Used.data.value", {"const": 1, "from": "quantity"}, "exactly one of"),
        ("events.Seats Used.data.value", {"from": "quantity", "as": "money"}, "as"),
        ("source", "hubspot", "source: must be one of"),
        ("account_attributes.Health.field", "mood", "account_attributes.Health.field"),
        ("fields.account_id", [], "fields.account_id"),
    ],
)
def test_mapping_validation_errors_name_the_key(path: str, value: Any, message: str) -> None:
    import yaml

    raw = yaml.safe_load((MAPPINGS / "churnzero.yaml").read_text())
    node = raw
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = copy.deepcopy(value)
    with pytest.raises(MappingError) as err:
        parse_mapping(raw)
    assert message in str(err.value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=30,
)
_cz_keys = st.sampled_from(list(SEATS) + list(TICKET) + ["entity", "name", "value", "attr_Health"])
churnzero_like = st.dictionaries(
    _cz_keys,
    json_values
    | st.sampled_from(
        [
            "trackEvent",
            "setAttribute",
            "Seats Used",
            "Account",
            "2026-11-02T14:00:00Z",
            "Support Ticket Opened",
            "Health",
        ]
    ),
    max_size=10,
)
_gs_keys = st.sampled_from(list(GS_USAGE) + ["timestamp"])
gainsight_like = st.dictionaries(
    _gs_keys,
    json_values
    | st.sampled_from(["Usage Snapshot", "Timeline Note", "2026-11-02"])
    | st.fixed_dictionaries({}, optional={k: json_values for k in GS_USAGE["attributes"]}),
    max_size=8,
)


def _check(payload: Any, items: list) -> None:
    empty = payload == [] or (isinstance(payload, dict) and payload.get("events") == [])
    assert items or empty, "a result for every item, or one top-level rejection"
    for item in items:
        assert (item.event is None) != (item.error is None)
        if item.event is not None:
            parse_event(item.event)
        else:
            assert isinstance(item.error, str) and item.error


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, st.lists(churnzero_like, min_size=1, max_size=4)))
def test_churnzero_never_raises(payload: Any) -> None:
    _check(payload, map_churnzero(payload, CZ, received_at=RECEIVED))


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, gainsight_like, st.lists(gainsight_like, min_size=1, max_size=4)))
def test_gainsight_never_raises(payload: Any) -> None:
    _check(payload, map_gainsight(payload, GS))
