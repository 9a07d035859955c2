"""Fault rows on the whole system (issue 16): nothing lost when it stops, crashes or
loses its broker.

* ``system-sigterm``: ``crosssell up`` asked to stop half-way through the stream
  (what its SIGTERM handler does: the ordered drain, then the stop of the
  services, the broker and PostgreSQL), then started again on the same data
  directory. The drain must complete; the stream's sender meets 503s and
  refused connections meanwhile and sends again, as a vendor would.
* ``system-sigkill``: every process of the system killed with SIGKILL at once
  half-way through the stream (services, broker, the postmaster and its
  backends - a power cut), then started again on the same data directory:
  PostgreSQL recovers from its WAL, the broker comes back empty, and the
  services re-publish what the broker may have lost.
* ``broker-kill``: the broker killed with SIGKILL and started again (empty) on
  the same port while the services run; they must notice and repair.

The Salesforce org (the emulator, ``org.py``) is not part of the system: it
keeps running, as a real org would. Each row counts effects as the others do:
0 lost, 0 duplicated.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from crosssell.chaos.scenarios import Run, ScenarioResult

WHOLE_SYSTEM_SCENARIOS = ("broker-kill", "system-sigterm", "system-sigkill")


def _answers_since(run: Run, since: float) -> dict[str, int]:
    return dict(run.sender.stats.answers_between(since, run.sender.clock() + 1e9))


def system_sigterm(run: Run) -> ScenarioResult:
    started = time.monotonic()
    system = run.system
    run.start_stream()
    run.sender.wait_for(0.5)
    run.checks["stopped_at_events"] = run.sender.stats.acknowledged
    stop_at = run.sender.clock()
    stopping = time.monotonic()
    system.stop_system(drain=True)
    outcome = system.supervisor.drain_outcome
    run.checks["stop_s"] = round(time.monotonic() - stopping, 1)
    if outcome is None:
        run.problems.append("no drain: the system was not running")
    else:
        run.checks["drain_s"] = round(outcome.seconds, 1)
        run.checks["drain_completed"] = outcome.completed
        run.checks["drain_recorded"] = outcome.recorded
        if not outcome.completed:
            run.problems.append(f"drain not completed: {outcome.reason}")
    run.checks["start_again_ready_s"] = round(system.start_again(), 1)
    run.checks["answers_while_stopped"] = _answers_since(run, stop_at)
    effects, _ = run.finish()
    return run.result(
        "whole system SIGTERM",
        "crosssell up stopped half-way (drain), started again on the same data",
        effects,
        started,
    )


def system_sigkill(run: Run) -> ScenarioResult:
    started = time.monotonic()
    system = run.system
    run.start_stream()
    run.sender.wait_for(0.5)
    run.checks["killed_at_events"] = run.sender.stats.acknowledged
    killed_at = run.sender.clock()
    run.checks["processes_killed"] = len(system.kill_system())
    time.sleep(1.0)
    run.checks["start_again_ready_s"] = round(system.start_again(), 1)
    back = time.monotonic()
    effects, _ = run.finish()
    run.checks["repaired_after_start_s"] = round(time.monotonic() - back, 1)
    run.checks["answers_while_down"] = _answers_since(run, killed_at)
    return run.result(
        "whole system SIGKILL",
        "every process kill -9 half-way (PostgreSQL and broker too), started again",
        effects,
        started,
    )


def broker_kill(run: Run) -> ScenarioResult:
    started = time.monotonic()
    run.start_stream()
    run.sender.wait_for(0.5)
    killed = time.monotonic()
    run.system.kill_broker(down_s=2.0)
    effects, _ = run.finish()
    run.checks["repaired_after_kill_s"] = round(time.monotonic() - killed, 1)
    run.require_same_pids()
    return run.result(
        "broker killed",
        "broker kill -9, an empty one started (services keep running)",
        effects,
        started,
    )


WHOLE_SYSTEM_RUNNERS: dict[str, Callable[[Run], ScenarioResult]] = {
    "broker-kill": broker_kill,
    "system-sigterm": system_sigterm,
    "system-sigkill": system_sigkill,
}
