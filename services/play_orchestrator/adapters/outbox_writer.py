"""Domain events -> ``PlayEventMessage`` envelopes in the outbox (``crosssell.plays``).

The envelope id is ``{play_id}:v{version}:{n}``: the play's version after the
save and the event's position in it. A retried transaction reloads the same
version and raises the same events, so it cannot publish different ids, and
consumers' inboxes deduplicate a republished row. Keyed by account id.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.play_orchestrator.ports import Emission
from services.play_orchestrator.translate import snapshot
from shared import outbox
from shared.messages.envelope import Envelope

SOURCE = "play_orchestrator"


def envelopes(emission: Emission) -> list[Envelope]:
    play = emission.play
    # the payload of a PlayEventMessage: the event's fields and the play after it
    state = snapshot(play, emission.origin).model_dump(mode="json")
    out = []
    for index, event in enumerate(emission.events, start=1):
        out.append(
            Envelope(
                id=f"{play.id}:v{emission.version}:{index}",
                type=event.event_type,
                account_id=play.account_id,
                occurred_at=event.occurred_at,
                source=SOURCE,
                payload={"event": event.model_dump(mode="json"), "play": state},
            )
        )
    return out


class OutboxEventSink:
    def __init__(self, session: AsyncSession, topic: str) -> None:
        self._session = session
        self._topic = topic

    async def emit(self, emissions: Sequence[Emission]) -> None:
        batch = [envelope for emission in emissions for envelope in envelopes(emission)]
        if batch:
            await outbox.add(self._session, self._topic, batch)
