"""Prometheus metrics shared by the plumbing (labels say which service/consumer)."""

from __future__ import annotations

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
