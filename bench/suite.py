"""The performance suite: every scenario against the real components, one table.

``crosssell bench [--quick] [--only 1,3] [--out bench-results/bench.json] [--profile]``
(or ``python -m bench``). Scenarios (targets in the table):

1. HTTP ingest (``bench.signal_ingest``)      5. deadline sweep (``bench.play_orchestrator``)
2. consumer pipeline (``bench.signal_ingest``) 6. pipeline metrics API (``bench.play_orchestrator``)
3. end-to-end latency (``bench.latency``)      7. peak RSS (during 2 and 3)
4. Salesforce economy (``bench.crm_sync``)

One PostgreSQL and one broker (``DATABASE_URL`` / ``KAFKA_BOOTSTRAP_SERVERS``
or embedded) serve scenarios 1, 2, 4, 5 and 6, each in its own schema and
topic prefix; scenario 3 starts a whole system of its own (``crosssell up``).
``--quick`` runs everything small (under two minutes) and asserts nothing
about time: it is the CI smoke run. The exit status is 0 when every scenario
ran (targets missed or not); 1 when one failed to run.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from bench import crm_sync, latency, play_orchestrator, signal_ingest
from bench.common import RESULTS_DIR, SCENARIOS, Row, bench_env, print_table, say, write_json

# (module, the scenarios it measures), in the order they run
MODULES: list[tuple[ModuleType, set[int]]] = [
    (signal_ingest, {1, 2, 7}),
    (crm_sync, {4}),
    (play_orchestrator, {5, 6}),
    (latency, {3, 7}),
]
DEFAULT_OUT = RESULTS_DIR / "bench.json"


def parse_only(value: str | None) -> set[int]:
    if not value:
        return set(SCENARIOS)
    chosen = {int(x) for x in value.replace(" ", "").split(",") if x}
    unknown = chosen - set(SCENARIOS)
    if unknown:
        raise ValueError(f"unknown scenario(s) {sorted(unknown)}; 1-7")
    return chosen


def run_suite(
    *,
    quick: bool = False,
    only: Iterable[int] | None = None,
    out: Path = DEFAULT_OUT,
    profile: bool = False,
    echo: Callable[[list[Row]], None] = print_table,
) -> tuple[list[Row], list[dict[str, Any]]]:
    """Run the chosen scenarios; print the table, write the JSON; return
    (rows, errors)."""
    wanted = set(only or SCENARIOS)
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    rows: list[Row] = []
    errors: list[dict[str, Any]] = []
    timings: dict[str, float] = {}
    with bench_env(profile=profile) as env:
        for module, covers in MODULES:
            mine = wanted & covers
            if not mine or mine == {7} and 7 not in wanted:
                continue
            name = module.__name__.rsplit(".", 1)[1]
            t0 = time.perf_counter()
            try:
                produced: list[Row] = module.run(env, quick, mine)
                rows += [r for r in produced if r.scenario in wanted]
            except Exception as exc:  # one broken scenario must not hide the others
                say(f"{name} failed: {exc!r}")
                errors.append(
                    {
                        "module": name,
                        "scenarios": sorted(mine),
                        "error": repr(exc)[:2000],
                        "traceback": traceback.format_exc()[-4000:],
                    }
                )
            timings[name] = round(time.perf_counter() - t0, 1)
            say(f"{name}: {timings[name]}s")
    echo(rows)
    write_json(
        out,
        rows,
        started_at=started_at,
        quick=quick,
        extra={
            "scenarios": {str(k): v for k, v in SCENARIOS.items() if k in wanted},
            "module_seconds": timings,
            "errors": errors,
            "wall_s": round(time.perf_counter() - started, 1),
        },
    )
    missed = [r for r in rows if r.met is False]
    say(
        f"wrote {out}; {len(rows)} rows, {len(missed)} target(s) missed, "
        f"{len(errors)} error(s), {time.perf_counter() - started:.0f}s"
    )
    return rows, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="everything small (CI smoke run)")
    parser.add_argument("--only", default=None, help="scenarios, e.g. 1,3 (default: all)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--profile", action="store_true", help="py-spy the service processes")
    args = parser.parse_args(argv)
    _, errors = run_suite(
        quick=args.quick, only=parse_only(args.only), out=args.out, profile=args.profile
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
