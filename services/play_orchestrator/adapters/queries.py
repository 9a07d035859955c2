"""Read side of the API: plays and reviews pages with keyset cursors, one play.

Cursors are opaque (base64url of the last row's sort key), stable under
inserts, and cost an index range scan whatever the page number.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.play_orchestrator.adapters.tables import plays, reviews, timers
from services.play_orchestrator.domain import ACTIVE_STATES, Play, PlayState
from services.play_orchestrator.ports import Origin
from shared.timerange import utc_in_range


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    at: datetime
    id: str

    def encode(self) -> str:
        raw = orjson.dumps([self.at.isoformat(), self.id])
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            at, key = orjson.loads(raw)
            when = datetime.fromisoformat(at)
            if not isinstance(key, str):
                raise ValueError("bad cursor")
            utc_in_range(when)  # aware, and SQL can compare it
            return cls(when, key)
        except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
            raise BadCursor("invalid cursor: pass next_cursor from a previous page") from exc


@dataclass(frozen=True)
class PlayFilter:
    states: tuple[PlayState, ...] = ()
    account_id: str | None = None
    owner: str | None = None
    overdue: bool | None = None


LIST_COLUMNS = [
    plays.c.id,
    plays.c.account_id,
    plays.c.account_name,
    plays.c.adjacent_product,
    plays.c.state,
    plays.c.template,
    plays.c.owner,
    plays.c.csm,
    plays.c.surfaced_by,
    plays.c.signal_type,
    plays.c.signal_source,
    plays.c.opened_at,
    plays.c.deadline,
    plays.c.closed_at,
    plays.c.core_acv,
    plays.c.expected_amount,
    plays.c.won_amount,
    plays.c.at_risk,
    plays.c.is_overdue,
]


def _page(rows: Sequence[Any], limit: int, key: str) -> tuple[list[Any], Cursor | None]:
    items = list(rows[:limit])
    if len(rows) > limit and items:
        return items, Cursor(getattr(items[-1], key), items[-1].id)
    return items, None


async def list_plays(
    session: AsyncSession, where: PlayFilter, limit: int, after: Cursor | None
) -> tuple[list[Any], Cursor | None]:
    """Newest first (opened_at, id descending)."""
    query = sa.select(*LIST_COLUMNS)
    if where.states:
        query = query.where(plays.c.state.in_([s.value for s in where.states]))
    if where.account_id is not None:
        query = query.where(plays.c.account_id == where.account_id)
    if where.owner is not None:
        query = query.where(plays.c.owner == where.owner)
    if where.overdue is not None:
        query = query.where(plays.c.is_overdue.is_(where.overdue))
    if after is not None:
        query = query.where(sa.tuple_(plays.c.opened_at, plays.c.id) < (after.at, after.id))
    query = query.order_by(plays.c.opened_at.desc(), plays.c.id.desc()).limit(limit + 1)
    rows = (await session.execute(query)).all()
    return _page(rows, limit, "opened_at")


@dataclass(frozen=True)
class StoredPlay:
    play: Play
    origin: Origin
    version: int
    crm: dict[str, Any] | None
    timers: list[Any]


async def load_play(session: AsyncSession, play_id: str) -> StoredPlay | None:
    query = sa.select(
        sa.cast(plays.c.doc, sa.Text).label("doc"),
        plays.c.version,
        plays.c.signal_source,
        plays.c.signal_note_kind,
        plays.c.opportunity_id,
        plays.c.crm_hygiene,
        plays.c.crm_stage,
        plays.c.crm_synced_at,
    ).where(plays.c.id == play_id)
    row = (await session.execute(query)).first()
    if row is None:
        return None
    timer_rows = (
        await session.execute(
            sa.select(timers.c.kind, timers.c.due_at, timers.c.fired_at)
            .where(timers.c.play_id == play_id)
            .order_by(timers.c.due_at, timers.c.kind)
        )
    ).all()
    crm = None
    if row.opportunity_id is not None:
        crm = {
            "opportunity_id": row.opportunity_id,
            "hygiene": row.crm_hygiene,
            "stage": row.crm_stage,
            "synced_at": row.crm_synced_at,
        }
    return StoredPlay(
        play=Play.model_validate_json(row.doc),
        origin=Origin(row.signal_source, row.signal_note_kind),
        version=row.version,
        crm=crm,
        timers=list(timer_rows),
    )


async def list_reviews(
    session: AsyncSession, owner: str | None, limit: int, after: Cursor | None
) -> tuple[list[Any], Cursor | None]:
    """Review items of plays still active, oldest due first: what the manager
    goes through in the 1:1. A finished play's reviews, and resolved ones,
    drop off the list."""
    query = (
        sa.select(
            reviews.c.id,
            reviews.c.play_id,
            reviews.c.account_id,
            reviews.c.kind,
            reviews.c.day,
            reviews.c.due_at,
            reviews.c.raised_at,
            reviews.c.phase,
            reviews.c.state_at_raise,
            plays.c.account_name,
            plays.c.adjacent_product,
            plays.c.owner,
            plays.c.csm,
            plays.c.state,
            plays.c.deadline,
            plays.c.at_risk,
            plays.c.is_overdue,
        )
        .join(plays, plays.c.id == reviews.c.play_id)
        .where(plays.c.state.in_([s.value for s in ACTIVE_STATES]))
        .where(reviews.c.resolved_at.is_(None))
    )
    if owner is not None:
        query = query.where(plays.c.owner == owner)
    if after is not None:
        query = query.where(sa.tuple_(reviews.c.due_at, reviews.c.id) > (after.at, after.id))
    query = query.order_by(reviews.c.due_at, reviews.c.id).limit(limit + 1)
    rows = (await session.execute(query)).all()
    return _page(rows, limit, "due_at")
