"""Fault injection: lock errors, 5xx, latency and expired sessions on demand.

A fault applies to the next ``count`` calls, or to every call for ``seconds``
(or both: whichever runs out first). ``lock_record`` faults fail individual
records inside Collections calls (per-record UNABLE_TO_LOCK_ROW) instead of
the whole call. A ``status`` fault with ``after_commit`` processes the call
and then answers 5xx, like a gateway timeout after the write happened.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("lock", "lock_record", "status", "latency", "session")


@dataclass
class Fault:
    id: int
    kind: str
    count: int | None = None
    until: float | None = None
    status: int = 503
    latency_ms: int = 0
    after_commit: bool = False
    path_contains: str | None = None
    hits: int = 0

    def active(self, now: float) -> bool:
        if self.count is not None and self.count <= 0:
            return False
        return self.until is None or now < self.until

    def consume(self) -> None:
        self.hits += 1
        if self.count is not None:
            self.count -= 1

    def public(self, now: float) -> dict[str, Any]:
        out = asdict(self)
        out["remaining_s"] = None if self.until is None else max(0.0, self.until - now)
        del out["until"]
        return out


@dataclass
class Faults:
    faults: list[Fault] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add(
        self,
        kind: str,
        count: int | None = None,
        seconds: float | None = None,
        status: int = 503,
        latency_ms: int = 0,
        after_commit: bool = False,
        path_contains: str | None = None,
    ) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {', '.join(KINDS)}")
        if count is None and seconds is None:
            count = 1
        until = time.monotonic() + seconds if seconds is not None else None
        fault = Fault(
            next(self._ids), kind, count, until, status, latency_ms, after_commit, path_contains
        )
        self._prune(time.monotonic())  # keep the list short: spent faults go
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        self.faults.clear()

    def view(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        self._prune(now)
        return [f.public(now) for f in self.faults]

    def _prune(self, now: float) -> None:
        self.faults = [f for f in self.faults if f.active(now)]

    def _matching(self, path: str, kind: str) -> list[Fault]:
        now = time.monotonic()
        return [
            f
            for f in self.faults
            if f.kind == kind and f.active(now) and (not f.path_contains or f.path_contains in path)
        ]

    def latency_s(self, path: str) -> float:
        """Added latency for this call (every matching latency fault adds up)."""
        total = 0.0
        for fault in self._matching(path, "latency"):
            fault.consume()
            total += fault.latency_ms / 1000.0
        return total

    def take(self, path: str, kind: str, after_commit: bool = False) -> Fault | None:
        """Consume and return the first matching fault of ``kind``, if any.

        Callers take a fault only at the point it applies, so a call refused
        earlier (bad session, allocation spent) does not use one up.
        """
        for fault in self._matching(path, kind):
            if kind != "status" or fault.after_commit == after_commit:
                fault.consume()
                return fault
        return None

    def take_record_lock(self) -> bool:
        return self.take("", "lock_record") is not None
