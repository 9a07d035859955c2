"""Crash and outage fault suite (issue 9), the CI variant of ``crosssell chaos``.

Real processes, no mocks: one system (embedded PostgreSQL, embedded broker,
Salesforce emulator over HTTPS, the three services as child processes) on
ports offset by 750, and one scenario per test, each streaming its own book
of 8,000 events (``Sizes.quick``: shorter outages than the full run's 30 s
broker / 60 s Salesforce). Each asserts that every effect exists exactly
once: nothing lost, nothing duplicated, nothing unexpected, and the
scenario's own checks (events accepted during the broker outage, no service restarted
to recover, every Salesforce write acknowledged...).

The whole-system rows (issue 16: broker killed, whole system stopped with
SIGTERM, whole system killed with SIGKILL) run after the faults on one part:
they replace the broker or every process of the system under the same data.

Run alone: ``pytest tests/faults -s`` (prints the report table).
Full size: ``crosssell chaos`` (100,000 events per scenario).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from crosssell.chaos import report
from crosssell.chaos.run import FIRST_SEED
from tests.faults.harness import (
    SCENARIOS,
    ChaosOptions,
    ChaosSystem,
    ScenarioResult,
    quick_options,
    run_scenario,
)

OFFSET = 750  # clear of `crosssell up` (0), e2e (100), benches (500), `crosssell chaos` (700)
RESULTS: list[ScenarioResult] = []
pytestmark = pytest.mark.timeout(240)


def _log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


@pytest.fixture(scope="module")
def chaos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ChaosSystem, ChaosOptions]]:
    options = quick_options(port_offset=OFFSET, log=_log)
    base: Path = tmp_path_factory.mktemp("chaos")
    system = ChaosSystem(base / "system", port_offset=OFFSET, extra_env=options.crm_env, log=_log)
    _log(f"system up in {system.start():.1f}s")
    try:
        yield system, options
    finally:
        system.stop()
        if RESULTS:
            console = Console(width=160)
            console.print(report.table(RESULTS, title="Fault report (CI variant)"))
            console.print(report.details(RESULTS))


def _run(chaos: tuple[ChaosSystem, ChaosOptions], name: str) -> ScenarioResult:
    system, options = chaos
    result = run_scenario(system, name, FIRST_SEED + SCENARIOS.index(name), options)
    RESULTS.append(result)
    return result


def _assert_exactly_once(result: ScenarioResult) -> None:
    effects = result.effects
    detail = {
        k: v
        for k, v in result.as_dict()["by_kind"].items()
        if v["lost"] or v["duplicated"] or v["unexpected"]
    }
    assert effects.expected > 0, "the book produced nothing to check"
    assert effects.lost == 0, f"{result.name}: lost effects {detail}"
    assert effects.duplicated == 0, f"{result.name}: duplicated effects {detail}"
    assert effects.unexpected == 0, f"{result.name}: unexpected effects {detail}"
    assert not result.problems, f"{result.name}: {result.problems}"
    assert result.send.acknowledged == result.send.events, "the stream did not get through"


@pytest.mark.parametrize("service", ["signal_ingest", "play_orchestrator", "crm_sync"])
def test_kill_9_mid_stream_then_restart(
    chaos: tuple[ChaosSystem, ChaosOptions], service: str
) -> None:
    result = _run(chaos, f"kill:{service}")
    assert result.checks["exit_status"] == -9
    _assert_exactly_once(result)


def test_broker_frozen_ingest_keeps_accepting_nothing_lost_consumers_resume(
    chaos: tuple[ChaosSystem, ChaosOptions],
) -> None:
    result = _run(chaos, "broker-freeze")
    # the ingest journal: a broker outage alone refuses nothing (SPEC section 4)
    assert result.checks["answers_during_outage"] == {}
    assert result.checks["accepted_during_outage"] > 0
    _assert_exactly_once(result)


def test_postgres_restart_services_recover_by_themselves(
    chaos: tuple[ChaosSystem, ChaosOptions],
) -> None:
    result = _run(chaos, "postgres-restart")
    assert "ready_after_pg_s" in result.checks
    _assert_exactly_once(result)


def test_salesforce_failing_then_out_of_calls_every_write_lands_once(
    chaos: tuple[ChaosSystem, ChaosOptions],
) -> None:
    result = _run(chaos, "salesforce")
    assert sum(result.checks["fault_hits"].values()) > 0
    assert result.checks["sync_status"] == {"pending": 0, "failed": 0, "retrying": 0}
    _assert_exactly_once(result)


def test_deadlines_due_while_play_orchestrator_down_fire_once(
    chaos: tuple[ChaosSystem, ChaosOptions],
) -> None:
    result = _run(chaos, "deadlines")
    deadlines = result.effects.by_kind()["deadlines"]
    assert deadlines.expected > 0 and result.checks["expired"] == result.checks["plays"]
    _assert_exactly_once(result)


def test_broker_killed_and_started_empty_services_repair_nothing_lost(
    chaos: tuple[ChaosSystem, ChaosOptions],
) -> None:
    result = _run(chaos, "broker-kill")
    _assert_exactly_once(result)


@pytest.mark.timeout(420)
def test_whole_system_sigterm_drains_and_starts_again_nothing_lost(
    chaos: tuple[ChaosSystem, ChaosOptions],
) -> None:
    result = _run(chaos, "system-sigterm")
    assert result.checks["drain_completed"] is True
    _assert_exactly_once(result)


@pytest.mark.timeout(420)
def test_whole_system_sigkill_then_start_again_nothing_lost(
    chaos: tuple[ChaosSystem, ChaosOptions],
) -> None:
    result = _run(chaos, "system-sigkill")
    assert result.checks["processes_killed"] >= 5  # 3 services, broker, postmaster (+ backends)
    _assert_exactly_once(result)


def test_memory_broker_restart_is_survived_but_not_lossless(
    chaos: tuple[ChaosSystem, ChaosOptions],
) -> None:
    """A real stop + start of the MEMORY broker (it comes back empty): what the
    services must do is stay up and keep accepting (ingest 202 again, no crash,
    no restart). Losses are expected and reported, not asserted (see the
    report: durability across broker restarts needs a persistent broker)."""
    result = _run(chaos, "broker-restart")
    system, _ = chaos
    assert result.informational
    assert not result.problems, result.problems
    assert result.send.acknowledged == result.send.events
    assert all(system.ready(s) for s in ("signal_ingest", "play_orchestrator", "crm_sync"))
