"""The play repository: the aggregate as a JSON document plus indexed columns.

Loads lock the rows (``FOR UPDATE``, ordered by id so two transactions never
lock the same plays in opposite orders) and remember each play's version;
saves are one set-based ``UPDATE ... FROM jsonb_to_recordset`` guarded by that
version, so a lost update is impossible even without the lock. Inserting
relies on the partial unique index for "one active play per pair".
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.play_orchestrator.adapters.tables import ACTIVE_SQL
from services.play_orchestrator.domain import Play
from services.play_orchestrator.ports import ConcurrentUpdate, CrmLink, Origin
from services.play_orchestrator.translate import account_name, won_amount

_MUTABLE = """
  state play_state, owner text, csm text, deadline timestamptz, closed_at timestamptz,
  expected_amount float8, won_amount float8, at_risk boolean, is_overdue boolean, doc jsonb
"""
_RECORD = f"""
  id text, account_id text, account_name text, adjacent_product text, template text,
  surfaced_by text, signal_type text, signal_source text, signal_note_kind text,
  opened_at timestamptz, signal_occurred_at timestamptz, core_acv float8, {_MUTABLE}
"""
_INSERT = text(
    f"""
    INSERT INTO plays (id, account_id, account_name, adjacent_product, state, template, owner,
      csm, surfaced_by, signal_type, signal_source, signal_note_kind, opened_at,
      signal_occurred_at, deadline, closed_at, core_acv, expected_amount, won_amount, at_risk,
      is_overdue, doc, version)
    SELECT r.id, r.account_id, r.account_name, r.adjacent_product, r.state, r.template, r.owner,
      r.csm, r.surfaced_by, r.signal_type, r.signal_source, r.signal_note_kind, r.opened_at,
      r.signal_occurred_at, r.deadline, r.closed_at, r.core_acv, r.expected_amount,
      r.won_amount, r.at_risk, r.is_overdue, r.doc, 1
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({_RECORD})
    ON CONFLICT DO NOTHING
    RETURNING id
    """
)
_UPDATE = text(
    f"""
    UPDATE plays AS p SET state = r.state, owner = r.owner, csm = r.csm, deadline = r.deadline,
      closed_at = r.closed_at, expected_amount = r.expected_amount, won_amount = r.won_amount,
      at_risk = r.at_risk, is_overdue = r.is_overdue, doc = r.doc, version = p.version + 1,
      updated_at = now()
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(id text, version int, {_MUTABLE})
    WHERE p.id = r.id AND p.version = r.version
    RETURNING p.id, p.version
    """
)
_SELECT = "SELECT id, version, signal_source, signal_note_kind, doc::text AS doc FROM plays"
_BY_IDS = text(f"{_SELECT} WHERE id = ANY(CAST(:ids AS text[])) ORDER BY id FOR UPDATE")
_BY_PAIRS = text(
    f"""
    {_SELECT} WHERE state IN {ACTIVE_SQL}
      AND (account_id, adjacent_product) IN (
        SELECT a, p FROM unnest(CAST(:accounts AS text[]), CAST(:products AS text[])) AS t(a, p))
    ORDER BY id FOR UPDATE
    """
)
_BY_ACCOUNTS = text(
    f"""
    {_SELECT} WHERE state IN {ACTIVE_SQL} AND account_id = ANY(CAST(:accounts AS text[]))
    ORDER BY id FOR UPDATE
    """
)
_CRM = text(
    """
    UPDATE plays AS p SET opportunity_id = r.opportunity_id, crm_hygiene = r.hygiene,
      crm_stage = r.stage, crm_synced_at = r.synced_at
    FROM jsonb_to_recordset(CAST(:rows AS jsonb))
      AS r(play_id text, opportunity_id text, hygiene text, stage text, synced_at timestamptz)
    WHERE p.id = r.play_id AND (p.crm_synced_at IS NULL OR p.crm_synced_at <= r.synced_at)
    """
)


def _mutable(play: Play) -> dict[str, Any]:
    return {
        "id": play.id,
        "state": play.state.value,
        "owner": play.owner,
        "csm": play.csm,
        "deadline": play.deadline,
        "closed_at": play.closed_at,
        "expected_amount": play.expected_amount,
        "won_amount": won_amount(play),
        "at_risk": play.at_risk,
        "is_overdue": play.is_overdue and not play.is_terminal,
        "doc": orjson.Fragment(play.model_dump_json()),
    }


def row_of(play: Play, origin: Origin) -> dict[str, Any]:
    """Every column of a new play."""
    return {
        **_mutable(play),
        "account_id": play.account_id,
        "account_name": account_name(play),
        "adjacent_product": play.adjacent_product,
        "template": play.template.value,
        "surfaced_by": play.signal.surfaced_by,
        "signal_type": play.signal.primary_type,
        "signal_source": origin.signal_source,
        "signal_note_kind": origin.note_kind,
        "opened_at": play.opened_at,
        "signal_occurred_at": play.signal_occurred_at,
        "core_acv": play.core_acv,
    }


def _json(rows: list[dict[str, Any]]) -> str:
    return orjson.dumps(rows).decode()


class SqlPlayRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._versions: dict[str, int] = {}
        self._origins: dict[str, Origin] = {}

    async def _load(self, statement: Any, params: dict[str, Any]) -> list[Play]:
        result = await self._session.execute(statement, params)
        loaded = []
        for row in result:
            play = Play.model_validate_json(row.doc)
            self._versions[play.id] = row.version
            self._origins[play.id] = Origin(row.signal_source, row.signal_note_kind)
            loaded.append(play)
        return loaded

    async def get_many(self, play_ids: Collection[str]) -> dict[str, Play]:
        if not play_ids:
            return {}
        plays = await self._load(_BY_IDS, {"ids": sorted(set(play_ids))})
        return {p.id: p for p in plays}

    async def active_for_pairs(
        self, pairs: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], Play]:
        if not pairs:
            return {}
        ordered = sorted(set(pairs))
        params = {"accounts": [a for a, _ in ordered], "products": [p for _, p in ordered]}
        plays = await self._load(_BY_PAIRS, params)
        return {(p.account_id, p.adjacent_product): p for p in plays}

    async def active_for_accounts(self, account_ids: Collection[str]) -> list[Play]:
        if not account_ids:
            return []
        return await self._load(_BY_ACCOUNTS, {"accounts": sorted(set(account_ids))})

    async def add_many(self, plays: Sequence[tuple[Play, Origin]]) -> set[str]:
        if not plays:
            return set()
        rows = [row_of(play, origin) for play, origin in plays]
        result = await self._session.execute(_INSERT, {"rows": _json(rows)})
        inserted = {row.id for row in result}
        for play, origin in plays:
            if play.id in inserted:
                self._versions[play.id] = 1
                self._origins[play.id] = origin
        return inserted

    async def save_many(self, plays: Sequence[Play]) -> dict[str, int]:
        if not plays:
            return {}
        rows = [{**_mutable(p), "version": self._versions[p.id]} for p in plays]
        result = await self._session.execute(_UPDATE, {"rows": _json(rows)})
        saved = {row.id: row.version for row in result}
        missing = sorted(p.id for p in plays if p.id not in saved)
        if missing:
            raise ConcurrentUpdate(f"plays changed since they were loaded: {', '.join(missing)}")
        self._versions.update(saved)
        return saved

    def origin(self, play_id: str) -> Origin:
        return self._origins.get(play_id, Origin())

    async def record_crm_links(self, links: Sequence[CrmLink]) -> None:
        if not links:
            return
        rows = [
            {
                "play_id": link.play_id,
                "opportunity_id": link.opportunity_id,
                "hygiene": link.hygiene,
                "stage": link.stage,
                "synced_at": link.synced_at,
            }
            for link in links
        ]
        await self._session.execute(_CRM, {"rows": _json(rows)})
