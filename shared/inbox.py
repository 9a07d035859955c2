"""The inbox: which messages a consumer has already applied.

Ids are claimed inside the transaction that applies their effect, so a
redelivered message finds its id taken and has no second effect.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_CLAIM = text(
    """
    INSERT INTO processed_messages (consumer, message_id, processed_at)
    SELECT :consumer, ids.id, now() FROM unnest(CAST(:ids AS text[])) AS ids(id)
    ON CONFLICT DO NOTHING
    RETURNING message_id
    """
)


async def claim(session: AsyncSession, consumer: str, message_ids: Sequence[str]) -> set[str]:
    """Record ``message_ids`` as processed; return the ones that were new."""
    if not message_ids:
        return set()
    result = await session.execute(_CLAIM, {"consumer": consumer, "ids": list(message_ids)})
    return {row[0] for row in result}


async def prune(session: AsyncSession, older_than_s: int) -> int:
    """Forget ids older than the longest redelivery we expect (days, not minutes)."""
    result = await session.execute(
        text(
            "DELETE FROM processed_messages WHERE processed_at < now() - make_interval(secs => :s)"
        ),
        {"s": older_than_s},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
