"""What every scenario of the performance suite shares.

* ``BenchEnv``: PostgreSQL and the broker: ``DATABASE_URL`` /
  ``KAFKA_BOOTSTRAP_SERVERS`` when set, else the embedded ones (started once,
  stopped at the end).
* ``Row``: one figure of a scenario: value, unit, target and comparison; the
  ratio is value / target (>= 1 meets a ``>=`` target, <= 1 a ``<=`` one).
  Rows without a target are context (e.g. the raw bus rate, per-hop times).
* ``print_table`` (rich) and ``write_json`` (the rows plus machine info and
  timestamps).
* ``RssSampler``: peak RSS of processes, sampled with psutil in a thread.
* ``spawn_service``: one real service (``crosssell serve``) as a child process.
* ``py_spy``: an optional sampling profile of a child process (py-spy, if
  installed; nothing happens when it is not).
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil
from rich.console import Console
from rich.table import Table

from shared.embedded import EmbeddedBroker, EmbeddedPostgres, free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench-results"
SCENARIOS = {
    1: "HTTP ingest",
    2: "consumer pipeline",
    3: "end-to-end latency",
    4: "Salesforce economy",
    5: "deadline sweep",
    6: "pipeline metrics API",
    7: "peak RSS",
}


# -- result rows ----------------------------------------------------------------
@dataclass
class Row:
    scenario: int
    figure: str
    value: float
    unit: str
    target: float | None = None
    comparison: str = ""  # ">=" or "<=" (empty: context, no target)
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.target is None or not self.comparison:
            return None
        return self.value / self.target if self.target else None

    @property
    def met(self) -> bool | None:
        if self.target is None or not self.comparison:
            return None
        if self.comparison == ">=":
            return self.value >= self.target
        return self.value <= self.target

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["scenario_name"] = SCENARIOS.get(self.scenario, "")
        out["ratio"] = None if self.ratio is None else round(self.ratio, 4)
        out["met"] = self.met
        return out


def _fmt(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:,.1f}"
    if value >= 0.1:
        return f"{value:.3g}"
    return f"{value:.4g}"


def table(rows: Sequence[Row], title: str = "crosssell bench") -> Table:
    t = Table(title=title)
    t.add_column("#", justify="right")
    t.add_column("scenario")
    t.add_column("figure")
    t.add_column("value", justify="right")
    t.add_column("target", justify="right")
    t.add_column("ratio", justify="right")
    t.add_column("met", justify="center")
    for row in sorted(rows, key=lambda r: r.scenario):
        target = f"{row.comparison} {_fmt(row.target)}" if row.target is not None else ""
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else ""
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: ""}[row.met]
        t.add_row(
            str(row.scenario),
            SCENARIOS.get(row.scenario, ""),
            row.figure,
            f"{_fmt(row.value)} {row.unit}",
            f"{target} {row.unit}" if target else "",
            ratio,
            met,
        )
    return t


def print_table(rows: Sequence[Row], title: str = "crosssell bench") -> None:
    Console(width=160).print(table(rows, title))


def machine_info() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "load_avg_at_end": [round(x, 2) for x in load] if load else None,
    }


def write_json(
    path: Path,
    rows: Sequence[Row],
    *,
    started_at: datetime,
    quick: bool,
    extra: dict[str, Any] | None = None,
) -> None:
    finished = datetime.now(UTC)
    document = {
        "quick": quick,
        "started_at": started_at.isoformat(),
        "finished_at": finished.isoformat(),
        "duration_s": round((finished - started_at).total_seconds(), 1),
        "machine": machine_info(),
        "rows": [r.as_dict() for r in rows],
        "all_met": all(r.met is not False for r in rows),
        **(extra or {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))


def say(message: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- environment ----------------------------------------------------------------
@dataclass
class BenchEnv:
    pg_url: str
    bootstrap: str
    scratch: Path
    _pg: EmbeddedPostgres | None = None
    _broker: EmbeddedBroker | None = None
    profile: bool = False

    def close(self) -> None:
        if self._broker is not None:
            self._broker.stop()
        if self._pg is not None:
            with contextlib.suppress(Exception):
                self._pg.stop()
        shutil.rmtree(self.scratch, ignore_errors=True)


@contextlib.contextmanager
def bench_env(profile: bool = False) -> Iterator[BenchEnv]:
    """DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set, else embedded ones."""
    scratch = Path(tempfile.mkdtemp(prefix="crosssell-bench-"))
    pg = broker = None
    pg_url = os.environ.get("DATABASE_URL")
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    env: BenchEnv | None = None
    try:
        if not pg_url:
            say("starting embedded PostgreSQL")
            pg = EmbeddedPostgres(scratch / "pg", delete_on_stop=True)
            pg_url = pg.start()
        if not bootstrap:
            say("starting the embedded broker")
            broker = EmbeddedBroker(log_path=scratch / "broker.log")
            bootstrap = broker.start()
        env = BenchEnv(pg_url, bootstrap, scratch, pg, broker, profile)
        yield env
    finally:
        if env is not None:
            env.close()
        else:
            if broker is not None:
                broker.stop()
            if pg is not None:
                pg.stop()
            shutil.rmtree(scratch, ignore_errors=True)


# -- processes --------------------------------------------------------------------
class RssSampler:
    """Peak RSS (bytes) of each named process, sampled every ``interval_s``."""

    def __init__(self, interval_s: float = 0.1) -> None:
        self.interval_s = interval_s
        self.procs: dict[str, psutil.Process] = {}
        self.peak: dict[str, int] = {}
        self.last: dict[str, int] = {}
        self.series: dict[str, list[tuple[float, float]]] = {}  # (s since start, MB), ~1/s
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, name: str, pid: int) -> None:
        with contextlib.suppress(psutil.Error):
            self.procs[name] = psutil.Process(pid)
            self.peak.setdefault(name, 0)

    def sample(self) -> None:
        for name, proc in list(self.procs.items()):
            try:
                rss = proc.memory_info().rss
            except psutil.Error:
                continue
            self.last[name] = rss
            self.peak[name] = max(self.peak.get(name, 0), rss)
            at = time.monotonic() - self._started
            points = self.series.setdefault(name, [])
            if not points or at - points[-1][0] >= 1.0:
                points.append((round(at, 1), round(rss / 2**20, 1)))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def __enter__(self) -> RssSampler:
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self.sample()

    def peak_mb(self, name: str) -> float:
        return round(self.peak.get(name, 0) / 2**20, 1)


def postgres_cpu_seconds() -> float:
    """User + system CPU seconds of every live ``postgres`` process on the machine
    (server, backends, WAL writer, checkpointer): the database's share of a
    scenario when read before and after it. Backends that exit in between are
    missed, so this is a lower bound."""
    total = 0.0
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] not in ("postgres", "postmaster"):
            continue
        with contextlib.suppress(psutil.Error):
            t = proc.cpu_times()
            total += t.user + t.system
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its live descendants: a figure
    far less sensitive than wall time to other work on a shared machine."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            t = proc.cpu_times()
            total += t.user + t.system
    return total


def spawn_service(
    service: str, port: int, env: dict[str, str], log_path: Path, workers: int = 1
) -> subprocess.Popen[bytes]:
    """``crosssell serve SERVICE`` as a child process (logs to ``log_path``)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")  # noqa: SIM115 - the child holds it; closed with the process
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "crosssell.cli", "serve", service, "--port", str(port)]
            + (["--workers", str(workers)] if workers > 1 else []),
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        log.close()


