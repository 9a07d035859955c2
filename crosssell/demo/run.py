"""``crosssell demo``: push the book, let the system work, drive plays, report.

run_demo(DemoOptions(session=Path(".crosssell/session.json")), console)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from crosssell.demo import report
from crosssell.demo.book import Book, build_book, describe
from crosssell.demo.client import Api, DemoError, IngestTotals, batches, load_session
from crosssell.demo.drive import Driven, drive_plays

# Account facts first, so the gates know the account when its signals arrive.
CONTEXT_TYPES = ("account.profile", "account.renewal", "account.escalation")


@dataclass(frozen=True)
class DemoOptions:
    session: Path
    accounts: int = 200
    seed: int = 7
    api_key: str | None = None
    ingest_secret: str | None = None
    drive: bool = True
    wait_timeout_s: float = 150.0  # after the push; after driving, at most 60 s
    quiet_s: float = 8.0


def run_demo(options: DemoOptions, console: Console) -> None:
    session = load_session(options.session, options.api_key, options.ingest_secret)
    api = Api(session)
    try:
        api.check_running()
        now = datetime.now(UTC)
        book = build_book(options.seed, options.accounts, now=now)
        facts = describe(book)
        console.print(
            f"book: seed {options.seed}, {facts['accounts']} accounts, {facts['events']:,} "
            f"events over {book.days} days: {facts['red']} red, "
            f"{facts['renewal_within_60d']} renewing within 60 days, "
            f"{facts['low_adoption']} below 60% adoption, {facts['ceiling_last_14d']} crossing "
            f"80% of a limit in the last 14 days, {facts['pain_pattern']} with three or more "
            "people naming an adjacent pain"
        )
        totals = push(api, book, console)
        console.print(report.ingest_table(totals))
        for reason in totals.reasons[:10]:
            console.print(f"[red]rejected[/] {reason}")
        if len(totals.reasons) > 10:
            console.print(f"[red]... and {len(totals.reasons) - 10} more rejected[/]")
        wait_until_settled(api, console, options, "signals and plays")
        if options.drive:
            driven = drive(api, book, console)
            console.print(driven_table(driven))
            wait_until_settled(api, console, options, "plays and Salesforce", timeout_s=60.0)
        print_report(api, console)
    finally:
        api.close()


def push(api: Api, book: Book, console: Console) -> IngestTotals:
    context = [e for e in book.events if e["type"] in CONTEXT_TYPES]
    rest = [e for e in book.events if e["type"] not in CONTEXT_TYPES]
    totals = IngestTotals()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("pushing events", total=len(book.events))
        for phase in (context, rest):
            for source, batch in batches(phase):
                progress.update(task, description=f"pushing {source} events")
                totals.add(source, api.post_batch(source, batch), batch)
                progress.advance(task, len(batch))
        progress.update(task, description="pushed")
    return totals


def _or_empty(read: Callable[[], list[dict[str, Any]] | None]) -> list[dict[str, Any]]:
    try:
        return read() or []
    except DemoError:  # an API not there (yet): the report says so later
        return []


def _fingerprint(api: Api) -> tuple[Hashable, str]:
    """What must stop changing, and a short line saying where things stand."""
    signals = _or_empty(api.signals)
    plays = _or_empty(api.plays)
    records = _or_empty(api.opportunities)
    opportunities = tuple(
        sorted(
            (
                str(r.get("Id")),
                str(r.get("StageName")),
                str(r.get("Cross_Sell_Hygiene__c")),
                str(r.get("Play_State__c")),
            )
            for r in records
        )
    )
    states = tuple(sorted((p["id"], p["state"]) for p in plays))
    statuses = tuple(sorted((s["id"], s["status"]) for s in signals))
    line = f"{len(signals)} signals, {len(plays)} plays, {len(records)} opportunities"
    return (api.activity(), statuses, states, opportunities), line


def wait_until_settled(
    api: Api,
    console: Console,
    options: DemoOptions,
    what: str,
    timeout_s: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> bool:
    """Poll until nothing changed for ``quiet_s``; False on timeout (the demo goes on)."""
    timeout_s = min(timeout_s or options.wait_timeout_s, options.wait_timeout_s)
    started = clock()
    last, line = _fingerprint(api)
    changed_at = started
    with console.status(f"waiting for {what} to settle: {line}") as status:
        while clock() - changed_at < options.quiet_s:
            if clock() - started > timeout_s:
                console.print(
                    f"[yellow]still changing after {timeout_s:.0f}s; "
                    f"reporting what is there ({line})[/]"
                )
                return False
            time.sleep(1.0)
            current, line = _fingerprint(api)
            if current != last:
                last, changed_at = current, clock()
            status.update(f"waiting for {what} to settle: {line}")
    console.print(f"settled after {clock() - started:.0f}s: {line}")
    return True


def drive(api: Api, book: Book, console: Console) -> list[Driven]:
    def refused(driven: Driven, reason: str) -> None:
        console.print(f"[yellow]{driven.account} / {driven.adjacent_product}:[/] {reason}")

    return drive_plays(api.plays(), book, datetime.now(UTC), api.command, api.play, refused)


def driven_table(driven: list[Driven]) -> Table:
    table = Table(
        "account",
        "adjacent product",
        "planned",
        "state now",
        "refused",
        title=f"Plays driven through the API ({len(driven)})",
    )
    for d in driven:
        refused = d.refusals[0].split(":", 1)[0] if d.refusals else ""
        table.add_row(d.account, d.adjacent_product, d.fate, d.state, refused)
    return table


def print_report(api: Api, console: Console) -> None:
    sections: list[tuple[str, Callable[[], list[Table]]]] = [
        ("signals", lambda: _signal_tables(api)),
        ("plays", lambda: [report.plays_table(api.plays())]),
        ("Salesforce", lambda: _opportunity_tables(api)),
        ("pipeline metrics", lambda: [report.pipeline_table(api.pipeline_metrics())]),
    ]
    for name, build in sections:
        try:
            tables = build()
        except DemoError as exc:
            console.print(f"[red]{name}: {exc}[/]")
            continue
        for table in tables:
            console.print(table)


def _signal_tables(api: Api) -> list[Table]:
    signals = api.signals()
    return [report.signals_table(signals), report.suppressions_table(signals)]


def _opportunity_tables(api: Api) -> list[Table]:
    records = api.opportunities()
    if records is None:
        raise DemoError("no Salesforce emulator in the session file")
    return [report.opportunities_table(records), report.hygiene_table(records)]
