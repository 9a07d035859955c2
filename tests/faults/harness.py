"""The fault-suite harness, for tests: a real system under fault and its effects.

The code lives in ``crosssell.chaos`` (``crosssell chaos`` runs the same
scenarios at full size); this module is the tests' entry point to it.

    system = ChaosSystem(tmp_path, port_offset=750, extra_env=QUICK_CRM_ENV)
    system.start()                      # embedded PG + broker, emulator, 3 services
    system.kill("crm_sync"); system.restart("crm_sync")
    system.freeze_broker(); system.thaw_broker()
    system.stop_postgres(); system.start_postgres()
    system.sf_fault(kind="lock", seconds=60); system.sf_usage(used=...)
    system.set_clock("play_orchestrator", when)
    system.wait_settled()               # ready, nothing pending, counters still
    system.stop()

    run = Run(system, seed, Sizes.quick(), log)   # a book of events + its sender
    result = RUNNERS["kill:crm_sync"](run)        # -> ScenarioResult (effects, checks)
"""

from __future__ import annotations

from crosssell.chaos.effects import EffectCount, Effects, collect, compare
from crosssell.chaos.run import (
    RUNNERS,
    SCENARIOS,
    ChaosOptions,
    quick_options,
    run_chaos,
    run_scenario,
)
from crosssell.chaos.scenarios import Run, ScenarioResult, Sizes
from crosssell.chaos.stream import Sender, book_events
from crosssell.chaos.system import QUICK_CRM_ENV, ChaosError, ChaosSystem

__all__ = [
    "QUICK_CRM_ENV",
    "RUNNERS",
    "SCENARIOS",
    "ChaosError",
    "ChaosOptions",
    "ChaosSystem",
    "EffectCount",
    "Effects",
    "Run",
    "ScenarioResult",
    "Sender",
    "Sizes",
    "book_events",
    "collect",
    "compare",
    "quick_options",
    "run_chaos",
    "run_scenario",
]
