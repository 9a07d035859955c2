"""Per-test isolation: unique Postgres schema and Kafka topic prefix."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from shared.auth import create_key
from shared.settings import asyncpg_url


@dataclass(frozen=True)
class Isolation:
    pg_url: str
    bootstrap: str
    token: str
    tmp: Path

    @property
    def async_url(self) -> str:
        return asyncpg_url(self.pg_url)

    def schema(self, service: str) -> str:
        return f"t{self.token}_{service}"

    @property
    def topic_prefix(self) -> str:
        return f"t{self.token}."

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    @property
    def api_keys_file(self) -> Path:
        return self.tmp / "api_keys.json"

    def api_key(self, *scopes: str) -> str:
        return create_key(self.api_keys_file, list(scopes) or ["read", "write"])[1]

    def env(self, service: str) -> dict[str, str]:
        """Environment for a service process of this test."""
        return {
            "DATABASE_URL": self.pg_url,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "DB_SCHEMA": self.schema(service),
            "CROSSSELL_TOPIC_PREFIX": self.topic_prefix,
            "CROSSSELL_API_KEYS_FILE": str(self.api_keys_file),
            "CROSSSELL_TEST_CLOCK": "1",
        }


def new_isolation(pg_url: str, bootstrap: str, tmp: Path) -> Isolation:
    return Isolation(pg_url, bootstrap, uuid.uuid4().hex[:10], tmp)
