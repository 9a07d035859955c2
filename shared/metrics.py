"""Prometheus metrics shared by the plumbing (labels say which service/consumer)."""

from __future__ import annotations

import gc
import time

from prometheus_client import Counter, Gauge, Histogram

MESSAGES_CONSUMED = Counter(
    "crosssell_messages_consumed_total", "Messages applied by a consumer", ["consumer"]
)
MESSAGES_DUPLICATE = Counter(
    "crosssell_messages_duplicate_total", "Redelivered messages skipped by the inbox", ["consumer"]
)
MESSAGES_DLQ = Counter(
    "crosssell_messages_dlq_total", "Messages sent to a dead-letter topic", ["consumer", "reason"]
)
BATCH_SECONDS = Histogram(
    "crosssell_consumer_batch_seconds", "Time to apply one consumed batch", ["consumer"]
)
CONSUMER_RETRIES = Counter(
    "crosssell_consumer_retries_total", "Batch retries after an error", ["consumer", "kind"]
)
OUTBOX_PUBLISHED = Counter(
    "crosssell_outbox_published_total", "Outbox rows published to Kafka", ["channel"]
)
DEPENDENCY_UP = Gauge(
    "crosssell_dependency_up",
    "1 when a dependency answered the last readiness check",
    ["service", "dependency"],
)

GC_SECONDS = Counter(
    "crosssell_python_gc_seconds_total",
    "Time the interpreter spent in cyclic garbage collection",
    ["generation"],
)


def time_garbage_collection() -> None:
    """Count the time of every cyclic GC pass in ``GC_SECONDS`` (once per process).

    Services holding many long-lived objects (signal_ingest's state cache) lose
    CPU to the collector re-walking them; this makes that cost visible."""
    if _gc_callback in gc.callbacks:
        return
    gc.callbacks.append(_gc_callback)


_gc_started = [0.0]


def _gc_callback(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _gc_started[0] = time.perf_counter()
    else:
        GC_SECONDS.labels(str(info.get("generation", "?"))).inc(
            time.perf_counter() - _gc_started[0]
        )
