"""Salesforce Outbound Messages: parse the SOAP notification, answer it.

Parsing goes through defusedxml with DTDs, entity declarations and external
references all refused, so billion-laughs and XXE bodies fail before any
expansion. Every refusal — too big, not XML, not an outbound message, more
than 100 notifications — is a ``SoapParseError`` with a short reason fit for a
SOAP fault; nothing else escapes ``parse_outbound_message``.

``build_outbound_message`` writes the envelope Salesforce sends (tests use it;
it round-trips through the parser).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import escape, quoteattr

import defusedxml
import defusedxml.ElementTree as SafeET

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
SOBJECT_NS = "urn:sobject.enterprise.soap.sforce.com"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XSD_NS = "http://www.w3.org/2001/XMLSchema"

MAX_BODY_BYTES = 1024 * 1024
MAX_NOTIFICATIONS = 100

_NIL = f"{{{XSI_NS}}}nil"
_TYPE = f"{{{XSI_NS}}}type"
_API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class SoapParseError(ValueError):
    """The body is not an Outbound Message we accept; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Notification:
    id: str  # the Notification Id: the deduplication key
    sobject_type: str  # e.g. "Opportunity"
    fields: dict[str, str | None] = field(default_factory=dict)  # None = xsi:nil


@dataclass(frozen=True)
class OutboundMessage:
    organization_id: str
    action_id: str
    session_id: str | None
    enterprise_url: str
    partner_url: str
    notifications: list[Notification]


def parse_outbound_message(
    body: bytes, max_bytes: int = MAX_BODY_BYTES, max_notifications: int = MAX_NOTIFICATIONS
) -> OutboundMessage:
    if len(body) > max_bytes:
        raise SoapParseError(f"body larger than {max_bytes} bytes")
    if not body.strip():
        raise SoapParseError("empty body")
    root = _parse_xml(body)
    if root.tag != f"{{{SOAP_ENV_NS}}}Envelope":
        raise SoapParseError("not a SOAP 1.1 envelope")
    soap_body = root.find(f"{{{SOAP_ENV_NS}}}Body")
    if soap_body is None:
        raise SoapParseError("no SOAP body")
    payload = soap_body.find(f"{{{OUTBOUND_NS}}}notifications")
    if payload is None:
        raise SoapParseError("not an outbound message")

    items = payload.findall(f"{{{OUTBOUND_NS}}}Notification")
    if len(items) > max_notifications:
        raise SoapParseError(f"too many notifications ({len(items)} > {max_notifications})")
    if not items:
        raise SoapParseError("no notifications")
    session = payload.find(f"{{{OUTBOUND_NS}}}SessionId")
    return OutboundMessage(
        organization_id=_required(payload, "OrganizationId"),
        action_id=_required(payload, "ActionId"),
        session_id=_optional(session),
        enterprise_url=_optional(payload.find(f"{{{OUTBOUND_NS}}}EnterpriseUrl")) or "",
        partner_url=_optional(payload.find(f"{{{OUTBOUND_NS}}}PartnerUrl")) or "",
        notifications=[_notification(item) for item in items],
    )


def ack_response(ack: bool = True) -> bytes:
    """The ``notificationsResponse`` Salesforce expects; without ``true`` it retries."""
    value = "true" if ack else "false"
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV_NS}"><soapenv:Body>'
        f'<notificationsResponse xmlns="{OUTBOUND_NS}"><Ack>{value}</Ack>'
        "</notificationsResponse></soapenv:Body></soapenv:Envelope>"
    ).encode()


def soap_fault(reason: str, *, server: bool = False) -> bytes:
    """A SOAP 1.1 fault; ``server`` for our own failures (the sender should retry)."""
    code = "soapenv:Server" if server else "soapenv:Client"
    text = escape(_XML_INVALID.sub("?", reason))
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV_NS}"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>{code}</faultcode><faultstring>{text}</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    ).encode()


