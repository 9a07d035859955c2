"""Account records in PostgreSQL, through the in-process cache.

``load``: one query for every account of the batch, returning the state bytes
only where the cached ``(version, xmin)`` is missing or out of date, then one
query for the live signals of those accounts. ``save``: one multi-row upsert
(``INSERT ... SELECT FROM unnest``) guarded by the version each account was
loaded at; a row someone else wrote in between raises ``StateConflict`` and
the consumer retries the batch.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.signal_ingest.adapters.signal_store import live_signals
from services.signal_ingest.adapters.state_cache import StateCache
from services.signal_ingest.adapters.state_codec import decode_state, encode_state
from services.signal_ingest.domain import AccountState
from services.signal_ingest.ports import AccountRecord, StateConflict

_LOAD = text(
    """
    SELECT s.account_id, s.version, CAST(CAST(s.xmin AS text) AS bigint) AS tx,
           CASE WHEN s.version = c.version AND CAST(CAST(s.xmin AS text) AS bigint) = c.tx
                THEN NULL ELSE s.state END AS state
    FROM unnest(CAST(:ids AS text[]), CAST(:versions AS bigint[]), CAST(:txs AS bigint[]))
         AS c(account_id, version, tx)
    JOIN account_state s ON s.account_id = c.account_id
    """
)
_SAVE = text(
    """
    INSERT INTO account_state (account_id, state, version, updated_at)
    SELECT a, s, v, now()
    FROM unnest(CAST(:ids AS text[]), CAST(:states AS bytea[]), CAST(:versions AS bigint[]))
         AS t(a, s, v)
    ON CONFLICT (account_id) DO UPDATE SET
        state = EXCLUDED.state, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
    WHERE account_state.version = EXCLUDED.version - 1
    RETURNING account_id, CAST(CAST(xmin AS text) AS bigint) AS tx
    """
)
SAVE_CHUNK = 500  # rows per upsert statement (~5 MB of state at 100 events per account)
_STATE = text("SELECT state FROM account_state WHERE account_id = :id")


class PgAccountRepository:
    """One per transaction (built with the consumer's session)."""

    def __init__(self, session: AsyncSession, cache: StateCache) -> None:
        self._session = session
        self._cache = cache
        self._versions: dict[str, int] = {}

    async def load(
        self, account_ids: Sequence[str], live_since: datetime
    ) -> dict[str, AccountRecord]:
        ids = list(account_ids)
        cached = {a: self._cache.take(a) for a in ids}
        rows = await self._session.execute(
            _LOAD,
            {
                "ids": ids,
                "versions": [c.version if c else -1 for c in cached.values()],
                "txs": [c.xmin if c else -1 for c in cached.values()],
            },
        )
        records: dict[str, AccountRecord] = {}
        decoded: list[str] = []
        for account_id, version, _tx, state in rows:
            self._versions[account_id] = version
            if state is None:
                entry = cached[account_id]
                assert entry is not None  # the query only nulls the state on a match
                records[account_id] = entry.record
                self._cache.hits += 1
            else:
                records[account_id] = AccountRecord(decode_state(state))
                decoded.append(account_id)
                self._cache.misses += 1
        if decoded:
            for account_id, found in (
                await live_signals(self._session, decoded, live_since)
            ).items():
                records[account_id].signals = found
        for account_id in ids:
            if account_id not in records:  # never seen: a fresh state, version 0
                self._versions[account_id] = 0
                records[account_id] = AccountRecord(AccountState(account_id))
        return {a: records[a] for a in ids}

    async def save(self, records: Sequence[AccountRecord]) -> None:
        """Write the records in chunks of ``SAVE_CHUNK``: while PostgreSQL stores
        one chunk the next is encoded, and at most two chunks' bytes are in memory."""
        if not records:
            return
        versions = {
            r.state.account_id: self._versions.get(r.state.account_id, 0) + 1 for r in records
        }
        written: dict[str, int] = {}
        pending: asyncio.Task[dict[str, int]] | None = None
        try:
            for start in range(0, len(records), SAVE_CHUNK):
                chunk = records[start : start + SAVE_CHUNK]
                ids = [r.state.account_id for r in chunk]
                params: dict[str, list[Any]] = {
                    "ids": ids,
                    "states": [encode_state(r.state) for r in chunk],
                    "versions": [versions[a] for a in ids],
                }
                if pending is not None:
                    written.update(await pending)
                pending = asyncio.ensure_future(self._write(params))
                await asyncio.sleep(0)  # let it start sending before the next chunk is encoded
            if pending is not None:
                written.update(await pending)
                pending = None
        finally:
            if pending is not None:  # an encode failed: never leave the write running
                pending.cancel()
                with contextlib.suppress(BaseException):
                    await pending
        if len(written) != len(versions):
            lost = [a for a in versions if a not in written][:5]
            raise StateConflict(f"account state changed concurrently: {', '.join(lost)}")
        for record in records:
            account_id = record.state.account_id
            self._versions[account_id] = versions[account_id]
            self._cache.put(account_id, versions[account_id], written[account_id], record)

    async def _write(self, params: dict[str, list[Any]]) -> dict[str, int]:
        rows = await self._session.execute(_SAVE, params)
        return {account_id: tx for account_id, tx in rows}


async def load_state(session: AsyncSession, account_id: str) -> AccountState | None:
    """One account's stored state, decoded (for the API; bypasses the cache)."""
    raw = (await session.execute(_STATE, {"id": account_id})).scalar_one_or_none()
    return decode_state(raw) if raw is not None else None
