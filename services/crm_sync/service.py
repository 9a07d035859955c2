"""crm_sync's runtime: the shared ``ServiceRuntime`` plus its Salesforce side.

Routes reach the gateway, the writer and the inbound handler through it
(``request.app.state.runtime``); nothing here is built at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from services.crm_sync.adapters.store import SqlSyncStore
from services.crm_sync.domain import EnforcementConfig, Notification
from services.crm_sync.gateway import SalesforceGateway
from services.crm_sync.inbound import InboundContext, InboundResult, on_notifications
from services.crm_sync.settings import CrmSyncSettings
from services.crm_sync.writer import IntegrationUser, SyncWriter, WriterConfig
from shared.kafka.topics import CRM
from shared.messages.envelope import SchemaRegistry
from shared.runtime import ServiceRuntime


class CrmSyncRuntime(ServiceRuntime):
    def __init__(
        self,
        settings: CrmSyncSettings,
        *,
        migrations: Path,
        topics: Sequence[str],
        registry: SchemaRegistry,
        gateway: SalesforceGateway,
    ) -> None:
        super().__init__(settings, migrations=migrations, topics=topics, registry=registry)
        self.crm_settings = settings
        self.gateway = gateway
        self.enforcement = EnforcementConfig(
            strict=settings.enforcement_strict, gate_stage=settings.enforcement_gate_stage
        )
        self.identity = IntegrationUser(settings.sf_integration_user_id)
        self.writer = SyncWriter(
            self.transactions,
            gateway,
            self.clock,
            WriterConfig(
                crm_topic=self.topic(CRM),
                batch_size=settings.sync_batch_size,
                batches_per_cycle=settings.sync_batches_per_cycle,
                interval_s=settings.sync_interval_s,
                lease_s=settings.sync_lease_s,
                backoff_base_s=settings.sync_backoff_base_s,
                backoff_cap_s=settings.sync_backoff_cap_s,
                limit_backoff_base_s=min(1.0, settings.sync_limit_backoff_cap_s),
                limit_backoff_cap_s=settings.sync_limit_backoff_cap_s,
                defer_probe_s=settings.sync_defer_probe_s,
                retention_s=settings.sync_retention_s,
                bulk_threshold=settings.sync_bulk_threshold,
                bulk_claim=settings.sync_bulk_job_size,
            ),
            self.identity,
        )

    @asynccontextmanager
    async def transactions(self) -> AsyncIterator[SqlSyncStore]:
        async with self.sessions() as session, session.begin():
            yield SqlSyncStore(session)

    async def receive(
        self,
        notes: Sequence[Notification],
        *,
        source: str,
        absent_is_blank: Collection[str] = (),
    ) -> InboundResult:
        """Record and apply notifications in one transaction; wake the writer after commit."""
        ctx = InboundContext(self.enforcement, self.topic(CRM), self.identity.user_id)
        async with self.transactions() as store:
            result = await on_notifications(
                store,
                notes,
                source=source,
                now=self.clock.now(),
                ctx=ctx,
                absent_is_blank=absent_is_blank,
            )
        if result.writes:
            self.writer.wake()
        return result
