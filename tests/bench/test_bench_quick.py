"""CI smoke run of the performance suite: ``crosssell bench --quick``.

Runs the real command as a subprocess (every scenario, small) and checks that
it produced a complete table and JSON: all seven scenarios, every figure a
positive number, each target row with its ratio and verdict. It asserts
nothing about the figures themselves (a shared CI machine is too noisy).

In a full run the command runs beside the integration suite, ahead of this
test's turn (``tests/support/early.py``); the test checks what it produced.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import early
from tests.support.system import WITHOUT_MODEL

ROOT = Path(__file__).resolve().parents[2]
# A target row per scenario (the figure the issue asks for); 7 has one per process.
TARGETS = {1: 1, 2: 2, 3: 2, 4: 1, 5: 1, 6: 2, 7: 4}


def _bench(
    directory: Path, notes: list[str]
) -> tuple[subprocess.CompletedProcess[str], float, Path]:
    out = directory / "bench.json"
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "crosssell.cli", "bench", "--quick", "--out", str(out)],
        cwd=ROOT,
        env={**early.environ(), **WITHOUT_MODEL, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=840,
        preexec_fn=early.die_with_parent,  # noqa: PLW1509
    )
    return proc, time.monotonic() - started, out


@pytest.mark.slow
@pytest.mark.timeout(900)
@early.work(_bench)
def test_bench_quick_produces_the_whole_table(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    proc, took, out = early.outcome(request, tmp_path)
    print(proc.stdout[-6000:])
    print(f"crosssell bench --quick took {took:.0f}s")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]

    # the table on stdout
    for header in ("figure", "value", "target", "ratio", "met"):
        assert header in proc.stdout
    for name in (
        "HTTP ingest",
        "consumer pipeline",
        "end-to-end latency",
        "Salesforce economy",
        "deadline sweep",
        "pipeline metrics API",
        "peak RSS",
    ):
        assert name in proc.stdout, name

    # the same as JSON
    doc = json.loads(out.read_text())
    assert doc["quick"] is True and not doc["errors"]
    assert doc["machine"]["cores"] >= 1 and doc["machine"]["ram_gb"] > 0
    assert doc["machine"]["python"] and doc["started_at"] and doc["finished_at"]
    rows = doc["rows"]
    assert {r["scenario"] for r in rows} == set(range(1, 8))
    for row in rows:
        assert isinstance(row["value"], int | float) and math.isfinite(row["value"]), row
        # every figure with a target is positive; context rows (per-hop times) are >= 0
        assert row["value"] > 0 if row["target"] is not None else row["value"] >= 0, row
        assert row["figure"] and row["unit"] is not None
        if row["target"] is not None:
            assert row["comparison"] in (">=", "<=")
            assert row["ratio"] is not None and row["ratio"] > 0, row
            assert isinstance(row["met"], bool), row
    for scenario, count in TARGETS.items():
        targeted = [r for r in rows if r["scenario"] == scenario and r["target"] is not None]
        assert len(targeted) >= count, (scenario, targeted)
