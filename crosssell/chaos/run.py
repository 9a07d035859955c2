"""Run fault scenarios against real systems and report.

    results = run_chaos(ChaosOptions(sizes=Sizes.quick(), work_dir=Path("/tmp/c")))

``fresh_systems``: every scenario on a system of its own (the full run), or
all of them, one after the other, on one system with a seed each (the quick
run: the books never share an account, so each scenario counts only its own
effects).
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from crosssell.chaos import scenarios, whole
from crosssell.chaos.scenarios import Run, ScenarioResult, Sizes
from crosssell.chaos.system import QUICK_CRM_ENV, ChaosSystem

FIRST_SEED = 101
# Every row: a fault on one part (``scenarios``), then on the whole system (``whole``).
SCENARIOS = (*scenarios.SCENARIOS, *whole.WHOLE_SYSTEM_SCENARIOS)
RUNNERS: dict[str, Callable[[Run], ScenarioResult]] = {
    **scenarios.RUNNERS,
    **whole.WHOLE_SYSTEM_RUNNERS,
}


@dataclass
class ChaosOptions:
    sizes: Sizes = field(default_factory=Sizes)
    scenarios: tuple[str, ...] = SCENARIOS
    work_dir: Path | None = None
    port_offset: int = 700
    fresh_systems: bool = True
    crm_env: dict[str, str] = field(default_factory=dict)
    log: Callable[[str], None] = lambda _msg: None


def quick_options(**overrides: object) -> ChaosOptions:
    options = ChaosOptions(sizes=Sizes.quick(), fresh_systems=False, crm_env=dict(QUICK_CRM_ENV))
    for name, value in overrides.items():
        setattr(options, name, value)
    return options


@contextmanager
def _system(options: ChaosOptions, base: Path, name: str) -> Iterator[ChaosSystem]:
    system = ChaosSystem(
        base / name,
        port_offset=options.port_offset,
        extra_env=options.crm_env,
        log=options.log,
    )
    took = system.start()
    options.log(f"system up in {took:.1f}s ({base / name})")
    try:
        yield system
    finally:
        system.stop()


def run_scenario(
    system: ChaosSystem, name: str, seed: int, options: ChaosOptions
) -> ScenarioResult:
    options.log(f"-- {name} (seed {seed}, {options.sizes.events:,} events)")
    run = Run(system, seed, options.sizes, options.log)
    try:
        result = RUNNERS[name](run)
    finally:
        system.thaw_broker()
        if name == "salesforce":
            system.sf_clear_faults()
            system.sf_usage(used=0)
    if name == "deadlines":
        # its test clock is days ahead now; a restart puts it back on real time
        system.kill("play_orchestrator", signal.SIGTERM)
        system.restart("play_orchestrator")
    options.log(
        f"   {result.name}: expected {result.effects.expected}, found {result.effects.found}, "
        f"lost {result.effects.lost}, duplicated {result.effects.duplicated}, "
        f"unexpected {result.effects.unexpected}, problems {result.problems} "
        f"({result.duration_s:.0f}s)"
    )
    return result


def shared_order(name: str) -> int:
    """On one shared system: the faults on one part first, then those that replace
    the broker or the whole system, the memory broker's restart (informational) last."""
    if name == "broker-restart":
        return 2
    return 1 if name in whole.WHOLE_SYSTEM_SCENARIOS else 0


def run_chaos(options: ChaosOptions) -> list[ScenarioResult]:
    unknown = [s for s in options.scenarios if s not in RUNNERS]
    if unknown:
        raise ValueError(f"unknown scenario(s) {unknown}; known: {', '.join(SCENARIOS)}")
    results: list[ScenarioResult] = []
    seeds = {name: FIRST_SEED + i for i, name in enumerate(SCENARIOS)}
    base = options.work_dir or Path(tempfile.mkdtemp(prefix="crosssell-chaos-"))
    try:
        if options.fresh_systems:
            for name in options.scenarios:
                with _system(options, base, name.replace(":", "-")) as system:
                    results.append(run_scenario(system, name, seeds[name], options))
        else:
            ordered = sorted(options.scenarios, key=shared_order)
            with _system(options, base, "shared") as system:
                for name in ordered:
                    results.append(run_scenario(system, name, seeds[name], options))
                    time.sleep(0.5)
    except BaseException:
        options.log(f"data and logs kept in {base}")
        raise
    if options.work_dir is None and all(r.ok for r in results):
        shutil.rmtree(base, ignore_errors=True)  # a temp dir of ours, and nothing to look at
    else:
        options.log(f"data and logs kept in {base}")
    return results
