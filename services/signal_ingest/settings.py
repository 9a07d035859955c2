"""signal_ingest settings (validated at start)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from shared.settings import ServiceSettings

HERE = Path(__file__).parent


class SignalIngestSettings(ServiceSettings):
    service_name: str = "signal_ingest"
    catalog_path: Path = Field(default=HERE / "catalog" / "sample.yaml", alias="CATALOG_PATH")
    churnzero_mapping_path: Path = Field(
        default=HERE / "mappings" / "churnzero.yaml", alias="CHURNZERO_MAPPING_PATH"
    )
    gainsight_mapping_path: Path = Field(
        default=HERE / "mappings" / "gainsight.yaml", alias="GAINSIGHT_MAPPING_PATH"
    )
    # One HMAC secret per source for POST /v1/events (X-Crosssell-Signature).
    ingest_hmac_secret: SecretStr | None = Field(default=None, alias="INGEST_HMAC_SECRET")
    ingest_source_secrets: dict[str, SecretStr] = Field(
        default_factory=dict, alias="INGEST_SOURCE_SECRETS"
    )
    churnzero_token: SecretStr | None = Field(default=None, alias="CHURNZERO_TOKEN")
    gainsight_shared_secret: SecretStr | None = Field(default=None, alias="GAINSIGHT_SHARED_SECRET")
    signature_tolerance_s: int = Field(default=300, ge=1, le=3600)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
