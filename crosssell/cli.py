"""``crosssell``: run, migrate, manage keys and tools for the cross-sell play engine."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crosssell import session as sessions
from crosssell.services import SERVICES, ServiceSpec
from shared import auth

app = typer.Typer(help="Cross-sell play engine.", no_args_is_help=True, add_completion=False)
apikey = typer.Typer(help="Create, list and revoke ops API keys.", no_args_is_help=True)
app.add_typer(apikey, name="apikey")
dlq_app = typer.Typer(help="Inspect and replay dead-lettered messages.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
secrets_app = typer.Typer(help="The running system's API key and signing secret.")
app.add_typer(secrets_app, name="secrets")
Bootstrap = Annotated[
    str | None,
    typer.Option(help="Kafka servers (default: the running system's, from its session file)."),
]
console = Console()

KeysFile = Annotated[
    Path | None,
    typer.Option(
        envvar="CROSSSELL_API_KEYS_FILE",
        help="Where hashed API keys are kept (default: the running system's).",
    ),
]
SessionOpt = Annotated[
    Path | None,
    typer.Option(
        "--session",
        envvar="CROSSSELL_SESSION",
        help="Session file written by `crosssell up` (default: the running system's).",
    ),
]


def _session(explicit: Path | None) -> tuple[Path, dict[str, object]]:
    try:
        path = sessions.find(explicit)
        return path, sessions.load(path)
    except sessions.SessionNotFound as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc


def _keys_file(explicit: Path | None, session_file: Path | None) -> Path:
    if explicit is not None:
        return explicit
    path, data = _session(session_file)
    return sessions.api_keys_file(path, data)


def _bootstrap(explicit: str | None, session_file: Path | None) -> str:
    """--bootstrap, else the running system's broker, else $KAFKA_BOOTSTRAP_SERVERS."""
    if explicit:
        return explicit
    try:
        data = sessions.load(sessions.find(session_file))
    except sessions.SessionNotFound:
        data = {}
    servers = data.get("kafka") or os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not servers:
        console.print("[red]no running system found: pass --bootstrap or run `crosssell up`[/]")
        raise typer.Exit(1)
    return str(servers)


