"""Outbound Messages: SOAP envelope, batching, retry until Ack with the same Notification Id."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from defusedxml import ElementTree
from simple_salesforce import Salesforce

from emulators.salesforce.server import EmulatorServer
from tests.integration.salesforce.conftest import AdminClient, opportunity
from tests.integration.salesforce.receiver import Receiver

SOAPENV = "{http://schemas.xmlsoap.org/soap/envelope/}"
OM = "{http://soap.sforce.com/2005/09/outbound}"
SF = "{urn:sobject.enterprise.soap.sforce.com}"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
FIELDS = ["StageName", "Cross_Sell_Play_Id__c", "Amount", "Executive_Sponsor_Name__c"]


@pytest.fixture
def receiver(admin: AdminClient) -> Iterator[Receiver]:
    with Receiver() as rx:
        admin.clear_outbound()
        admin.set_outbound_rules(
            [{"object": "Opportunity", "fields": FIELDS, "endpoint_url": rx.url}]
        )
        yield rx
        admin.set_outbound_rules([])
        admin.clear_outbound()


def _wait_for(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _notifications(body: bytes) -> list[tuple[str, dict[str, str | None]]]:
    root = ElementTree.fromstring(body)
    out = []
    for note in root.iter(OM + "Notification"):
        sobject = note.find(OM + "sObject")
        assert sobject is not None
        values = {child.tag.removeprefix(SF): child.text for child in sobject}
        out.append((note.findtext(OM + "Id") or "", values))
    return out


def test_envelope_shape(
    sf: Salesforce, receiver: Receiver, emulator: EmulatorServer, uid: str
) -> None:
    created = sf.Opportunity.create(
        opportunity(
            f"om-{uid}", Cross_Sell_Play_Id__c=f"om-{uid}", Amount=1250.5, Description="not sent"
        )
    )
    _wait_for(lambda: receiver.requests)
    request = receiver.requests[0]
    assert request["headers"]["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(request["body"])
    assert root.tag == SOAPENV + "Envelope"
    notifications = root.find(f"{SOAPENV}Body/{OM}notifications")
    assert notifications is not None
    assert notifications.findtext(OM + "OrganizationId") == emulator.org_id
    assert re.fullmatch(r"04k[0-9A-Za-z]{15}", notifications.findtext(OM + "ActionId") or "")
    session = notifications.find(OM + "SessionId")
    assert session is not None and session.get(XSI + "nil") == "true"
    assert (notifications.findtext(OM + "EnterpriseUrl") or "").startswith(
        emulator.base_url + "/services/Soap/c/"
    )
    assert (notifications.findtext(OM + "PartnerUrl") or "").startswith(
        emulator.base_url + "/services/Soap/u/"
    )
    note = notifications.find(OM + "Notification")
    assert note is not None
    assert re.fullmatch(r"04l[0-9A-Za-z]{15}", note.findtext(OM + "Id") or "")
    sobject = note.find(OM + "sObject")
    assert sobject is not None and sobject.get(XSI + "type") == "sf:Opportunity"
    assert b'xmlns:sf="urn:sobject.enterprise.soap.sforce.com"' in request["body"]
    values = {child.tag.removeprefix(SF): child.text for child in sobject}
    # Only the configured fields (plus Id); null fields are left out.
    assert values == {
        "Id": created["id"],
        "StageName": "Prospecting",
        "Cross_Sell_Play_Id__c": f"om-{uid}",
        "Amount": "1250.5",
    }


def test_retried_with_the_same_notification_id_until_acked(
    sf: Salesforce, receiver: Receiver, admin: AdminClient, uid: str
) -> None:
    receiver.script.extend(["500", "nack"])
    created = sf.Opportunity.create(opportunity(f"retry-{uid}"))
    log = _wait_for(lambda: [e for e in admin.outbound_log() if e.get("acked")])
    assert len(receiver.requests) == 3
    ids = [[n for n, _ in _notifications(r["body"])] for r in receiver.requests]
    assert ids[0] == ids[1] == ids[2] and len(ids[0]) == 1
    attempts = admin.outbound_log()
    assert [(e["status"], e["acked"]) for e in attempts] == [
        (500, False),
        (200, False),
        (200, True),
    ]
    assert attempts[0]["record_ids"] == [created["id"]] and log[0]["attempts"] == [3]
    assert admin.outbound_pending() == []


def test_a_retry_carries_current_values_and_later_changes_notify_again(
    sf: Salesforce, receiver: Receiver, admin: AdminClient, uid: str
) -> None:
    receiver.script.extend(["500"] * 50)
    created = sf.Opportunity.create(opportunity(f"cur-{uid}"))
    _wait_for(lambda: receiver.requests)
    sf.Opportunity.update(created["id"], {"Executive_Sponsor_Name__c": "Dana Cruz"})
    # Requests from index n+1 on were built after request n was answered, so after the update.
    n = len(receiver.requests)
    _wait_for(lambda: len(receiver.requests) >= n + 2)
    receiver.script.clear()
    _wait_for(lambda: not admin.outbound_pending())
    first_id, first_values = _notifications(receiver.requests[0]["body"])[0]
    assert "Executive_Sponsor_Name__c" not in first_values
    later = [note for r in receiver.requests[n + 1 :] for note in _notifications(r["body"])]
    later_ids = {note_id for note_id, _ in later}
    assert first_id in later_ids and len(later_ids) == 2  # the retry and the update's own
    assert all(values["Executive_Sponsor_Name__c"] == "Dana Cruz" for _, values in later)
    assert all(values["Id"] == created["id"] for _, values in later)


def test_batches_hold_at_most_100_notifications(
    sf: Salesforce, receiver: Receiver, admin: AdminClient, uid: str
) -> None:
    records = [
        {"attributes": {"type": "Opportunity"}, **opportunity(f"b-{uid}-{i}")} for i in range(150)
    ]
    results = sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": True, "records": records}
    )
    _wait_for(lambda: sum(len(_notifications(r["body"])) for r in receiver.requests) >= 150)
    sizes = [len(_notifications(r["body"])) for r in receiver.requests]
    assert max(sizes) <= 100 and sum(sizes) == 150
    sent_ids = {values["Id"] for r in receiver.requests for _, values in _notifications(r["body"])}
    assert sent_ids == {r["id"] for r in results}


def test_other_objects_do_not_trigger_an_opportunity_rule(
    sf: Salesforce, receiver: Receiver, uid: str
) -> None:
    sf.Account.create({"Name": f"quiet-{uid}"})
    time.sleep(0.3)
    assert receiver.requests == []
