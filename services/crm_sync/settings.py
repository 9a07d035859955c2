"""crm_sync settings (validated at start). Salesforce credentials come from SF_*.

``SF_CLIENT_ID`` / ``SF_CLIENT_SECRET`` default to the Salesforce emulator's
own dev credentials (``crosssell-emulator`` / ``crosssell-emulator-secret``),
like ``SF_ORG_ID`` defaults to the emulator's org: a bare ``crosssell serve
crm_sync`` talks to a bare ``crosssell sf-emulator``. ``crosssell up`` passes
its own generated pair; a real org must set all of ``SF_LOGIN_URL``,
``SF_CLIENT_ID``, ``SF_CLIENT_SECRET``, ``SF_ORG_ID`` and should set
``SF_INTEGRATION_USER_ID`` (else it is learnt from the first Opportunity
crm_sync creates: its ``CreatedById``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from services.crm_sync.domain.soap import MAX_BODY_BYTES
from shared.settings import ServiceSettings

# The fields the org's Outbound Message sends (crosssell/cli.py sets up the same
# list on the emulator). Salesforce leaves null fields out of a notification, so
# a listed field that is absent means "blank now", not "unchanged".
DEFAULT_OUTBOUND_FIELDS = (
    "Cross_Sell_Play_Id__c",
    "StageName",
    "Amount",
    "Type",
    "OwnerId",
    "LastModifiedById",
    "SystemModstamp",
    "Signal_Source__c",
    "Executive_Sponsor_Name__c",
    "Executive_Sponsor_Title__c",
    "Discovery_Answer_1__c",
    "Discovery_Answer_2__c",
    "Discovery_Answer_3__c",
    "Cross_Sell_Hygiene__c",
    "Play_State__c",
)


class CrmSyncSettings(ServiceSettings):
    service_name: str = "crm_sync"
    sf_login_url: str = Field(default="https://127.0.0.1:8443", alias="SF_LOGIN_URL")
    sf_instance_url: str | None = Field(default=None, alias="SF_INSTANCE_URL")
    sf_client_id: str = Field(default="crosssell-emulator", alias="SF_CLIENT_ID")
    sf_client_secret: SecretStr = Field(
        default=SecretStr("crosssell-emulator-secret"), alias="SF_CLIENT_SECRET"
    )
    sf_ca_path: Path | None = Field(default=None, alias="SF_CA_PATH")
    sf_api_version: str = Field(default="59.0", alias="SF_API_VERSION")
    sf_org_id: str = Field(default="00D000000000001AAA", alias="SF_ORG_ID")
    sf_max_api_share: float = Field(default=0.8, gt=0, le=1, alias="SF_MAX_API_SHARE")
    sf_outbound_token: SecretStr | None = Field(default=None, alias="SF_OUTBOUND_TOKEN")
    sf_outbound_fields: tuple[str, ...] = Field(
        default=DEFAULT_OUTBOUND_FIELDS, alias="SF_OUTBOUND_FIELDS"
    )
    sf_webhook_secret: SecretStr | None = Field(default=None, alias="SF_WEBHOOK_SECRET")
    sf_integration_user_id: str | None = Field(default=None, alias="SF_INTEGRATION_USER_ID")
    sf_max_body_bytes: int = Field(default=MAX_BODY_BYTES, ge=1024, le=16 * MAX_BODY_BYTES)
    enforcement_strict: bool = Field(default=True, alias="ENFORCEMENT_STRICT")
    enforcement_gate_stage: str = Field(
        default="Proposal/Price Quote", alias="ENFORCEMENT_GATE_STAGE"
    )
    # The write queue (sf_writes) and its writer loop.
    sync_batch_size: int = Field(default=200, ge=1, le=200)
    sync_batches_per_cycle: int = Field(default=5, ge=1, le=50)
    sync_interval_s: float = Field(default=0.2, gt=0, le=60)
    sync_lease_s: float = Field(default=120.0, gt=0)
    sync_backoff_base_s: float = Field(default=1.0, gt=0)
    sync_backoff_cap_s: float = Field(default=60.0, gt=0)
    sync_limit_backoff_cap_s: float = Field(default=60.0, gt=0)
    # While usage is past SF_MAX_API_SHARE, one batch of ordinary writes still
    # goes out this often: it does useful work and reads the usage header again.
    sync_defer_probe_s: float = Field(default=60.0, gt=0)
    # More due writes than this is a backfill: those cycles claim up to
    # SYNC_BULK_JOB_SIZE writes and send them as Bulk API 2.0 jobs (0 = never).
    sync_bulk_threshold: int = Field(default=2_000, ge=0)
    sync_bulk_job_size: int = Field(default=10_000, ge=200, le=150_000)
    sync_retention_s: int = Field(default=7 * 86400, ge=3600)