@app.command()
def up(
    with_postgres: Annotated[
        str | None, typer.Option("--with-postgres", help="Use this PostgreSQL URL.")
    ] = None,
    kafka: Annotated[str | None, typer.Option("--kafka", help="Use these Kafka servers.")] = None,
    data_dir: Annotated[Path, typer.Option(help="Embedded state and logs.")] = Path(".crosssell"),
    test_clock: Annotated[bool, typer.Option(help="Enable POST /v1/admin/clock.")] = False,
    port_offset: Annotated[
        int, typer.Option(help="Add this to every port (8001-8003, 8443, 9092).")
    ] = 0,
    drain_timeout: Annotated[
        float,
        typer.Option(
            "--drain-timeout",
            min=0,
            help="On Ctrl-C / SIGTERM, wait up to this many seconds for everything "
            "accepted to be published and consumed before stopping.",
        ),
    ] = 120.0,
) -> None:
    """Start the whole system on embedded defaults (Ctrl-C drains, then stops everything;
    a second Ctrl-C stops without waiting)."""
    from crosssell.supervisor import Supervisor

    Supervisor(
        data_dir=data_dir.resolve(),
        postgres_url=with_postgres,
        kafka=kafka,
        test_clock=test_clock,
        port_offset=port_offset,
        drain_timeout_s=drain_timeout,
    ).run()


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help=", ".join(SERVICES))],
    port: Annotated[int | None, typer.Option(help="Port (default: the service's own).")] = None,
    host: str = "127.0.0.1",
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Run one service (settings from the environment)."""
    import uvicorn

    from shared.slow_headers import HeaderDeadlineProtocol

    spec = _spec(service)
    uvicorn.run(
        spec.factory,
        factory=True,
        host=host,
        port=port or spec.port,
        log_level="warning",
        timeout_graceful_shutdown=30,
        workers=workers,
        http=HeaderDeadlineProtocol,  # slow request headers are cut off
    )


@app.command()
def migrate(
    service: Annotated[str, typer.Argument(help="A service name or 'all'.")] = "all",
    database_url: Annotated[str, typer.Option(envvar="DATABASE_URL")] = "",
) -> None:
    """Apply database migrations (services also do this at start-up)."""
    from shared.db.migrate import upgrade_url
    from shared.settings import asyncpg_url

    if not database_url:
        raise typer.BadParameter("set DATABASE_URL or pass --database-url")
    names = list(SERVICES) if service == "all" else [_spec(service).name]
    for name in names:
        schema = os.environ.get("DB_SCHEMA") if len(names) == 1 else None
        url = asyncpg_url(database_url)
        asyncio.run(upgrade_url(url, schema or name, SERVICES[name].migrations))
        console.print(f"[green]migrated[/] {name}")


@app.command(
    "sf-emulator",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def sf_emulator(
    ctx: typer.Context,
    host: str = "127.0.0.1",
    port: int = 8443,
    state_dir: Annotated[Path, typer.Option(help="CA file and state.")] = Path(".crosssell/sf"),
    outbound_url: Annotated[
        str | None, typer.Option(help="Send Opportunity Outbound Messages here.")
    ] = None,
) -> None:
    """Run the Salesforce emulator over HTTPS (dev and test only).

    Extra options are passed to the emulator (see emulators/salesforce/server.py).
    """
    from emulators.salesforce.server import main as emulator_main

    args = ["--host", host, "--port", str(port), "--state-dir", str(state_dir), *ctx.args]
    if outbound_url:
        from services.crm_sync.settings import DEFAULT_OUTBOUND_FIELDS

        fields = ",".join(DEFAULT_OUTBOUND_FIELDS)
        args += ["--outbound-rule", f"Opportunity:{fields}@{outbound_url}"]
    raise typer.Exit(emulator_main(args))


@app.command()
def demo(
    accounts: Annotated[int, typer.Option(min=1, help="Accounts in the synthetic book.")] = 200,
    seed: Annotated[int, typer.Option(help="Same seed, same book (re-runs are duplicates).")] = 7,
    session: SessionOpt = None,
    api_key: Annotated[
        str | None, typer.Option(help="Ops API key (default: the session's).")
    ] = None,
    ingest_secret: Annotated[
        str | None,
        typer.Option(envvar="INGEST_HMAC_SECRET", help="HMAC secret for POST /v1/events."),
    ] = None,
    drive: Annotated[bool, typer.Option(help="Drive some plays forward through the API.")] = True,
) -> None:
    """Push a synthetic book through the running system; print signals, plays, Opportunities."""
    from crosssell.demo import DemoError, DemoOptions, run_demo

    options = DemoOptions(
        session=_session(session)[0],
        accounts=accounts,
        seed=seed,
        api_key=api_key,
        ingest_secret=ingest_secret,
        drive=drive,
    )
    try:
        run_demo(options, Console(width=max(Console().width, 120)))
    except DemoError as exc:
        console.print(f"[red]demo: {exc}[/]")
        raise typer.Exit(1) from exc


SessionFile = Annotated[Path, typer.Option(help="Session file written by `crosssell up`.")]
DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", envvar="DATABASE_URL", help="PostgreSQL (default: session's)."),
]


@app.command()
def backtest(
    catalog: Annotated[Path, typer.Option(help="Candidate catalog (YAML).")],
    since: Annotated[
        float | None, typer.Option(min=0, help="Count only the last DAYS (default: all).")
    ] = None,
    account: Annotated[
        list[str] | None, typer.Option(help="Only this account (repeatable).")
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the result, every signal too.")
    ] = None,
    live_catalog: Annotated[
        Path | None, typer.Option(help="Live catalog (default: CATALOG_PATH or the sample).")
    ] = None,
    session: SessionFile = Path(".crosssell/session.json"),
    database_url: DatabaseUrl = None,
) -> None:
    """Replay the ingest journal with a candidate catalog; compare with live and outcomes."""
    from crosssell.backtest import BacktestError, backtest_command

    out = Console(width=max(Console().width, 140))
    try:
        backtest_command(
            catalog, since, account or [], json_file, session, database_url, live_catalog, out
        )
    except BacktestError as exc:
        console.print(f"[red]backtest:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from exc


@app.command()
def calibrate(
    min_plays: Annotated[
        int, typer.Option(min=2, help="Refuse with fewer closed (won/lost/expired) plays.")
    ] = 30,
    target_win_rate: Annotated[
        float, typer.Option(help="Open a play where the predicted chance of winning reaches this.")
    ] = 0.25,
    since: Annotated[
        float | None,
        typer.Option(min=0, help="Only plays closed, and the backtest, in the last DAYS."),
    ] = None,
    write: Annotated[Path | None, typer.Option(help="Write the proposed catalog here.")] = None,
    live_catalog: Annotated[
        Path | None, typer.Option(help="Live catalog (default: CATALOG_PATH or the sample).")
    ] = None,
    session: SessionFile = Path(".crosssell/session.json"),
    database_url: DatabaseUrl = None,
) -> None:
    """Propose signal weights and the play threshold from closed plays, as a catalog diff."""
    from crosssell.backtest import BacktestError, live_catalog_path
    from crosssell.backtest import database_url as find_database
    from crosssell.calibrate import calibrate_command

    out = Console(width=max(Console().width, 140))
    try:
        calibrate_command(
            find_database(database_url, session),
            live_catalog or live_catalog_path(),
            min_plays,
            target_win_rate,
            since,
            write,
            out,
        )
    except BacktestError as exc:
        console.print(f"[red]calibrate:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from exc


@app.command()
def bench(
    quick: Annotated[
        bool, typer.Option("--quick", help="Everything small, under 2 minutes (CI smoke run).")
    ] = False,
    only: Annotated[
        str | None, typer.Option(help="Scenarios to run, e.g. 1,3 (default: all seven).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Where to write the JSON results.")] = Path(
        "bench-results/bench.json"
    ),
    profile: Annotated[
        bool, typer.Option(help="Record the service processes with py-spy (if installed).")
    ] = False,
) -> None:
    """Run the performance suite; print the table (figure, target, ratio, met), write JSON."""
    from bench.suite import parse_only, run_suite

    try:
        scenarios = parse_only(only)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    _, errors = run_suite(quick=quick, only=scenarios, out=out, profile=profile)
    if errors:
        raise typer.Exit(1)


@app.command()
def chaos(
    events: Annotated[
        int | None,
        typer.Option(min=1, help="Events streamed per scenario (100,000; --quick: 8,000)."),
    ] = None,
    quick: Annotated[
        bool, typer.Option(help="The CI variant: 8,000 events, shorter outages, one system.")
    ] = False,
    scenario: Annotated[
        list[str] | None, typer.Option(help="Run only these (repeatable); default: all.")
    ] = None,
    port_offset: Annotated[int, typer.Option(help="Add this to every port.")] = 700,
    work_dir: Annotated[
        Path | None, typer.Option(help="Data and logs of the systems (default: a temp dir).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="JSON report (bench-results/chaos.json; --quick: chaos-quick.json)."),
    ] = None,
) -> None:
    """Fault suite: kill -9 each service, freeze the broker, restart PostgreSQL, fail
    Salesforce, let deadlines fall due while play_orchestrator is down, kill the broker,
    stop (SIGTERM) and kill -9 the whole system; print the report."""
    import sys
    import time

    from crosssell.chaos import report
    from crosssell.chaos.run import SCENARIOS, ChaosOptions, quick_options, run_chaos
    from crosssell.chaos.scenarios import Sizes

    wide = Console(width=max(Console().width, 120))
    names = tuple(scenario or SCENARIOS)
    options = quick_options() if quick else ChaosOptions()
    options.sizes = Sizes.quick(events or 8_000) if quick else Sizes(events or 100_000)
    options.scenarios = names
    options.port_offset = port_offset
    options.work_dir = work_dir.resolve() if work_dir else None
    options.log = lambda message: wide.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {message}")
    started = time.monotonic()
    try:
        results = run_chaos(options)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    command = " ".join(["crosssell", *sys.argv[1:]])
    wide.print(report.table(results, title=f"Fault report: {command}"))
    wide.print(report.details(results))
    wide.print("* informational: the memory broker keeps nothing across a restart")
    data = report.to_json(results, options.sizes, command, time.monotonic() - started)
    out = out or Path("bench-results/chaos-quick.json" if quick else "bench-results/chaos.json")
    report.write_json(out, data)
    wide.print(f"report: {out}")
    if not data["ok"]:
        raise typer.Exit(1)


@apikey.command("create")
def apikey_create(
    scopes: Annotated[str, typer.Option(help="Comma-separated: read,write,admin")] = "read,write",
    label: Annotated[str, typer.Option(help="Who it is for: the actor of its changes.")] = "",
    keys_file: KeysFile = None,
    session: SessionOpt = None,
) -> None:
    """Create a key; it is printed once and stored only as a hash."""
    try:
        key_id, key = auth.create_key(
            _keys_file(keys_file, session), [s.strip() for s in scopes.split(",")], label
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(f"key id {key_id} ({scopes}):")
    print(key)


@apikey.command("revoke")
def apikey_revoke(key_id: str, keys_file: KeysFile = None, session: SessionOpt = None) -> None:
    """Revoke a key by id (takes effect within a second, no restart)."""
    if not auth.revoke_key(_keys_file(keys_file, session), key_id):
        raise typer.BadParameter(f"no key with id {key_id}")
    console.print(f"revoked {key_id}")


@apikey.command("list")
def apikey_list(keys_file: KeysFile = None, session: SessionOpt = None) -> None:
    """List keys (ids, scopes, state — never the keys)."""
    table = Table("id", "label", "scopes", "created", "revoked")
    for entry in auth._read(_keys_file(keys_file, session))["keys"]:
        table.add_row(
            entry["id"],
            entry.get("label", ""),
            ",".join(entry["scopes"]),
            entry["created_at"][:19],
            "yes" if entry.get("revoked") else "no",
        )
    console.print(table)


@dlq_app.command("list")
def dlq_list(
    topic: Annotated[str, typer.Argument(help="The original topic, e.g. crosssell.events")],
    bootstrap: Bootstrap = None,
    limit: int = 50,
    session: SessionOpt = None,
) -> None:
    """Show dead letters of a topic with their error and original coordinates."""
    from crosssell.dlq import list_dead_letters

    servers = _bootstrap(bootstrap, session)
    table = Table("partition", "offset", "from", "orig. offset", "attempts", "key", "error")
    for d in asyncio.run(list_dead_letters(servers, topic, limit)):
        table.add_row(
            str(d.partition),
            str(d.offset),
            d.original_topic,
            d.original_offset,
            d.attempts,
            d.key,
            d.error[:80],
        )
    console.print(table)


@dlq_app.command("replay")
def dlq_replay(
    topic: Annotated[str, typer.Argument(help="The original topic, e.g. crosssell.events")],
    bootstrap: Bootstrap = None,
    group: str = "crosssell-dlq-replay",
    session: SessionOpt = None,
) -> None:
    """Republish a topic's dead letters to where they came from (after fixing the cause)."""
    from crosssell.dlq import replay

    count = asyncio.run(replay(_bootstrap(bootstrap, session), topic, group))
    console.print(f"replayed {count} message(s) from {topic}.dlq")


