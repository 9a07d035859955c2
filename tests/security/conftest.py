"""The three services for the security suites, seeded with one account that opened a play,
and the closing tally of cases tried and failures per suite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from tests.security.log_check import LogSpy
from tests.security.support import (
    TALLY,
    Keys,
    Service,
    count,
    make_keys,
    post_events,
    running,
    seed_events,
)
from tests.support.isolation import Isolation, new_isolation
from tests.support.kafka import wait_until

SEED_ACCOUNT = "001SEC0000001"


@dataclass
class System:
    iso: Isolation
    keys: Keys
    ingest: Service
    plays: Service
    crm: Service
    play_id: str
    signal_id: str

    @property
    def services(self) -> list[Service]:
        return [self.ingest, self.plays, self.crm]


@pytest.fixture(scope="package")
async def system(
    pg_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    tmp = tmp_path_factory.mktemp("security")
    iso = new_isolation(pg_url, kafka_bootstrap, tmp)
    keys = make_keys(iso.api_keys_file)
    spy = LogSpy()
    async with (
        running("signal_ingest", iso, tmp) as ingest,
        running("play_orchestrator", iso, tmp) as plays,
        running("crm_sync", iso, tmp) as crm,
        httpx.AsyncClient(
            base_url=ingest.base_url, timeout=20, headers=Keys.bearer(keys.admin)
        ) as http,
    ):
        spy.install()  # after the services configured their logging
        (profile_source, profile), (usage_source, usage) = seed_events(SEED_ACCOUNT)
        await post_events(http, profile_source, [profile])

        async def known() -> bool:
            return (await http.get(f"/v1/accounts/{SEED_ACCOUNT}")).status_code == 200

        await wait_until(known, timeout_s=30)
        await post_events(http, usage_source, [usage])

        async def signal() -> list[dict]:  # type: ignore[type-arg]
            response = await http.get("/v1/signals", params={"account_id": SEED_ACCOUNT})
            return list(response.json()["items"])

        [seeded_signal] = await wait_until(signal, timeout_s=30)

        async def play() -> list[dict]:  # type: ignore[type-arg]
            response = await http.get(plays.url("/v1/plays"), params={"account_id": SEED_ACCOUNT})
            return list(response.json()["items"])

        [seeded_play] = await wait_until(play, timeout_s=30)
        yield System(iso, keys, ingest, plays, crm, seeded_play["id"], seeded_signal["id"])
        spy.install()  # again, in case a test restarted a service's logging
    spy.remove()
    # After everything the suites sent (and the services' shutdown): not one traceback.
    count("service logs without a traceback (in-process)", not spy.found, "; ".join(spy.found))
    assert not spy.found, spy.found[:20]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY:
        return
    write = terminalreporter.write_line
    terminalreporter.section("security and bad-input tally")
    write(f"{'suite':<70} {'cases tried':>12} {'failures':>9}")
    total_tried = total_failed = 0
    for suite in sorted(TALLY):
        entry = TALLY[suite]
        total_tried += entry.tried
        total_failed += entry.failed
        write(f"{suite:<70} {entry.tried:>12} {entry.failed:>9}")
        for note in entry.notes:
            write(f"    ! {note[:300]}")
    write(f"{'total':<70} {total_tried:>12} {total_failed:>9}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The services under test run in this process: their own use of ``random`` while
    # hypothesis draws in the test's thread is not the test's strategy using it.
    for item in items:
        if "tests/security/" in str(item.fspath):
            item.add_marker(
                pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
            )
