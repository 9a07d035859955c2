"""Session-wide real components: PostgreSQL and the Kafka-protocol broker.

``DATABASE_URL`` / ``KAFKA_BOOTSTRAP_SERVERS`` are used when set; otherwise the
embedded PostgreSQL and the embedded broker are started for the session. Each
test isolates itself with its own schema and topic prefix (see ``isolated``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.embedded import EmbeddedBroker, EmbeddedPostgres
from tests.support.isolation import Isolation, new_isolation


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    data = Path(tempfile.mkdtemp(prefix="crosssell-test-pg-")) / "pg"
    server = EmbeddedPostgres(data, delete_on_stop=True)
    url = server.start()
    yield url
    server.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        return
    broker = EmbeddedBroker()
    broker.start()
    yield broker.bootstrap
    broker.stop()


@pytest.fixture
def isolated(pg_url: str, kafka_bootstrap: str, tmp_path: Path) -> Isolation:
    """A fresh schema name, topic prefix and API-keys file for one test."""
    return new_isolation(pg_url, kafka_bootstrap, tmp_path)
