"""The test application the foundation tests run: a ledger with two rows per message.

Each ``ledger.credit`` message writes a debit and a credit row and emits one
``ledger.posted`` message through the outbox. Two rows per message make a
half-applied message visible (an odd count), and the outbox proves emission.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared import outbox
from shared.kafka.consumer import Consumed
from shared.messages.envelope import Envelope, SchemaRegistry

MIGRATIONS = Path(__file__).parent / "migrations"
IN_TOPIC = "ledger.in"
OUT_TOPIC = "ledger.out"


class Credit(BaseModel):
    model_config = ConfigDict(frozen=True)
    amount: int


def registry() -> SchemaRegistry:
    reg = SchemaRegistry()
    reg.register("ledger.credit", Credit)
    return reg


def credit(message_id: str, amount: int = 10, account: str = "001A") -> Envelope:
    return Envelope(
        id=message_id,
        type="ledger.credit",
        account_id=account,
        occurred_at=datetime.now(UTC),
        payload={"amount": amount},
    )


def make_handler(out_topic: str, slow_s: float = 0.0, fail_on_amount: int | None = None):  # type: ignore[no-untyped-def]
    async def handle(session: AsyncSession, messages: list[Consumed]) -> None:
        rows = []
        for m in messages:
            assert isinstance(m.payload, Credit)
            if fail_on_amount is not None and m.payload.amount == fail_on_amount:
                raise ValueError(f"cannot post amount {fail_on_amount}")
            rows.append({"mid": m.envelope.id, "side": "debit", "amount": -m.payload.amount})
            rows.append({"mid": m.envelope.id, "side": "credit", "amount": m.payload.amount})
        await session.execute(
            text("INSERT INTO ledger (message_id, side, amount) VALUES (:mid, :side, :amount)"),
            rows[: len(rows) // 2 or 1] if slow_s else rows,
        )
        if slow_s:
            # Half the rows are written; dying now must leave no trace of them.
            await asyncio.sleep(slow_s)
            await session.execute(
                text("INSERT INTO ledger (message_id, side, amount) VALUES (:mid, :side, :amount)"),
                rows[len(rows) // 2 or 1 :],
            )
        posted = [
            Envelope(
                id=f"posted-{m.envelope.id}",
                type="ledger.posted",
                account_id=m.envelope.account_id,
                occurred_at=m.envelope.occurred_at,
                payload={"amount": m.payload.amount},  # type: ignore[union-attr]
            )
            for m in messages
        ]
        await outbox.add(session, out_topic, posted)

    return handle


async def ledger_counts(session: AsyncSession) -> tuple[int, int]:
    """(rows, distinct messages)."""
    row = (
        await session.execute(text("SELECT count(*), count(DISTINCT message_id) FROM ledger"))
    ).one()
    return int(row[0]), int(row[1])
