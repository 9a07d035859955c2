"""The one place that builds crm_sync's runtime: engine, gateway, consumer, writer loop."""

from __future__ import annotations

from pathlib import Path

from services.crm_sync.consumer import plays_handler, register_messages, wake_after_commit
from services.crm_sync.gateway import GatewayConfig, SalesforceGateway
from services.crm_sync.gateway.simple_salesforce_adapter import SimpleSalesforceGateway
from services.crm_sync.service import CrmSyncRuntime
from services.crm_sync.settings import CrmSyncSettings
from shared.kafka.topics import CRM, PLAYS
from shared.messages.envelope import SchemaRegistry

MIGRATIONS = Path(__file__).parent / "migrations"


def gateway_config(settings: CrmSyncSettings) -> GatewayConfig:
    return GatewayConfig(
        login_url=settings.sf_login_url,
        instance_url=settings.sf_instance_url,
        client_id=settings.sf_client_id,
        client_secret=settings.sf_client_secret,
        ca_path=settings.sf_ca_path,
        api_version=settings.sf_api_version,
        max_share=settings.sf_max_api_share,
        batch_size=settings.sync_batch_size,
        bulk_job_size=settings.sync_bulk_job_size,
    )


def build_runtime(
    settings: CrmSyncSettings, gateway: SalesforceGateway | None = None
) -> CrmSyncRuntime:
    """The runtime; ``gateway`` replaces the simple-salesforce one (tests, benches)."""
    registry = SchemaRegistry()
    register_messages(registry)
    runtime = CrmSyncRuntime(
        settings,
        migrations=MIGRATIONS,
        topics=[PLAYS, CRM],
        registry=registry,
        gateway=gateway or SimpleSalesforceGateway(gateway_config(settings)),
    )
    runtime.add_consumer(
        f"{settings.service_name}.plays",
        [PLAYS],
        plays_handler(runtime.clock),
        after_db_commit=wake_after_commit(runtime.writer),
    )
    runtime.add_task(
        f"{settings.service_name}-writer", runtime.writer.run, on_stop=runtime.writer.stop
    )
    return runtime
