"""``crosssell replay``: re-publish journaled events (an operator's recovery tool).

Marks the matching rows of signal_ingest's ingest journal as not yet sent; the
journal relay of the running signal_ingest publishes them again, in the order
they were accepted (or at its next start). Inboxes make events a consumer has
already applied harmless.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from services.signal_ingest.ingest.journal import mark_for_replay
from shared.db.engine import create_engine, session_factory
from shared.settings import asyncpg_url

_AGO = re.compile(r"^(\d+(?:\.\d+)?)\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """``2026-11-02T14:00:00Z``, ``2026-11-02``, or an age: ``90m``, ``6h``, ``3d``."""
    now = now or datetime.now(UTC)
    match = _AGO.match(value.strip())
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"--since {value!r}: give an ISO date or time (2026-11-02T14:00:00Z) "
            "or an age (90m, 6h, 3d)"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def replay(
    database_url: str, since: datetime, accounts: Sequence[str], schema: str = "signal_ingest"
) -> int:
    engine = create_engine(asyncpg_url(database_url), schema, pool_size=1)
    try:
        async with session_factory(engine)() as session, session.begin():
            return await mark_for_replay(session, since, accounts or None)
    finally:
        await engine.dispose()
