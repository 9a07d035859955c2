"""The event stream a scenario pushes: a realistic synthetic book, sent like a vendor would.

``book_events(seed, n, now)`` takes whole accounts of ``generate_book`` (the
demo's book: canonical events over 90 days) until it has exactly ``n`` events.
``Sender`` pushes them in a background thread through ``POST /v1/events``,
signed per source, 500 a request, in the order ``crosssell demo`` uses
(account facts first, then per source, each account's events in time order).

Like any well-behaved sender it retries what the service did not accept
(503, a 5xx, a refused connection) with the same event ids until it gets its
202: the service's answer says whether they were new or duplicates. It keeps
count of every answer and of how long the 503s took to come back.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import orjson

from crosssell.demo.book import generate_book
from crosssell.demo.client import batches
from crosssell.demo.run import CONTEXT_TYPES
from shared.signature import sign

Event = dict[str, Any]
EVENTS_PER_ACCOUNT = 350  # a little under the book's average, so one build is enough


def book_events(seed: int, n: int, now: datetime) -> list[Event]:
    """Exactly ``n`` events of whole accounts (the last one cut to its oldest events)."""
    accounts = max(1, n // EVENTS_PER_ACCOUNT + 2)
    while True:
        events = generate_book(seed, accounts, now=now)
        if len(events) >= n:
            break
        accounts *= 2
    by_account: dict[str, list[Event]] = {}
    for event in events:  # oldest first
        by_account.setdefault(event["account_id"], []).append(event)
    chosen: list[Event] = []
    for account_id in sorted(by_account):
        take = by_account[account_id][: n - len(chosen)]
        chosen.extend(take)
        if len(chosen) >= n:
            break
    chosen.sort(key=lambda e: (e["occurred_at"], e["id"]))
    return chosen


def send_order(events: list[Event]) -> list[tuple[str, list[Event]]]:
    """(source, batch) in sending order: account facts first, like ``crosssell demo``."""
    context = [e for e in events if e["type"] in CONTEXT_TYPES]
    rest = [e for e in events if e["type"] not in CONTEXT_TYPES]
    return [b for phase in (context, rest) for b in batches(phase)]


@dataclass
class SendStats:
    events: int = 0
    acknowledged: int = 0  # events of batches answered 202
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    statuses: Counter[str] = field(default_factory=Counter)  # "202", "503", "connect", ...
    unavailable_max_s: float = 0.0  # the slowest 503 answer
    elapsed_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    # every answer that was not a 202: (seconds into the stream, seconds it took, what)
    trouble: list[tuple[float, float, str]] = field(default_factory=list)

    def answers_between(self, start: float, end: float) -> Counter[str]:
        """Non-202 answers that came back between ``start`` and ``end`` (stream seconds)."""
        return Counter(what for at, took, what in self.trouble if start <= at + took <= end)

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "acknowledged": self.acknowledged,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "statuses": dict(self.statuses),
            "unavailable_max_s": round(self.unavailable_max_s, 2),
            "elapsed_s": round(self.elapsed_s, 1),
            "errors": self.errors[:5],
            "trouble": [(round(a, 1), round(t, 2), w) for a, t, w in self.trouble[:50]],
        }


class Sender:
    def __init__(
        self,
        url: str,
        secrets: dict[str, str],  # source -> its ingest secret
        events: list[Event],
        *,
        give_up_after_s: float = 600.0,
        pace_s: float = 0.0,
    ) -> None:
        self.url = url
        self.secrets = {source: secret.encode() for source, secret in secrets.items()}
        self.plan = send_order(events)
        self.stats = SendStats(events=len(events))
        self.give_up_after_s = give_up_after_s
        self.pace_s = pace_s  # pause between batches: a longer stream, same events
        self._thread = threading.Thread(target=self._run, name="chaos-sender", daemon=True)
        self._progress = threading.Condition()
        self.started_at = 0.0

    def clock(self) -> float:
        """Seconds since the stream started (the scale of ``SendStats.trouble``)."""
        return time.monotonic() - self.started_at

    # -- control --------------------------------------------------------------------
    def start(self) -> Sender:
        self._thread.start()
        return self

    def wait_for(self, fraction: float, timeout_s: float = 600.0) -> None:
        """Block until ``fraction`` of the events were acknowledged (or the stream ended)."""
        target = int(self.stats.events * fraction)
        with self._progress:
            ok = self._progress.wait_for(
                lambda: self.stats.acknowledged >= target or not self._thread.is_alive(),
                timeout=timeout_s,
            )
        if not ok:
            raise TimeoutError(f"stream not at {fraction:.0%} after {timeout_s:.0f}s")

    def join(self, timeout_s: float = 900.0) -> SendStats:
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            raise TimeoutError("the stream did not finish")
        return self.stats

    # -- the thread -------------------------------------------------------------------
    def _run(self) -> None:
        started = self.started_at = time.monotonic()
        with httpx.Client(timeout=60, trust_env=False) as http:
            for source, batch in self.plan:
                if not self._send(http, source, batch, started):
                    break
                with self._progress:
                    self.stats.acknowledged += len(batch)
                    self._progress.notify_all()
                if self.pace_s:
                    time.sleep(self.pace_s)
        self.stats.elapsed_s = time.monotonic() - started
        with self._progress:
            self._progress.notify_all()

    def _send(self, http: httpx.Client, source: str, batch: list[Event], started: float) -> bool:
        body = orjson.dumps({"events": batch})
        backoff = 0.2
        while time.monotonic() - started < self.give_up_after_s:
            headers = {
                "Content-Type": "application/json",
                "X-Crosssell-Source": source,
                "X-Crosssell-Signature": sign(self.secrets[source], body, int(time.time())),
            }
            sent_at = time.monotonic()
            try:
                answer = http.post(self.url, content=body, headers=headers)
            except httpx.TransportError as exc:
                self.stats.statuses[type(exc).__name__] += 1
                took = time.monotonic() - sent_at
                self.stats.trouble.append((sent_at - started, took, type(exc).__name__))
            else:
                took = time.monotonic() - sent_at
                self.stats.statuses[str(answer.status_code)] += 1
                if answer.status_code != 202:
                    self.stats.trouble.append((sent_at - started, took, str(answer.status_code)))
                if answer.status_code == 202:
                    result = answer.json()
                    self.stats.accepted += int(result["accepted"])
                    self.stats.duplicates += int(result["duplicates"])
                    self.stats.rejected += len(result.get("rejected") or [])
                    return True
                if answer.status_code == 503:
                    self.stats.unavailable_max_s = max(self.stats.unavailable_max_s, took)
                elif answer.status_code < 500:  # the events or the signature are wrong
                    self.stats.errors.append(f"{answer.status_code}: {answer.text[:300]}")
                    return False
            time.sleep(backoff)
            backoff = min(backoff * 2, 2.0)
        self.stats.errors.append(f"gave up after {self.give_up_after_s:.0f}s")
        return False
