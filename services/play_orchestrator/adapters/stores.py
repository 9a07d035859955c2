"""The smaller stores: account facts, the accounts book, the signal log, reviews."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.play_orchestrator.domain import Play, ReviewDue, ReviewResolved, SignalRef
from services.play_orchestrator.ports import AccountFacts, AccountRecord, StoredSignal
from shared.messages.signals import AdjacentProductInfo, GateCheck

_FACTS_ENSURE = text(
    """
    INSERT INTO account_facts (account_id)
    SELECT unnest(CAST(:ids AS text[])) ON CONFLICT DO NOTHING
    """
)
_FACTS_LOCK = text(
    """
    SELECT account_id, open_escalations, renewals_negotiating FROM account_facts
    WHERE account_id = ANY(CAST(:ids AS text[])) ORDER BY account_id FOR UPDATE
    """
)
_FACTS_SAVE = text(
    """
    UPDATE account_facts AS f SET open_escalations = r.open_escalations,
      renewals_negotiating = r.renewals_negotiating, updated_at = now()
    FROM jsonb_to_recordset(CAST(:rows AS jsonb))
      AS r(account_id text, open_escalations text[], renewals_negotiating text[])
    WHERE f.account_id = r.account_id
    """
)
_ACCOUNTS_UPSERT = text(
    """
    INSERT INTO accounts (account_id, name, core_acv, total_acv, first_seen_at, as_of, snapshot)
    SELECT r.account_id, r.name, r.core_acv, r.total_acv, r.first_seen_at, r.as_of, r.snapshot
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(account_id text, name text,
      core_acv float8, total_acv float8, first_seen_at timestamptz, as_of timestamptz,
      snapshot jsonb)
    ON CONFLICT (account_id) DO UPDATE SET
      first_seen_at = LEAST(accounts.first_seen_at, EXCLUDED.first_seen_at),
      name = CASE WHEN EXCLUDED.as_of >= accounts.as_of AND EXCLUDED.name <> ''
                  THEN EXCLUDED.name ELSE accounts.name END,
      core_acv = CASE WHEN EXCLUDED.as_of >= accounts.as_of
                      THEN EXCLUDED.core_acv ELSE accounts.core_acv END,
      total_acv = CASE WHEN EXCLUDED.as_of >= accounts.as_of
                       THEN EXCLUDED.total_acv ELSE accounts.total_acv END,
      snapshot = CASE WHEN EXCLUDED.as_of >= accounts.as_of AND EXCLUDED.snapshot IS NOT NULL
                      THEN EXCLUDED.snapshot ELSE accounts.snapshot END,
      as_of = GREATEST(accounts.as_of, EXCLUDED.as_of)
    """
)
_SIGNALS_UPSERT = text(
    """
    INSERT INTO signals (signal_id, account_id, adjacent_product, status, ref, adjacent_problem,
      facts, gates, flags)
    SELECT r.signal_id, r.account_id, r.adjacent_product, r.status, r.ref, r.adjacent_problem,
      r.facts, r.gates, r.flags
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(signal_id text, account_id text,
      adjacent_product text, status text, ref jsonb, adjacent_problem text, facts jsonb,
      gates jsonb, flags text[])
    ON CONFLICT (signal_id) DO UPDATE SET status = EXCLUDED.status, ref = EXCLUDED.ref,
      adjacent_problem = EXCLUDED.adjacent_problem, facts = EXCLUDED.facts,
      gates = EXCLUDED.gates, flags = EXCLUDED.flags, received_at = now()
    """
)
_ADJACENT_UPSERT = text(
    """
    INSERT INTO adjacent_products (product_id, info, as_of)
    SELECT r.product_id, r.info, r.as_of
    FROM jsonb_to_recordset(CAST(:rows AS jsonb))
      AS r(product_id text, info jsonb, as_of timestamptz)
    ON CONFLICT (product_id) DO UPDATE SET info = EXCLUDED.info, as_of = EXCLUDED.as_of,
      updated_at = now()
    WHERE EXCLUDED.as_of >= adjacent_products.as_of
    """
)
_SIGNALS_GET = text(
    """
    SELECT s.signal_id, s.account_id, s.adjacent_product, s.status, s.ref::text AS ref,
      s.adjacent_problem, s.facts::text AS facts, s.gates::text AS gates, s.flags,
      a.info::text AS adjacent
    FROM signals s LEFT JOIN adjacent_products a ON a.product_id = s.adjacent_product
    WHERE s.signal_id = ANY(CAST(:ids AS text[]))
    """
)
_REVIEWS_ADD = text(
    """
    INSERT INTO reviews (id, play_id, account_id, kind, day, due_at, raised_at, phase,
      state_at_raise, deadline, at_risk)
    SELECT r.id, r.play_id, r.account_id, r.kind, r.day, r.due_at, r.raised_at, r.phase,
      r.state_at_raise, r.deadline, r.at_risk
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(id text, play_id text, account_id text,
      kind text, day int, due_at timestamptz, raised_at timestamptz, phase text,
      state_at_raise text, deadline timestamptz, at_risk boolean)
    ON CONFLICT (id) DO NOTHING
    """
)


_REVIEWS_RESOLVE = text(
    """
    UPDATE reviews SET resolved_at = r.resolved_at, resolved_by = r.resolved_by,
      outcome = r.outcome, note = r.note
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(id text, resolved_at timestamptz,
      resolved_by text, outcome text, note text)
    WHERE reviews.id = r.id
    """
)


def review_id(play_id: str, kind: str) -> str:
    """A review's id: the play's id and the review's kind."""
    return f"{play_id}:{kind}"


