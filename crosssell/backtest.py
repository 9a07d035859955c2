"""``crosssell backtest``: what a candidate catalog would have done on the
journaled history, next to what the live catalog did, and against how the
closed plays ended.

    crosssell backtest --catalog candidate.yaml --since 90 --json out.json
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from services.signal_ingest.backtest.run import CANDIDATE, LIVE, BacktestInput, public, run_backtest
from services.signal_ingest.domain import Catalog, CatalogError, load_catalog
from services.signal_ingest.settings import SignalIngestSettings


class BacktestError(Exception):
    """Something the user has to fix; the message says what."""


def load_candidate(path: Path, what: str = "candidate catalog") -> Catalog:
    """Validate as the service does at start-up; refuse with its message."""
    try:
        return load_catalog(path)
    except CatalogError as exc:
        raise BacktestError(f"{what} refused: {exc}") from exc


def live_catalog_path() -> Path:
    """The catalog the running service uses: CATALOG_PATH, else the sample."""
    env = os.environ.get("CATALOG_PATH")
    if env:
        return Path(env)
    default = SignalIngestSettings.model_fields["catalog_path"].default
    return Path(default)


def database_url(explicit: str | None, session: Path) -> str:
    if explicit:
        return explicit
    if not session.exists():
        raise BacktestError(
            f"no session file at {session}: run `crosssell up` first or pass --database-url"
        )
    try:
        url = json.loads(session.read_text()).get("database_url")
    except (OSError, ValueError) as exc:
        raise BacktestError(f"{session} is not a crosssell session file ({exc})") from exc
    if not url:
        raise BacktestError(
            f"{session} names no database (restart `crosssell up`) — pass --database-url"
        )
    return str(url)


def run(spec: BacktestInput, console: Console) -> dict[str, Any]:
    import asyncio

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("replaying the journal", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = asyncio.run(run_backtest(spec, advance))
        progress.update(task, description="replayed")
    return result


def _reasons(row: dict[str, Any] | None) -> str:
    if not row or not row["reasons"]:
        return ""
    ranked = sorted(row["reasons"].items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in ranked)


def _pair(live: Any, cand: Any) -> str:
    return f"{live}" if live == cand else f"{live} → {cand}"


def breakdown_table(result: dict[str, Any]) -> Table:
    live = {(r["adjacent_product"], r["signal_type"]): r for r in result["runs"][LIVE]["breakdown"]}
    cand = {
        (r["adjacent_product"], r["signal_type"]): r for r in result["runs"][CANDIDATE]["breakdown"]
    }
    table = Table(
        "adjacent product",
        "signal type",
        "qualified",
        "suppressed",
        "stale",
        "plays would open",
        "suppressed by reason (candidate)",
        title="Signals per adjacent product and type (live → candidate)",
    )
    empty = {"qualified": 0, "suppressed": 0, "stale": 0, "plays": 0, "reasons": {}}
    for key in sorted(set(live) | set(cand)):
        a, b = live.get(key, empty), cand.get(key, empty)
        cells = [_pair(a[c], b[c]) for c in ("qualified", "suppressed", "stale", "plays")]
        table.add_row(key[0].replace("_", " "), key[1].replace("_", " "), *cells, _reasons(b))
    return table


OUTCOME_LABELS = (
    ("plays_would_open", "plays that would open"),
    ("closed_plays", "plays that closed in the period"),
    ("won", "won"),
    ("won_found", "won plays it would also open"),
    ("recall_of_wins", "recall of wins"),
    ("lost_or_expired", "lost or expired"),
    ("lost_or_expired_avoided", "lost or expired it would avoid"),
    ("new_plays", "new plays (no real play)"),
)


def outcomes_table(result: dict[str, Any]) -> Table:
    table = Table("", "live catalog", "candidate", title="Against the plays that closed")
    live, cand = result["runs"][LIVE]["outcomes"], result["runs"][CANDIDATE]["outcomes"]
    for key, label in OUTCOME_LABELS:
        table.add_row(label, _fmt(live[key]), _fmt(cand[key]))
    return table


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.0%}"
    return f"{value:,}"


def print_result(result: dict[str, Any], console: Console) -> None:
    period = result["period"]
    console.print(
        f"replayed {result['events_replayed']:,} events "
        f"(period {period['since'] or 'whole journal'} to {period['until']}; "
        f"{result['undecodable']} undecodable)"
    )
    if not result["plays_known"]:
        console.print("[yellow]no play_orchestrator schema: play gates and outcomes are empty[/]")
    console.print(breakdown_table(result))
    console.print(outcomes_table(result))
    f = result["fidelity"]
    console.print(
        f"live catalog replay vs stored live signals: {f['same']:,} same, "
        f"{f['different']:,} different, {f['only_stored']:,} only stored, "
        f"{f['only_replayed']:,} only replayed"
    )


def backtest_command(
    catalog: Path,
    since: float | None,
    accounts: Sequence[str],
    json_path: Path | None,
    session: Path,
    url: str | None,
    live_catalog: Path | None,
    console: Console,
) -> dict[str, Any]:
    candidate = load_candidate(catalog)
    live = load_candidate(live_catalog or live_catalog_path(), "live catalog")
    spec = BacktestInput(database_url(url, session), live, candidate, since, tuple(accounts))
    result = run(spec, console)
    print_result(result, console)
    if json_path is not None:
        json_path.write_bytes(orjson.dumps(public(result), option=orjson.OPT_INDENT_2))
        console.print(f"written: {json_path} ({len(result['signals']):,} signals)")
    return result
