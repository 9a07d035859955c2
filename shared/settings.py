"""Settings shared by every service (pydantic-settings, validated at start).

Values come from the environment (names as in the README's configuration
table) or, for secrets, from files in ``CROSSSELL_SECRETS_DIR`` (one file per
setting, named like the setting in lower case, as Kubernetes mounts a Secret).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def asyncpg_url(url: str) -> str:
    """Accept the usual ``postgresql://`` form and return the asyncpg dialect URL."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("DATABASE_URL must start with postgresql://")


class ServiceSettings(BaseSettings):
    """What every service needs; each service subclasses it."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, populate_by_name=True)

    service_name: str = "crosssell"
    database_url: str = Field(description="PostgreSQL URL (DATABASE_URL)")
    kafka_bootstrap_servers: str = Field(description="Kafka bootstrap servers")
    db_schema: str = Field(default="", description="Postgres schema this service owns")
    topic_prefix: str = Field(default="", alias="CROSSSELL_TOPIC_PREFIX")
    test_clock: bool = Field(default=False, alias="CROSSSELL_TEST_CLOCK")
    api_keys_file: Path = Field(
        default=Path(".crosssell/api_keys.json"), alias="CROSSSELL_API_KEYS_FILE"
    )
    migrate_on_start: bool = Field(default=True, alias="CROSSSELL_MIGRATE_ON_START")
    log_level: str = Field(default="INFO", alias="CROSSSELL_LOG_LEVEL")
    log_format: Literal["json", "console"] = Field(default="json", alias="CROSSSELL_LOG_FORMAT")
    kafka_topic_partitions: int = Field(default=8, ge=1, le=1024)
    kafka_replication_factor: int = Field(default=1, ge=1, le=7)
    consumer_max_records: int = Field(default=2000, ge=1, le=50_000)
    consumer_max_attempts: int = Field(default=5, ge=1, le=50)
    # How long the broker may hold a fetch that has nothing to return. The
    # embedded broker holds it for the whole wait even when a message arrives
    # meanwhile, so this bounds each Kafka hop's latency (500 ms, aiokafka's
    # default, made the three hops of POST -> Opportunity cost ~0.4-0.8 s).
    consumer_fetch_max_wait_ms: int = Field(default=20, ge=1, le=5000)
    # How long the producer waits for more messages before sending a batch.
    # Every sender here (outbox relays, the ingest edge) sends its whole batch
    # before yielding, so a linger adds latency (5 ms per hop) and no batching.
    kafka_linger_ms: int = Field(default=0, ge=0, le=1000)
    outbox_batch_size: int = Field(default=1000, ge=1, le=10_000)
    # Sent outbox rows are kept this long (re-published if the broker forgets);
    # inboxes keep consumed ids a day longer.
    outbox_retention_s: int = Field(default=7 * 24 * 3600, ge=0)
    broker_epoch_check_s: float = Field(default=3.0, gt=0, le=3600)
    db_pool_size: int = Field(default=10, ge=1, le=200)
    # A request body must keep coming and be complete in time (shared.body_deadline).
    body_idle_timeout_s: float = Field(default=10.0, gt=0, le=600, alias="CROSSSELL_BODY_IDLE_S")
    body_total_timeout_s: float = Field(default=30.0, gt=0, le=3600, alias="CROSSSELL_BODY_TOTAL_S")
    console_origins: str = Field(
        default="http://127.0.0.1:8002,http://localhost:8002",
        alias="CROSSSELL_CONSOLE_ORIGINS",
        description="origins (comma-separated) whose pages may call this API: the ops console",
    )

    @field_validator("database_url")
    @classmethod
    def _dialect(cls, value: str) -> str:
        return asyncpg_url(value)

    @field_validator("db_schema")
    @classmethod
    def _schema_name(cls, value: str) -> str:
        if value and not value.replace("_", "").isalnum():
            raise ValueError("db_schema may hold letters, digits and underscores only")
        return value

    @classmethod
    def load(cls, **overrides: Any) -> Self:
        secrets_dir = os.environ.get("CROSSSELL_SECRETS_DIR")
        if secrets_dir:
            overrides.setdefault("_secrets_dir", secrets_dir)
        return cls(**overrides)

    @property
    def db_schema_name(self) -> str:
        return self.db_schema or self.service_name

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"