def _json(rows: list[dict[str, Any]]) -> str:
    return orjson.dumps(rows).decode()


def _fragment(model: BaseModel | None) -> orjson.Fragment | None:
    return None if model is None else orjson.Fragment(model.model_dump_json())


class SqlAccountFacts:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_many(self, account_ids: Collection[str]) -> dict[str, AccountFacts]:
        """Create missing rows first, so concurrent writers serialize on the lock."""
        if not account_ids:
            return {}
        ids = sorted(set(account_ids))
        await self._session.execute(_FACTS_ENSURE, {"ids": ids})
        result = await self._session.execute(_FACTS_LOCK, {"ids": ids})
        return {
            row.account_id: AccountFacts(
                row.account_id, frozenset(row.open_escalations), frozenset(row.renewals_negotiating)
            )
            for row in result
        }

    async def save_many(self, facts: Sequence[AccountFacts]) -> None:
        rows = [
            {
                "account_id": f.account_id,
                "open_escalations": sorted(f.open_escalations),
                "renewals_negotiating": sorted(f.renewals_negotiating),
            }
            for f in facts
        ]
        if rows:
            await self._session.execute(_FACTS_SAVE, {"rows": _json(rows)})


class SqlAccountBook:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def upsert_many(self, accounts: Sequence[AccountRecord]) -> None:
        # one row per account (an upsert may not touch a row twice): the latest
        # snapshot, first seen at the earliest
        merged: dict[str, dict[str, Any]] = {}
        for a in accounts:
            row = merged.get(a.account_id)
            first = min(a.as_of, row["first_seen_at"]) if row else a.as_of
            if row is None or a.as_of >= row["as_of"]:
                row = {
                    "account_id": a.account_id,
                    "name": a.name,
                    "core_acv": a.core_acv,
                    "total_acv": a.total_acv,
                    "as_of": a.as_of,
                    "snapshot": _fragment(a.snapshot),
                }
            merged[a.account_id] = {**row, "first_seen_at": first}
        if merged:
            await self._session.execute(_ACCOUNTS_UPSERT, {"rows": _json(list(merged.values()))})


class SqlSignalLog:
    """The signals seen; the adjacent product description a signal carries is kept
    once per product id in ``adjacent_products`` (the newest wins)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record_many(self, signals: Sequence[StoredSignal]) -> None:
        rows = {
            s.signal_id: {
                "signal_id": s.signal_id,
                "account_id": s.account_id,
                "adjacent_product": s.adjacent_product,
                "status": s.status,
                "ref": orjson.Fragment(s.ref.model_dump_json()),
                "adjacent_problem": s.adjacent_problem,
                "facts": dict(s.facts),
                "gates": [g.model_dump(mode="json") for g in s.gates],
                "flags": list(s.flags),
            }
            for s in signals
        }
        if rows:
            await self._session.execute(_SIGNALS_UPSERT, {"rows": _json(list(rows.values()))})
        adjacent: dict[str, dict[str, Any]] = {}
        for s in sorted(signals, key=lambda s: s.ref.occurred_at):
            if s.adjacent is not None:  # one row per product: the newest description
                adjacent[s.adjacent_product] = {
                    "product_id": s.adjacent_product,
                    "info": _fragment(s.adjacent),
                    "as_of": s.ref.occurred_at,
                }
        if adjacent:
            await self._session.execute(_ADJACENT_UPSERT, {"rows": _json(list(adjacent.values()))})

    async def get_many(self, signal_ids: Collection[str]) -> dict[str, StoredSignal]:
        if not signal_ids:
            return {}
        result = await self._session.execute(_SIGNALS_GET, {"ids": sorted(set(signal_ids))})
        return {
            row.signal_id: StoredSignal(
                signal_id=row.signal_id,
                account_id=row.account_id,
                adjacent_product=row.adjacent_product,
                status=row.status,
                ref=SignalRef.model_validate_json(row.ref),
                adjacent_problem=row.adjacent_problem,
                facts=orjson.loads(row.facts),
                gates=tuple(GateCheck.model_validate(g) for g in orjson.loads(row.gates)),
                flags=tuple(row.flags),
                adjacent=(
                    AdjacentProductInfo.model_validate_json(row.adjacent) if row.adjacent else None
                ),
            )
            for row in result
        }


class SqlReviewStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, items: Sequence[tuple[Play, ReviewDue]]) -> None:
        rows = [
            {
                "id": review_id(play.id, event.review),
                "play_id": play.id,
                "account_id": play.account_id,
                "kind": event.review,
                "day": event.day,
                "due_at": event.due_at,
                "raised_at": event.occurred_at,
                "phase": event.phase.value if event.phase else None,
                "state_at_raise": event.state.value,
                "deadline": event.deadline,
                "at_risk": event.at_risk,
            }
            for play, event in items
        ]
        if rows:
            await self._session.execute(_REVIEWS_ADD, {"rows": _json(rows)})

    async def resolve_many(self, items: Sequence[tuple[Play, ReviewResolved]]) -> None:
        rows = [
            {
                "id": review_id(play.id, event.review),
                "resolved_at": event.occurred_at,
                "resolved_by": event.actor,
                "outcome": event.outcome,
                "note": event.note,
            }
            for play, event in items
        ]
        if rows:
            await self._session.execute(_REVIEWS_RESOLVE, {"rows": _json(rows)})