@secrets_app.command("show")
def secrets_show(
    export: Annotated[
        bool,
        typer.Option(
            "--export",
            help='Shell lines for eval "$(...)": KEY=, PRODUCT_SECRET= (one per source), '
            "INGEST_HMAC_SECRET= (the product source's)",
        ),
    ] = False,
    session: SessionOpt = None,
) -> None:
    """The API key `crosssell up` printed and each source's ingest signing secret.

    A secret signs only as its own source (``X-Crosssell-Source``).
    """
    import shlex

    path, data = _session(session)
    per_source = sessions.ingest_secrets(path, data)
    values = {"KEY": str(data.get("api_key") or "")}
    values.update({f"{source.upper()}_SECRET": secret for source, secret in per_source.items()})
    values["INGEST_HMAC_SECRET"] = per_source.get("product", "")
    if export:
        for name, value in values.items():
            print(f"export {name}={shlex.quote(value)}")
        return
    console.print(f"session: {path}")
    console.print(f"ops console: {data.get('console', '')}")
    for name, value in values.items():
        print(f"{name}={value}")


@app.command()
def replay(
    since: Annotated[
        str,
        typer.Option(help="Accepted since: an ISO time (2026-11-02T14:00:00Z) or an age (6h, 3d)."),
    ],
    account: Annotated[
        list[str] | None, typer.Option(help="Only this account (repeat for several).")
    ] = None,
    session: SessionOpt = None,
    database_url: Annotated[
        str | None,
        typer.Option(envvar="DATABASE_URL", help="PostgreSQL URL (default: the session's)."),
    ] = None,
) -> None:
    """Re-publish journaled events to crosssell.events, in the order they were accepted.

    For recovery: after a broker lost messages, or to feed consumers again. The
    running signal_ingest's journal relay publishes them; consumers' inboxes skip
    what they already applied.
    """
    from crosssell.replay import parse_since
    from crosssell.replay import replay as mark

    try:
        since_at = parse_since(since)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from exc
    url = database_url or _session_value(_session(session)[0], "database_url")
    count = asyncio.run(mark(url, since_at, account or []))
    scope = f" of {', '.join(account)}" if account else ""
    console.print(
        f"{count} journaled event(s){scope} accepted since {since_at.isoformat()} marked for "
        "re-publishing; signal_ingest's journal relay sends them in acceptance order"
    )


def _session_value(session: Path, key: str) -> str:
    try:
        value = json.loads(session.read_text()).get(key)
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(
            f"cannot read {session} ({exc}); is `crosssell up` running? or pass --database-url",
            param_hint="--session",
        ) from exc
    if not value or value == "None":
        raise typer.BadParameter(f"{session} has no {key}; pass it explicitly", param_hint=key)
    return str(value)


def _spec(name: str) -> ServiceSpec:
    if name not in SERVICES:
        raise typer.BadParameter(f"unknown service {name!r}; one of {', '.join(SERVICES)}")
    return SERVICES[name]


def main() -> None:
    app()


if __name__ == "__main__":
    main()
