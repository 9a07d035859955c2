"""Play snapshots, play events and a wired writer over the in-memory fakes."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from services.crm_sync.domain import EnforcementConfig, Notification
from services.crm_sync.inbound import InboundContext, InboundResult, on_notifications
from services.crm_sync.play_events import PlayEvent, on_play_events
from services.crm_sync.settings import DEFAULT_OUTBOUND_FIELDS
from services.crm_sync.writer import IntegrationUser, SyncWriter, WriterConfig
from shared.clock import TestClock
from shared.messages.evidence import Evidence, Quote
from shared.messages.plays import PlaySnapshot
from tests.support.salesforce_fake import FakeSalesforceGateway
from tests.unit.crm_sync_service.fakes import FakeSyncStore

OPENED = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
CRM_TOPIC = "crosssell.crm"
REP = "005000000000777AAA"
_notes = itertools.count(1)


def snapshot(play_id: str = "play-1", state: str = "open", **overrides: Any) -> PlaySnapshot:
    values: dict[str, Any] = {
        "play_id": play_id,
        "account_id": "acct-42",
        "account_name": "Acme Logistics",
        "adjacent_product": "Analytics",
        "template": "joint-14",
        "state": state,
        "opened_at": OPENED,
        "signal_occurred_at": OPENED,
        "deadline": OPENED + timedelta(days=14),
        "core_product": "Core",
        "core_acv": 100_000.0,
        "expected_amount": 42_000.0,
        "owner": "ae@example.com",
        "signal_type": "seat_ceiling",
        "signal_source": "gainsight",
        "evidence": Evidence(
            summary="active_seats 96 of 100 (96%)",
            numbers={"value": 96, "limit": 100},
            quotes=(Quote(text="We are out of seats again", name="Kim", role="Ops lead"),),
        ),
        "sponsor_name": "Dana Reyes",
        "sponsor_title": "VP Operations",
    }
    values.update(overrides)
    return PlaySnapshot(**values)


def event(type_: str, play: PlaySnapshot, at: datetime | None = None, **fields: Any) -> PlayEvent:
    return PlayEvent(type_, at or OPENED, fields, play)


@dataclass
class Harness:
    store: FakeSyncStore = field(default_factory=FakeSyncStore)
    gateway: FakeSalesforceGateway = field(default_factory=FakeSalesforceGateway)
    clock: TestClock = field(default_factory=lambda: TestClock(OPENED))
    enforcement: EnforcementConfig = field(default_factory=EnforcementConfig)
    known_user: bool = True

    def __post_init__(self) -> None:
        user = self.gateway.org.users.integration_user_id if self.known_user else None
        self.identity = IntegrationUser(user)
        self.writer = SyncWriter(
            self.store.transaction,
            self.gateway,
            self.clock,
            WriterConfig(
                crm_topic=CRM_TOPIC,
                interval_s=0.001,
                backoff_base_s=1.0,
                backoff_cap_s=8.0,
                limit_backoff_base_s=0.0,
                limit_backoff_cap_s=0.0,
                defer_probe_s=3600.0,
            ),
            self.identity,
        )

    async def plays(self, *events: PlayEvent) -> int:
        return await on_play_events(self.store, list(events), self.clock.now().date())

    async def sync(self, rounds: int = 10) -> int:
        """Writer cycles until nothing is due (time moves over backoffs); records sent."""
        before = self.writer.state.sent_records
        for _ in range(rounds):
            if await self.writer.cycle() == 0:
                if not self.store.pending():
                    break
                self.store.advance(60.0)
        return self.writer.state.sent_records - before

    async def deliver(self, *notes: Notification, source: str = "outbound") -> InboundResult:
        ctx = InboundContext(self.enforcement, CRM_TOPIC, self.identity.user_id)
        return await on_notifications(
            self.store,
            list(notes),
            source=source,
            now=self.clock.now(),
            ctx=ctx,
            absent_is_blank=DEFAULT_OUTBOUND_FIELDS if source == "outbound" else (),
        )

    # -- the fake org --------------------------------------------------------
    def opportunities(self) -> list[dict[str, Any]]:
        return self.gateway.records("Opportunity")

    def opportunity(self, play_id: str) -> dict[str, Any]:
        [record] = [r for r in self.opportunities() if r.get("Cross_Sell_Play_Id__c") == play_id]
        return record

    def tasks(self) -> list[dict[str, Any]]:
        return self.gateway.records("Task")

    def rep_edit(self, record_id: str, **values: Any) -> None:
        """A rep's edit the org let through: enforcement exists for edits its validation
        rule does not stop (rule not yet deployed, a bypass permission), so this skips it;
        everything crm_sync writes still meets the rule."""
        org = self.gateway.org
        with org.store.validator.rules_bypassed():
            org.store.update("Opportunity", record_id, values, REP)

    def notification(self, record_id: str, note_id: str | None = None) -> Notification:
        """What the org's Outbound Message carries for the record now (nulls left out)."""
        record = next(r for r in self.opportunities() if r["Id"] == record_id)
        values: dict[str, str | None] = {"Id": record_id}
        for name in DEFAULT_OUTBOUND_FIELDS:
            value = record.get(name)
            if value is not None:
                values[name] = _soap(value)
        return Notification(note_id or f"04l{next(_notes):015d}", "Opportunity", values)


def _soap(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.endswith("+0000") and "T" in value:
        return value[:-5] + "Z"
    return str(value)
