"""crm_sync settings (validated at start). Salesforce credentials come from SF_*."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from shared.settings import ServiceSettings


class CrmSyncSettings(ServiceSettings):
    service_name: str = "crm_sync"
    sf_login_url: str = Field(default="https://127.0.0.1:8443", alias="SF_LOGIN_URL")
    sf_instance_url: str | None = Field(default=None, alias="SF_INSTANCE_URL")
    sf_client_id: str = Field(default="crosssell-dev", alias="SF_CLIENT_ID")
    sf_client_secret: SecretStr = Field(default=SecretStr("dev-secret"), alias="SF_CLIENT_SECRET")
    sf_ca_path: Path | None = Field(default=None, alias="SF_CA_PATH")
    sf_api_version: str = Field(default="59.0", alias="SF_API_VERSION")
    sf_org_id: str = Field(default="00D000000000001AAA", alias="SF_ORG_ID")
    sf_max_api_share: float = Field(default=0.8, gt=0, le=1, alias="SF_MAX_API_SHARE")
    sf_outbound_token: SecretStr | None = Field(default=None, alias="SF_OUTBOUND_TOKEN")
    sf_webhook_secret: SecretStr | None = Field(default=None, alias="SF_WEBHOOK_SECRET")
    sf_integration_user_id: str | None = Field(default=None, alias="SF_INTEGRATION_USER_ID")
    enforcement_strict: bool = Field(default=True, alias="ENFORCEMENT_STRICT")
    enforcement_gate_stage: str = Field(
        default="Proposal/Price Quote", alias="ENFORCEMENT_GATE_STAGE"
    )
    sync_batch_size: int = Field(default=200, ge=1, le=200)
    sync_interval_s: float = Field(default=0.2, gt=0, le=60)
