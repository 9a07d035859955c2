"""Settings the gateway is built with (passed in; nothing is read from env here)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class RetrySettings(BaseModel):
    """Bounded exponential backoff for transient failures (per call and per record)."""

    model_config = ConfigDict(frozen=True)
    attempts: int = Field(default=5, ge=1)
    base_s: float = Field(default=0.5, ge=0)
    cap_s: float = Field(default=8.0, ge=0)
    jitter: bool = True


class GatewayConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    login_url: str = "https://login.salesforce.com"
    # Use this instead of the token response's instance_url (e.g. behind a proxy).
    instance_url: str | None = None
    client_id: str
    client_secret: SecretStr | None = None
    auth_flow: Literal["client_credentials", "jwt_bearer"] = "client_credentials"
    # JWT bearer flow (real orgs): the user to act as and the connected app's RS256 key.
    username: str | None = None
    private_key_path: Path | None = None
    jwt_audience: str | None = None  # defaults to login_url
    # CA bundle to trust (the emulator's); None = the system trust store.
    ca_path: Path | None = None
    api_version: str = "59.0"
    # Non-urgent writes wait once usage passes this share of the daily allocation.
    max_share: float = Field(default=0.8, gt=0, le=1)
    batch_size: int = Field(default=200, ge=1, le=200)
    # Bulk API 2.0: records per ingest job (a job of 10,000 Opportunities is ~3 MB of
    # CSV, far below the 100 MB Salesforce accepts) and how its status is polled.
    bulk_job_size: int = Field(default=10_000, ge=1, le=150_000)
    bulk_poll_s: float = Field(default=0.5, ge=0)
    bulk_max_polls: int = Field(default=200, ge=1)
    timeout_s: float = Field(default=60.0, gt=0)
    max_concurrency: int = Field(default=4, ge=1)
    retry: RetrySettings = RetrySettings()
