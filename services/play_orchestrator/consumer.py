"""The three consume loops, wired to the handlers.

Each batch arrives inside one transaction with the inbox already applied (only
new messages reach us); raising rolls the batch back and the loop retries it.

* ``crosssell.signals``: remember signals and accounts; open plays.
* ``crosssell.events``: escalations and renewals pause/resume plays; every
  other inbound type is skipped by its ``type`` header, never decoded.
* ``crosssell.crm``: Salesforce edits become play commands; crm_sync's
  ``OpportunitySynced`` links the play to its Opportunity.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from services.play_orchestrator import handlers
from services.play_orchestrator.adapters.uow import SqlUnitOfWork
from services.play_orchestrator.ports import CrmLink, FactChange
from shared.clock import Clock
from shared.kafka.consumer import BatchHandler, Consumed
from shared.messages import crm, signals
from shared.messages.crm import OpportunityChanged, OpportunitySynced
from shared.messages.envelope import SchemaRegistry
from shared.messages.inbound import (
    EVENT_TYPES,
    AccountEscalationData,
    AccountRenewalData,
)
from shared.messages.signals import SignalMessage

ESCALATION = "account.escalation"
RENEWAL = "account.renewal"
ACCOUNT_FACT_TYPES = frozenset({ESCALATION, RENEWAL})

UowFactory = Callable[[AsyncSession], SqlUnitOfWork]


def register_messages(registry: SchemaRegistry) -> None:
    """Every type on the topics we read (an unknown type would be dead-lettered).

    Records without a ``type`` header (e.g. from an older producer) are decoded;
    the inbound types we do not use are acknowledged unread."""
    signals.register(registry)
    crm.register(registry)
    for event_type in EVENT_TYPES:
        registry.register(event_type, None)
    registry.register(ESCALATION, AccountEscalationData)
    registry.register(RENEWAL, AccountRenewalData)


def fact_change(message: Consumed) -> FactChange | None:
    payload, account_id = message.payload, message.envelope.account_id
    if isinstance(payload, AccountEscalationData):
        return FactChange(
            account_id, "escalation", payload.escalation_id, payload.status == "opened"
        )
    if isinstance(payload, AccountRenewalData):
        return FactChange(account_id, "renewal", payload.product, payload.status == "negotiating")
    return None


def signals_handler(uow: UowFactory, clock: Clock, policy: handlers.OpeningPolicy) -> BatchHandler:
    async def handle(session: AsyncSession, messages: list[Consumed]) -> None:
        received = [
            handlers.SignalReceived(m.payload, m.envelope.occurred_at)
            for m in messages
            if isinstance(m.payload, SignalMessage)
        ]
        await handlers.on_signals(uow(session), received, clock.now(), policy)

    return handle


def account_events_handler(uow: UowFactory, clock: Clock) -> BatchHandler:
    async def handle(session: AsyncSession, messages: list[Consumed]) -> None:
        changes = [c for m in messages if (c := fact_change(m)) is not None]
        await handlers.on_account_facts(uow(session), changes, clock.now())

    return handle


def crm_handler(uow: UowFactory, clock: Clock) -> BatchHandler:
    async def handle(session: AsyncSession, messages: list[Consumed]) -> None:
        unit = uow(session)
        changed = [m.payload for m in messages if isinstance(m.payload, OpportunityChanged)]
        synced = [
            CrmLink(p.play_id, p.opportunity_id, p.hygiene, p.stage, p.synced_at)
            for m in messages
            if isinstance((p := m.payload), OpportunitySynced)
        ]
        await handlers.on_crm_changes(unit, changed, clock.now())
        await handlers.on_crm_synced(unit, synced)

    return handle
