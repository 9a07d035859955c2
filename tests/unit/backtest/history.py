"""Hand-built journal histories for the replay tests: (accepted_at, envelope
bytes) rows exactly as the edge journals them."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import yaml

from services.signal_ingest.domain import Catalog, parse_catalog
from services.signal_ingest.ingest.journal import envelope_bytes
from shared.messages.inbound import CanonicalEvent, parse_event
from tests.unit.signal_ingest.builders import SAMPLE_CATALOG, owned

Row = tuple[datetime, bytes]
_ids = itertools.count(1)


def catalog_with(**settings: Any) -> Catalog:
    raw = yaml.safe_load(SAMPLE_CATALOG.read_text())
    raw["settings"].update(settings)
    return parse_catalog(raw)


def canonical(
    account: str, type_: str, data: dict[str, Any], at: datetime, source: str = "product"
) -> CanonicalEvent:
    return parse_event(
        {
            "id": f"h-{next(_ids)}",
            "type": type_,
            "source": source,
            "account_id": account,
            "occurred_at": at.isoformat(),
            "data": data,
        }
    )


def profile(account: str, at: datetime) -> CanonicalEvent:
    data = {
        "name": f"Customer {account}",
        "csm_owner": "Casey",
        "ae_owner": "Alex",
        "health": "green",
        "products": [owned()],
    }
    return canonical(account, "account.profile", data, at, source="salesforce")


def api_calls(account: str, value: float, at: datetime) -> CanonicalEvent:
    data = {"product": "workflow_platform", "metric": "api_calls", "value": value, "limit": 100}
    return canonical(account, "usage.metric", data, at)


def rows(events: Sequence[CanonicalEvent], lag: timedelta = timedelta(seconds=30)) -> list[Row]:
    """Accepted ``lag`` after each event occurred (one batch per event)."""
    return [(e.occurred_at + lag, envelope_bytes(e)) for e in events]


async def chunks(history: Sequence[Row], size: int = 3) -> AsyncIterator[list[Row]]:
    for start in range(0, len(history), size):
        yield list(history[start : start + size])