def stop_process(proc: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def wait_ready(base_url: str, proc: subprocess.Popen[bytes], timeout_s: float = 90) -> None:
    host, port = base_url.rsplit("//", 1)[1].split(":")
    wait_for_port(host, int(port), timeout_s=timeout_s)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{base_url}: the service exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/readyz", timeout=2, trust_env=False).status_code == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{base_url} not ready after {timeout_s:.0f}s")


def metric_value(text: str, name: str) -> float:
    """Sum of a Prometheus metric's samples (all label sets) in exposition text."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and (len(line) > len(name) and line[len(name)] in " {"):
            total += float(line.rsplit(" ", 1)[1])
    return total


@contextlib.contextmanager
def py_spy(pid: int, name: str, enabled: bool, rate: int = 97) -> Iterator[Path | None]:
    """``py-spy record`` of a process while the block runs (if asked and installed).

    Writes ``bench-results/profiles/<name>.txt`` (collapsed stacks: one line per
    stack with its sample count) and ``<name>.svg`` (a flame graph)."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not enabled or not Path(exe).exists():
        if enabled:
            say("py-spy is not installed (pip install py-spy==0.4.3); no profile")
        yield None
        return
    out = RESULTS_DIR / "profiles"
    out.mkdir(parents=True, exist_ok=True)
    procs = [
        subprocess.Popen(
            [
                exe,
                "record",
                "--pid",
                str(pid),
                "--rate",
                str(rate),
                "--format",
                fmt,
                "--output",
                str(out / f"{name}.{ext}"),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fmt, ext in (("raw", "txt"),)
    ]
    try:
        yield out / f"{name}.txt"
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        with contextlib.suppress(Exception):
            summarise_profile(out / f"{name}.txt")


_LINENO = re.compile(r":\d+\)$")


def summarise_profile(collapsed: Path, top: int = 40) -> Path:
    """Self and total share of each function in a collapsed-stack file."""
    own: dict[str, int] = {}
    total: dict[str, int] = {}
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_s = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_s)
        samples += count
        frames = [_LINENO.sub(")", f) for f in stack.split(";")]
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            total[frame] = total.get(frame, 0) + count
    lines = [f"{samples} samples ({collapsed.name})", "", "self%   total%  function"]
    for frame, count in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"{100 * count / samples:5.1f}  {100 * total[frame] / samples:6.1f}  {frame}")
    lines += ["", "total%  function (inclusive)"]
    for frame, count in sorted(total.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"{100 * count / samples:6.1f}  {frame}")
    path = collapsed.with_suffix(".summary.txt")
    path.write_text("\n".join(lines) + "\n")
    return path


__all__ = [
    "ROOT",
    "RESULTS_DIR",
    "SCENARIOS",
    "BenchEnv",
    "Row",
    "RssSampler",
    "bench_env",
    "cpu_seconds",
    "free_port",
    "machine_info",
    "metric_value",
    "print_table",
    "postgres_cpu_seconds",
    "py_spy",
    "say",
    "spawn_service",
    "stop_process",
    "table",
    "wait_ready",
    "write_json",
]
