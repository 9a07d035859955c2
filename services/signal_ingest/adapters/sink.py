"""Decisions -> ``crosssell.signals`` envelopes in the outbox (same transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.signal_ingest.ports import Decision
from shared import outbox
from shared.messages.envelope import Envelope

SOURCE = "signal_ingest"


def to_envelope(decision: Decision, decided_at: datetime) -> Envelope:
    message = decision.message
    return Envelope(
        id=decision.envelope_id,
        type=decision.message_type,
        account_id=message.account_id,
        occurred_at=decided_at,
        source=SOURCE,
        payload=message.model_dump(mode="json"),
    )


class OutboxSignalSink:
    def __init__(self, session: AsyncSession, topic: str, decided_at: datetime) -> None:
        self._session = session
        self._topic = topic
        self._decided_at = decided_at

    async def emit(self, decisions: Sequence[Decision]) -> None:
        await outbox.add(
            self._session, self._topic, [to_envelope(d, self._decided_at) for d in decisions]
        )
