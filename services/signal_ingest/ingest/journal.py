"""Accepting events: write them to the ingest journal, in one transaction.

The answer (202) is given only after the commit: an accepted event is durable
in PostgreSQL, and the journal relay (``shared.outbox.JournalTable``) publishes
it to ``crosssell.events`` in journal order. A broker outage delays
publishing, never acceptance; PostgreSQL away is a retryable 503 with nothing
half-written. Already-seen ``(source, id)`` pairs are reported as duplicates
and not journaled again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.messages.inbound import CanonicalEvent

_JOURNAL = text(
    """
    INSERT INTO ingest_journal (source, event_id, account_id, type, value)
    SELECT * FROM unnest(
        CAST(:sources AS text[]), CAST(:ids AS text[]), CAST(:accounts AS text[]),
        CAST(:types AS text[]), CAST(:values AS bytea[])
    )
    ON CONFLICT ON CONSTRAINT uq_ingest_journal_event DO NOTHING
    RETURNING id
    """
)


def envelope_bytes(event: CanonicalEvent) -> bytes:
    """The ``Envelope`` of an event, encoded straight to JSON (the hot path)."""
    return orjson.dumps(
        {
            "id": f"{event.source}:{event.id}",
            "type": event.type,
            "schema_version": 1,
            "account_id": event.account_id,
            "occurred_at": event.occurred_at,
            "source": event.source,
            "payload": event.data.model_dump(mode="json"),
        }
    )


async def accept(
    sessions: async_sessionmaker[AsyncSession], events: Sequence[CanonicalEvent]
) -> tuple[int, int]:
    """Journal the new events; return (accepted, duplicates)."""
    unique: dict[tuple[str, str], CanonicalEvent] = {}
    for event in events:
        unique.setdefault((event.source, event.id), event)
    batch = list(unique.values())
    async with sessions() as session, session.begin():
        rows = await session.execute(
            _JOURNAL,
            {
                "sources": [e.source for e in batch],
                "ids": [e.id for e in batch],
                "accounts": [e.account_id for e in batch],
                "types": [e.type for e in batch],
                "values": [envelope_bytes(e) for e in batch],
            },
        )
        accepted = len(rows.all())
    return accepted, len(events) - accepted


_REPLAY = text(
    """
    UPDATE ingest_journal SET sent_at = NULL
    WHERE accepted_at >= :since AND sent_at IS NOT NULL AND value IS NOT NULL
      AND (CAST(:accounts AS text[]) IS NULL OR account_id = ANY(CAST(:accounts AS text[])))
    """
)


async def mark_for_replay(
    session: AsyncSession, since: datetime, accounts: Sequence[str] | None = None
) -> int:
    """Make the journal relay publish again what was accepted since ``since`` (of
    ``accounts``, or all), in journal order (``crosssell replay``). Consumers'
    inboxes drop what they applied already."""
    result = await session.execute(
        _REPLAY, {"since": since, "accounts": list(accounts) if accounts else None}
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
