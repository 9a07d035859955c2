"""Run a few slow tests' work ahead of their turn, beside the integration suite.

Four tests only drive whole systems as child processes, each on ports of its
own, and mostly wait on them: ``crosssell bench --quick`` (tests/bench),
``crosssell up`` + ``crosssell demo`` for the e2e test, the secret scan and
the console's browser test. The integration suite mostly waits too (on the
broker's consumer-group joins: about 0.15 of a core over its ~4 minutes).

When both are selected, ``tests/conftest.py`` runs the integration suite
first and, from its first test on (the session's PostgreSQL and broker already
up, so no two embedded PostgreSQL start at once), this work in one background
thread, one test after the other. The four tests come right after the
integration suite and take their work's outcome: its return value, or the
exception it raised (an assertion, ``pytest.fail``, ``pytest.skip``), raised
again in the test. What a test runs and asserts is unchanged; only when its
work runs. Run alone (``pytest tests/e2e``), or with ``CROSSSELL_TEST_SERIAL=1``,
a test does its work in place, as before.

Work started here must not read ``os.environ``: tests running meanwhile change
it (``monkeypatch.setenv``). ``environ()`` is the environment as the session
found it, which is what a test sees outside its own monkeypatching. Nor may it
print (the output would land in whichever test is running): ``work(directory,
notes)`` appends what it has to say to ``notes``, which the test prints (and
which a failure carries as its notes). Its child processes get SIGINT (what
Ctrl-C sends: ``crosssell up`` and ``crosssell bench`` stop what they started)
if the thread that started them ends (``die_with_parent``), so an interrupted
session leaves no system behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import pytest

Work = Callable[[Path, list[str]], Any]
F = TypeVar("F", bound=Callable[..., Any])
SERIAL = bool(os.environ.get("CROSSSELL_TEST_SERIAL"))
_ENVIRON = dict(os.environ)  # at start-up (tests/conftest.py imports this), before any test
BESIDE = "tests/integration"  # the suite the work runs beside


def work(fn: Work) -> Callable[[F], F]:
    """Mark a test whose work ``fn(directory, notes) -> outcome`` may run ahead of its turn."""

    def mark(test: F) -> F:
        test.early_work = fn  # type: ignore[attr-defined]
        return test

    return mark


def environ() -> dict[str, str]:
    """The environment as the session started (for child processes of early work)."""
    return dict(_ENVIRON)


def work_of(item: pytest.Item) -> Work | None:
    return getattr(getattr(item, "function", None), "early_work", None)


def _do(fn: Work, directory: Path) -> tuple[Any, list[str]]:
    notes: list[str] = []
    try:
        return fn(directory, notes), notes
    except BaseException as exc:  # an assertion, pytest.fail or skip: raised in the test
        if notes:
            exc.add_note("\n".join(notes))
        raise


# Looked up once here: after a fork (with other threads about) the child should load nothing.
_PRCTL = ctypes.CDLL("libc.so.6", use_errno=True).prctl
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """``preexec_fn``: SIGINT to the child when the thread that started it ends."""
    with contextlib.suppress(Exception):
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGINT)


class Lane:
    """The background thread and the outcome of each test's work."""

    def __init__(self, items: list[pytest.Item]) -> None:
        self._jobs = [(item.nodeid, item.name, work_of(item)) for item in items]
        self._futures: dict[str, Future[Any]] = {}
        self.started = False

    def start(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.started = True
        jobs = [
            (nodeid, fn, tmp_path_factory.mktemp(name[:30]))
            for nodeid, name, fn in self._jobs
            if fn is not None
        ]
        self._futures = {nodeid: Future() for nodeid, _, _ in jobs}

        def run() -> None:
            for nodeid, fn, directory in jobs:
                future = self._futures[nodeid]
                future.set_running_or_notify_cancel()
                try:
                    future.set_result(_do(fn, directory))
                except BaseException as exc:
                    future.set_exception(exc)

        threading.Thread(target=run, name="early-tests", daemon=True).start()

    def future(self, nodeid: str) -> Future[Any] | None:
        return self._futures.get(nodeid)


LANE = pytest.StashKey[Lane]()


def outcome(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """The test's work's outcome, from the background thread or done now; prints its notes."""
    fn: Work = request.function.early_work
    lane = request.config.stash.get(LANE, None)
    future = lane.future(request.node.nodeid) if lane is not None else None
    result, notes = _do(fn, tmp_path) if future is None else future.result()
    for note in notes:
        print(note)
    return result
