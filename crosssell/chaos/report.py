"""The fault report: one row per scenario, and the JSON kept in ``bench-results/``."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.table import Table

from crosssell.chaos.scenarios import ScenarioResult, Sizes

COLUMNS = ("fault", "events sent", "effects expected", "effects found", "lost", "duplicated")


def table(results: list[ScenarioResult], title: str = "Fault report") -> Table:
    out = Table(*COLUMNS, title=title)
    for r in results:
        name = r.name + (" *" if r.informational else "")
        style = None if r.ok else "red"
        out.add_row(
            name,
            f"{r.events_sent:,}",
            f"{r.effects.expected:,}",
            f"{r.effects.found:,}",
            str(r.effects.lost),
            str(r.effects.duplicated),
            style=style,
        )
    return out


def details(results: list[ScenarioResult]) -> Table:
    """Per scenario and effect kind (signals / plays / opportunities / tasks /
    deadlines): expected / found, and what the scenario measured on the way."""
    out = Table("fault", "signals", "plays", "opps", "tasks", "deadlines", "took", "notes")
    for r in results:
        kinds = r.effects.by_kind()

        def cell(kind: str, kinds: dict[str, Any] = kinds) -> str:
            c = kinds.get(kind)
            if c is None:
                return ""
            extra = f" +{c.unexpected}?" if c.unexpected else ""
            return f"{c.found}/{c.expected}{extra}"

        notes = "; ".join(_notes(r))
        out.add_row(
            r.name,
            cell("signals"),
            cell("plays"),
            cell("opportunities"),
            cell("tasks"),
            cell("deadlines"),
            f"{r.duration_s:.0f}s",
            notes,
        )
    return out


def _notes(r: ScenarioResult) -> list[str]:
    c = r.checks
    notes = []
    if "restart_ready_s" in c:
        notes.append(f"ready {c['restart_ready_s']}s after restart")
    if "accepted_during_outage" in c:
        notes.append(f"{c['accepted_during_outage']:,} events accepted during the outage")
    if "answers_during_outage" in c:
        answers = ", ".join(f"{k}x{v}" for k, v in sorted(c["answers_during_outage"].items()))
        notes.append(f"ingest refusals during outage: {answers or 'none'}")
    if "slowest_503_s" in c:
        notes.append(f"slowest 503 {c['slowest_503_s']}s")
    if "recovered_after_thaw_s" in c:
        notes.append(f"settled {c['recovered_after_thaw_s']}s after SIGCONT")
    if "ready_after_pg_s" in c:
        notes.append(f"ready {c['ready_after_pg_s']}s after PG start")
    if "fault_hits" in c:
        hits = ", ".join(f"{k} x{v}" for k, v in c["fault_hits"].items())
        notes.append(f"failed calls: {hits}; refused over limit x{c.get('refused_over_limit')}")
    if "writes_landed_after_recovery_s" in c:
        notes.append(f"queue empty {c['writes_landed_after_recovery_s']}s after recovery")
    if "expired" in c:
        notes.append(f"{c['expired']}/{c['plays']} plays expired")
    if "drain_s" in c:
        done = "completed" if c.get("drain_completed") else "NOT completed"
        notes.append(f"drain {c['drain_s']}s ({done})")
    if "start_again_ready_s" in c:
        notes.append(f"ready {c['start_again_ready_s']}s after the new start")
    if "repaired_after_start_s" in c:
        notes.append(f"settled {c['repaired_after_start_s']}s after it")
    if "repaired_after_kill_s" in c:
        notes.append(f"settled {c['repaired_after_kill_s']}s after the kill")
    notes.extend(f"[red]{p}[/]" for p in r.problems[:3])
    return notes


def to_json(
    results: list[ScenarioResult], sizes: Sizes, command: str, elapsed_s: float
) -> dict[str, Any]:
    return {
        "command": command,
        "at": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "sizes": vars(sizes),
        "elapsed_s": round(elapsed_s, 1),
        "ok": all(r.ok for r in results),
        "scenarios": [r.as_dict() for r in results],
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
