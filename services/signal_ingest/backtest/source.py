"""What the backtest reads, read-only, straight from PostgreSQL (asyncpg).

The journal is streamed through a server-side cursor in large chunks inside
one read-only transaction (one consistent snapshot; no I/O per event). The
plays, with how they ended, are read from play_orchestrator's schema by plain
SQL (no import of that service); the live signals from our own schema.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.signal_ingest.handlers import PlayUpdate

CHUNK_ROWS = 20_000
TERMINAL = ("won", "lost", "expired", "withdrawn", "disqualified")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _schema(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a schema name: {name!r}")
    return f'"{name}"'


def plain_url(url: str) -> str:
    """asyncpg wants ``postgresql://``; accept the SQLAlchemy dialect form too."""
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


@dataclass(frozen=True, slots=True)
class RealPlay:
    id: str
    account_id: str
    adjacent_product: str
    state: str
    signal_type: str
    opened_at: datetime
    closed_at: datetime | None


def _account_filter(accounts: Sequence[str], arg: int) -> str:
    return f" AND account_id = ANY(${arg}::text[])" if accounts else ""


async def count_journal(conn: asyncpg.Connection, schema: str, accounts: Sequence[str]) -> int:
    sql = f"SELECT count(*) FROM {_schema(schema)}.ingest_journal WHERE value IS NOT NULL"
    sql += _account_filter(accounts, 1)
    value = await conn.fetchval(sql, *([list(accounts)] if accounts else []))
    return int(value or 0)


async def journal_chunks(
    conn: asyncpg.Connection,
    schema: str,
    accounts: Sequence[str],
    chunk_rows: int = CHUNK_ROWS,
) -> AsyncIterator[list[asyncpg.Record]]:
    """(accepted_at, value) rows in journal order (the order of acceptance);
    rows journaled before the journal kept bodies (value NULL) are skipped."""
    sql = (
        f"SELECT accepted_at, value FROM {_schema(schema)}.ingest_journal "
        "WHERE value IS NOT NULL" + _account_filter(accounts, 1) + " ORDER BY id"
    )
    args = [list(accounts)] if accounts else []
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        cursor = await conn.cursor(sql, *args)
        while True:
            rows = await cursor.fetch(chunk_rows)
            if not rows:
                return
            yield rows


async def real_plays(
    conn: asyncpg.Connection, schema: str, accounts: Sequence[str]
) -> list[RealPlay] | None:
    """Every play play_orchestrator recorded; None when its schema is absent."""
    exists = await conn.fetchval("SELECT to_regclass($1)", f"{_schema(schema)}.plays")
    if exists is None:
        return None
    sql = (
        "SELECT id, account_id, adjacent_product, state::text AS state, signal_type, "
        "opened_at, CASE WHEN state::text = ANY($1::text[]) "
        "THEN coalesce(closed_at, updated_at) END AS closed_at "
        f"FROM {_schema(schema)}.plays WHERE true" + _account_filter(accounts, 2)
    )
    rows = await conn.fetch(sql, list(TERMINAL), *([list(accounts)] if accounts else []))
    return [RealPlay(**dict(r)) for r in rows]


def play_updates(plays: Sequence[RealPlay]) -> list[PlayUpdate]:
    """The ``crosssell.plays`` facts the gates saw: each play's opening and, for
    the ended ones, its end; in time order."""
    updates: list[PlayUpdate] = []
    for p in plays:
        updates.append(PlayUpdate(p.account_id, p.id, p.adjacent_product, "open", p.opened_at))
        if p.closed_at is not None:
            updates.append(PlayUpdate(p.account_id, p.id, p.adjacent_product, p.state, p.closed_at))
    updates.sort(key=lambda u: u.at)
    return updates


async def live_signals(
    conn: asyncpg.Connection, schema: str, accounts: Sequence[str]
) -> dict[str, tuple[str, tuple[str, ...]]]:
    """signal id -> (status, suppression reasons) as the live service stored them."""
    sql = (
        f"SELECT id, status, suppression_reasons FROM {_schema(schema)}.signals WHERE true"
        + _account_filter(accounts, 1)
    )
    rows = await conn.fetch(sql, *([list(accounts)] if accounts else []))
    return {r["id"]: (r["status"], tuple(r["suppression_reasons"])) for r in rows}


async def closed_play_counts(
    conn: asyncpg.Connection,
    signal_schema: str,
    play_schema: str,
    since: datetime | None = None,
) -> list[tuple[str, bool, dict[str, int]]] | None:
    """Per play that ended won, lost or expired (closed since ``since``): how
    many signals of each type made up the score that opened it (the play keeps
    their ids; their types come from our signals). Their status now says
    nothing about then: a play's own outcome gates them afterwards. None when
    play_orchestrator's schema is absent."""
    exists = await conn.fetchval("SELECT to_regclass($1)", f"{_schema(play_schema)}.plays")
    if exists is None:
        return None
    sql = f"""
        SELECT p.id, p.state::text = 'won' AS won, s.type, count(s.id) AS n
        FROM {_schema(play_schema)}.plays p
        LEFT JOIN LATERAL jsonb_array_elements_text(p.doc -> 'signal' -> 'signal_ids') AS o(id)
          ON true
        LEFT JOIN {_schema(signal_schema)}.signals s ON s.id = o.id
        WHERE p.state::text IN ('won', 'lost', 'expired')
          AND ($1::timestamptz IS NULL OR coalesce(p.closed_at, p.updated_at) >= $1)
        GROUP BY p.id, p.state, s.type
    """
    rows = await conn.fetch(sql, since)
    plays: dict[str, tuple[bool, dict[str, int]]] = {}
    for r in rows:
        won, counts = plays.setdefault(r["id"], (bool(r["won"]), {}))
        if r["type"] is not None:
            counts[r["type"]] = int(r["n"])
    return [(play_id, won, counts) for play_id, (won, counts) in sorted(plays.items())]
