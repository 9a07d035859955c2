"""``crosssell calibrate``: propose signal weights and the play threshold from
how the closed plays ended, with their uncertainty; show the backtest of the
proposal and the catalog diff that applies it.

    crosssell calibrate [--min-plays 30] [--target-win-rate 0.25] [--write proposed.yaml]
"""

from __future__ import annotations

import asyncio
import difflib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import yaml
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crosssell.backtest import BacktestError, load_candidate, print_result, run
from services.signal_ingest.backtest import source
from services.signal_ingest.backtest.calibrate import (
    CalibrationRefused,
    ClosedPlay,
    Proposal,
    calibrate,
)
from services.signal_ingest.backtest.run import BacktestInput
from services.signal_ingest.domain import CatalogError, parse_catalog


async def closed_plays(url: str, since: datetime | None) -> list[ClosedPlay]:
    conn = await asyncpg.connect(source.plain_url(url))
    try:
        rows = await source.closed_play_counts(conn, "signal_ingest", "play_orchestrator", since)
    finally:
        await conn.close()
    if rows is None:
        raise BacktestError("no play_orchestrator schema in this database: no closed plays")
    return [ClosedPlay(play_id, won, counts) for play_id, won, counts in rows]


def proposed_text(live_text: str, proposal: Proposal) -> str:
    """The live catalog's text with the fitted weights and the threshold
    replaced in place (comments and layout kept, so the diff is small)."""
    lines = live_text.splitlines(keepends=True)
    in_weights = False
    out = []
    for line in lines:
        m = re.match(r"^(\s*)([a-z_]+):\s*([0-9.]+)(.*)$", line.rstrip("\n"))
        if re.match(r"^\s*weights:\s*$", line):
            in_weights = True
        elif m and m.group(2) == "play_threshold":
            line = f"{m.group(1)}play_threshold: {proposal.threshold.value:.1f}{m.group(4)}\n"
        elif in_weights and m and m.group(2) in proposal.weights:
            value = proposal.weights[m.group(2)].value
            line = f"{m.group(1)}{m.group(2)}: {value:.1f}{m.group(4)}\n"
        elif in_weights and line.strip() and not m:
            in_weights = False
        out.append(line)
    return "".join(out)


def proposal_table(proposal: Proposal, current: dict[str, float], threshold: float) -> Table:
    table = Table(
        "",
        "current",
        "proposed",
        "95% interval",
        title=(
            f"Proposal from {proposal.plays} closed plays ({proposal.won} won); a play opens "
            f"where the predicted chance of winning reaches {proposal.target_win_rate:.0%}"
        ),
    )
    for name, est in sorted(proposal.weights.items(), key=lambda kv: -kv[1].value):
        table.add_row(
            f"weight: {name.replace('_', ' ')}",
            f"{current[name]:g}",
            f"{est.value:.1f}",
            f"{est.low:.1f} – {est.high:.1f}",
        )
    for name in proposal.unfitted:
        table.add_row(f"weight: {name.replace('_', ' ')}", f"{current[name]:g}", "kept", "no data")
    t = proposal.threshold
    table.add_row(
        "play threshold", f"{threshold:g}", f"{t.value:.1f}", f"{t.low:.1f} – {t.high:.1f}"
    )
    return table


def calibrate_command(
    url: str,
    live_path: Path,
    min_plays: int,
    target_win_rate: float,
    since: float | None,
    write: Path | None,
    console: Console,
) -> Proposal:
    live = load_candidate(live_path, "live catalog")
    current = {str(t): w for t, w in live.settings.weights.items()}
    closed_since = datetime.now(UTC) - timedelta(days=since) if since else None
    plays = asyncio.run(closed_plays(url, closed_since))
    try:
        proposal = calibrate(plays, current, target_win_rate=target_win_rate, min_plays=min_plays)
    except CalibrationRefused as exc:
        raise BacktestError(f"calibration refused: {exc}") from exc
    console.print(proposal_table(proposal, current, live.settings.play_threshold))
    if proposal.threshold.value < live.settings.play_threshold:
        console.print(
            "[yellow]note:[/] every closed play had reached the current threshold, so a lower "
            "one is an extrapolation: the history cannot say how plays with less evidence end. "
            "Read the backtest below (new plays) before applying it."
        )
    live_text = live_path.read_text()
    text = proposed_text(live_text, proposal)
    try:
        candidate = parse_catalog(yaml.safe_load(text))
    except CatalogError as exc:  # e.g. a threshold the catalog does not accept
        raise BacktestError(f"the proposal is not a valid catalog: {exc}") from exc
    console.print("\n[bold]Backtest of the proposal[/] (live → proposed)")
    result = run(BacktestInput(url, live, candidate, since), console)
    print_result(result, console)
    diff = difflib.unified_diff(
        live_text.splitlines(keepends=True),
        text.splitlines(keepends=True),
        fromfile=str(live_path),
        tofile=str(write or live_path),
    )
    console.print("\n[bold]Catalog diff[/] (apply with `patch -p0` or --write):")
    console.print(escape("".join(diff)), highlight=False, soft_wrap=True)
    if write is not None:
        write.write_text(text)
        console.print(f"written: {write}")
    return proposal