def build_outbound_message(
    *,
    organization_id: str,
    action_id: str,
    notifications: Iterable[Notification],
    session_id: str | None = None,
    enterprise_url: str = "",
    partner_url: str = "",
) -> bytes:
    """The SOAP envelope Salesforce POSTs for a batch of notifications."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV_NS}" xmlns:xsd="{XSD_NS}" '
        f'xmlns:xsi="{XSI_NS}"><soapenv:Body>',
        f'<notifications xmlns="{OUTBOUND_NS}">',
        _element("OrganizationId", organization_id),
        _element("ActionId", action_id),
        _element("SessionId", session_id),
        _element("EnterpriseUrl", enterprise_url),
        _element("PartnerUrl", partner_url),
    ]
    for note in notifications:
        _check_name(note.sobject_type)
        parts.append(f"<Notification>{_element('Id', note.id)}")
        parts.append(
            f'<sObject xsi:type={quoteattr("sf:" + note.sobject_type)} xmlns:sf="{SOBJECT_NS}">'
        )
        for name, value in note.fields.items():
            _check_name(name)
            parts.append(_element(f"sf:{name}", value))
        parts.append("</sObject></Notification>")
    parts.append("</notifications></soapenv:Body></soapenv:Envelope>")
    return "".join(parts).encode()


def _parse_xml(body: bytes) -> Any:
    try:
        return SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden as exc:
        raise SoapParseError("DTD not allowed") from exc
    except defusedxml.EntitiesForbidden as exc:
        raise SoapParseError("entity declarations not allowed") from exc
    except defusedxml.ExternalReferenceForbidden as exc:
        raise SoapParseError("external references not allowed") from exc
    except defusedxml.DefusedXmlException as exc:
        raise SoapParseError("XML feature not allowed") from exc
    except (ParseError, ValueError, LookupError, UnicodeError, RecursionError) as exc:
        raise SoapParseError("malformed XML") from exc


def _notification(item: Any) -> Notification:
    note_id = _optional(item.find(f"{{{OUTBOUND_NS}}}Id"))
    if not note_id:
        raise SoapParseError("notification without Id")
    sobject = item.find(f"{{{OUTBOUND_NS}}}sObject")
    if sobject is None:
        raise SoapParseError("notification without sObject")
    sobject_type = (sobject.get(_TYPE) or "").rpartition(":")[2].strip()
    if not sobject_type:
        raise SoapParseError("sObject without xsi:type")
    values: dict[str, str | None] = {}
    for child in sobject:
        namespace, _, name = child.tag.rpartition("}")
        if namespace != "{" + SOBJECT_NS:
            raise SoapParseError("sObject field outside the sObject namespace")
        if len(child):
            continue  # a nested record: nothing we read comes that way
        if name in values:
            raise SoapParseError(f"field {name} repeated")
        values[name] = None if _is_nil(child) else (child.text or "")
    return Notification(id=note_id, sobject_type=sobject_type, fields=values)


def _required(parent: Any, tag: str) -> str:
    value = _optional(parent.find(f"{{{OUTBOUND_NS}}}{tag}"))
    if not value:
        raise SoapParseError(f"missing {tag}")
    return value


def _optional(element: Any) -> str | None:
    if element is None or _is_nil(element):
        return None
    return (element.text or "").strip() or None


def _is_nil(element: Any) -> bool:
    return (element.get(_NIL) or "").strip() in ("true", "1")


def _element(tag: str, value: str | None) -> str:
    if value is None:
        return f'<{tag} xsi:nil="true"/>'
    if _XML_INVALID.search(value):
        raise ValueError(f"{tag}: character not allowed in XML")
    return f"<{tag}>{escape(value, {chr(13): '&#13;'})}</{tag}>"


def _check_name(name: str) -> None:
    if not _API_NAME.fullmatch(name):
        raise ValueError(f"not a Salesforce API name: {name!r}")
