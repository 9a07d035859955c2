"""Outbound Messages: the SOAP notifications a workflow rule sends on save.

A rule names an object, the fields to send and an endpoint. Every committed
create or update of a matching record queues a notification with its own
``04l`` id; a background task POSTs them in batches of up to 100 per rule and
retries with exponential backoff, keeping the notification id, until the
answer carries ``<Ack>true</Ack>`` or the give-up window passes. Field values
are read at send time, as Salesforce does, so a retry carries current data.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

import httpx

from emulators.salesforce.ids import IdFactory
from emulators.salesforce.store import Store

MAX_PER_MESSAGE = 100
_ACK = re.compile(rb"<(?:\w+:)?Ack>\s*true\s*</(?:\w+:)?Ack>")


@dataclass(frozen=True)
class RetryPolicy:
    initial_s: float = 0.2
    cap_s: float = 10.0
    give_up_s: float = 24 * 3600.0
    timeout_s: float = 10.0

    def delay(self, attempts: int) -> float:
        return float(min(self.cap_s, self.initial_s * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class OutboundRule:
    object: str
    fields: tuple[str, ...]
    endpoint_url: str
    name: str = ""
    action_id: str = ""

    def public(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Notification:
    id: str
    rule: OutboundRule
    record_id: str
    created_at: float
    attempts: int = 0
    next_at: float = 0.0
    in_flight: bool = False


@dataclass
class Outbound:
    store: Store
    ids: IdFactory
    org_id: str
    base_url: Callable[[], str]
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    verify: bool | str = False
    rules: list[OutboundRule] = field(default_factory=list)
    pending: dict[str, Notification] = field(default_factory=dict)
    log: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=20000))
    _wake: asyncio.Event | None = None

    def configure(self, rules: list[dict[str, Any]]) -> list[OutboundRule]:
        """Replace the rules; field names are checked against the schema."""
        parsed = []
        for index, raw in enumerate(rules):
            obj = self.store.object(str(raw["object"]))
            names = []
            for name in raw.get("fields", []):
                fdef = obj.field(str(name))
                if fdef is None:
                    raise ValueError(f"outbound rule: no field {name} on {obj.name}")
                if fdef.name != "Id":
                    names.append(fdef.name)
            parsed.append(
                OutboundRule(
                    object=obj.name,
                    fields=tuple(names),
                    endpoint_url=str(raw["endpoint_url"]),
                    name=str(raw.get("name") or f"{obj.name}_Outbound_{index + 1}"),
                    action_id=str(raw.get("action_id") or self.ids.fixed("04k", index + 1)),
                )
            )
        self.rules = parsed
        return parsed

    def on_commit(self, changes: list[tuple[str, str]]) -> None:
        now = time.monotonic()
        for sobject, record_id in dict.fromkeys(changes):
            for rule in self.rules:
                if rule.object == sobject:
                    notification_id = self.ids.new("04l")
                    self.pending[notification_id] = Notification(
                        notification_id, rule, record_id, now, next_at=now
                    )
        if self._wake is not None:
            self._wake.set()

    def envelope(self, rule: OutboundRule, batch: list[Notification]) -> bytes:
        base = self.base_url()
        org15 = self.org_id[:15]
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<soapenv:Body>"
            '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
            f"<OrganizationId>{self.org_id}</OrganizationId>"
            f"<ActionId>{rule.action_id}</ActionId>"
            '<SessionId xsi:nil="true"/>'
            f"<EnterpriseUrl>{escape(base)}/services/Soap/c/59.0/{org15}</EnterpriseUrl>"
            f"<PartnerUrl>{escape(base)}/services/Soap/u/59.0/{org15}</PartnerUrl>"
        ]
        for note in batch:
            record = (
                self.store.live[rule.object].get(note.record_id)
                or self.store.deleted[rule.object].get(note.record_id)
                or {}
            )
            parts.append(
                f"<Notification><Id>{note.id}</Id>"
                f'<sObject xsi:type="sf:{rule.object}" '
                'xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
                f"<sf:Id>{note.record_id}</sf:Id>"
            )
            for name in rule.fields:
                value = record.get(name)
                if value is not None:  # Salesforce leaves null fields out
                    parts.append(f"<sf:{name}>{escape(_soap_value(value))}</sf:{name}>")
            parts.append("</sObject></Notification>")
        parts.append("</notifications></soapenv:Body></soapenv:Envelope>")
        return "".join(parts).encode()

    async def run(self) -> None:
        """Delivery loop; runs until cancelled."""
        self._wake = asyncio.Event()
        tasks: set[asyncio.Task[None]] = set()
        verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=self.verify)
            if isinstance(self.verify, str)
            else self.verify
        )
        async with httpx.AsyncClient(verify=verify, timeout=self.policy.timeout_s) as client:
            while True:
                now = time.monotonic()
                due = [n for n in self.pending.values() if not n.in_flight and n.next_at <= now]
                by_rule: dict[str, list[Notification]] = {}
                for note in due:
                    by_rule.setdefault(note.rule.name, []).append(note)
                for batch_all in by_rule.values():
                    for start in range(0, len(batch_all), MAX_PER_MESSAGE):
                        batch = batch_all[start : start + MAX_PER_MESSAGE]
                        for note in batch:
                            note.in_flight = True
                        task = asyncio.create_task(self._deliver(client, batch))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                waiting = [n.next_at for n in self.pending.values() if not n.in_flight]
                timeout = max(0.0, min(waiting) - time.monotonic()) if waiting else None
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout)
                except TimeoutError:
                    pass

    async def _deliver(self, client: httpx.AsyncClient, batch: list[Notification]) -> None:
        rule = batch[0].rule
        status: int | None = None
        error: str | None = None
        acked = False
        try:
            response = await client.post(
                rule.endpoint_url,
                content=self.envelope(rule, batch),
                headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
            )
            status = response.status_code
            acked = status == 200 and _ACK.search(response.content) is not None
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        now = time.monotonic()
        for note in batch:
            note.attempts += 1
            note.in_flight = False
        self.log.append(
            {
                "at": datetime.now(UTC).isoformat(),
                "rule": rule.name,
                "endpoint_url": rule.endpoint_url,
                "notification_ids": [n.id for n in batch],
                "record_ids": [n.record_id for n in batch],
                "attempts": [n.attempts for n in batch],
                "status": status,
                "error": error,
                "acked": acked,
            }
        )
        for note in batch:
            if acked:
                self.pending.pop(note.id, None)
            elif now - note.created_at >= self.policy.give_up_s:
                self.pending.pop(note.id, None)
                self.log.append(
                    {
                        "at": datetime.now(UTC).isoformat(),
                        "rule": rule.name,
                        "notification_ids": [note.id],
                        "gave_up": True,
                    }
                )
            else:
                note.next_at = now + self.policy.delay(note.attempts)
        if self._wake is not None:
            self._wake.set()

    def pending_view(self) -> list[dict[str, Any]]:
        return [
            {
                "id": n.id,
                "rule": n.rule.name,
                "record_id": n.record_id,
                "attempts": n.attempts,
                "in_flight": n.in_flight,
            }
            for n in self.pending.values()
        ]


def _soap_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.endswith("+0000") and "T" in value:
        return value[:-5] + "Z"  # xsd:dateTime as Salesforce's SOAP API writes it
    return str(value)
