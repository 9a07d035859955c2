"""Session-wide real components: PostgreSQL and the Kafka-protocol broker.

``DATABASE_URL`` / ``KAFKA_BOOTSTRAP_SERVERS`` are used when set; otherwise the
embedded PostgreSQL and the embedded broker are started for the session. Each
test isolates itself with its own schema and topic prefix (see ``isolated``).

Also the order of a run that has both the integration suite and the tests whose
work may run beside it (``tests/support/early.py``; ``CROSSSELL_TEST_SERIAL=1``
turns that off): the integration suite first, those tests right after it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.embedded import EmbeddedBroker, EmbeddedPostgres
from tests.support import early
from tests.support.isolation import Isolation, new_isolation


def _beside(item: pytest.Item, rootpath: Path) -> bool:
    return item.path.is_relative_to(rootpath / early.BESIDE)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if early.SERIAL:
        return
    ahead = [item for item in items if early.work_of(item) is not None]
    beside = [item for item in items if _beside(item, config.rootpath)]
    if not ahead or not beside:
        return
    moved = {id(item) for item in ahead + beside}
    items[:] = beside + ahead + [item for item in items if id(item) not in moved]
    config.stash[early.LANE] = early.Lane(ahead)


@pytest.fixture(autouse=True)
def _early_work(request: pytest.FixtureRequest) -> None:
    """At the integration suite's first test, start the work that runs beside it."""
    lane = request.config.stash.get(early.LANE, None)
    if lane is None or lane.started or not _beside(request.node, request.config.rootpath):
        return
    # The session's PostgreSQL and broker first: no two embedded starts at once.
    request.getfixturevalue("pg_url")
    request.getfixturevalue("kafka_bootstrap")
    lane.start(request.getfixturevalue("tmp_path_factory"))


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
