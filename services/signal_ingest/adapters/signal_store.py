"""Signals in PostgreSQL: one multi-row upsert per batch, rows -> domain signals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.signal_ingest.adapters.tables import SIGNAL_COLUMNS
from services.signal_ingest.domain import Signal, SignalCandidate, SignalStatus, SignalType

# Arrays of arrays cannot go through unnest, so reason and flag lists travel
# as comma-joined text (gate names never hold a comma) and are split in SQL.
_UPSERT = text(
    """
    INSERT INTO signals (id, account_id, adjacent_product, type, status, suppression_reasons,
                         flags, score, evidence, source, surfaced_by, detected_at,
                         needs_verification, event_id, created_at, updated_at)
    SELECT id, acct, adj, typ, st, string_to_array(reasons, ','), string_to_array(fl, ','),
           score, CAST(ev AS jsonb), src, sb, det, nv, eid, now(), now()
    FROM unnest(
        CAST(:ids AS text[]), CAST(:accts AS text[]), CAST(:adjs AS text[]),
        CAST(:types AS text[]), CAST(:statuses AS text[]), CAST(:reasons AS text[]),
        CAST(:flags AS text[]), CAST(:scores AS float8[]), CAST(:evidence AS text[]),
        CAST(:sources AS text[]), CAST(:surfaced AS text[]), CAST(:detected AS timestamptz[]),
        CAST(:verify AS boolean[]), CAST(:events AS text[])
    ) AS t(id, acct, adj, typ, st, reasons, fl, score, ev, src, sb, det, nv, eid)
    ON CONFLICT (id) DO UPDATE SET
        status = EXCLUDED.status,
        suppression_reasons = EXCLUDED.suppression_reasons,
        flags = EXCLUDED.flags,
        updated_at = now()
    """
)

_LIVE = text(
    f"""
    SELECT {SIGNAL_COLUMNS} FROM signals
    WHERE account_id = ANY(CAST(:ids AS text[]))
      AND (status = 'suppressed' OR (status = 'qualified' AND detected_at >= :since))
    ORDER BY detected_at, id
    """
)


def signal_from_row(row: Any) -> Signal:
    """A ``signals`` row (mapping access by column name) -> domain signal."""
    evidence = row["evidence"]
    if isinstance(evidence, str | bytes):
        evidence = orjson.loads(evidence)
    return Signal(
        candidate=SignalCandidate(
            id=row["id"],
            account_id=row["account_id"],
            adjacent_product=row["adjacent_product"],
            type=SignalType(row["type"]),
            score=float(row["score"]),
            evidence=evidence,
            source=row["source"],
            surfaced_by=row["surfaced_by"],
            detected_at=row["detected_at"],
            event_id=row["event_id"],
            needs_verification=bool(row["needs_verification"]),
        ),
        status=SignalStatus(row["status"]),
        suppression_reasons=tuple(row["suppression_reasons"] or ()),
        flags=tuple(row["flags"] or ()),
    )


async def live_signals(
    session: AsyncSession, account_ids: Sequence[str], since: datetime
) -> dict[str, list[Signal]]:
    """Suppressed signals, and qualified ones detected since ``since``, oldest first."""
    out: dict[str, list[Signal]] = {}
    if not account_ids:
        return out
    rows = await session.execute(_LIVE, {"ids": list(account_ids), "since": since})
    for row in rows.mappings():
        out.setdefault(row["account_id"], []).append(signal_from_row(row))
    return out


class PgSignalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, signals: Sequence[Signal]) -> None:
        if not signals:
            return
        cands = [s.candidate for s in signals]
        await self._session.execute(
            _UPSERT,
            {
                "ids": [c.id for c in cands],
                "accts": [c.account_id for c in cands],
                "adjs": [c.adjacent_product for c in cands],
                "types": [c.type.value for c in cands],
                "statuses": [s.status.value for s in signals],
                "reasons": [",".join(s.suppression_reasons) for s in signals],
                "flags": [",".join(s.flags) for s in signals],
                "scores": [c.score for c in cands],
                "evidence": [orjson.dumps(c.evidence).decode() for c in cands],
                "sources": [c.source for c in cands],
                "surfaced": [c.surfaced_by for c in cands],
                "detected": [c.detected_at for c in cands],
                "verify": [c.needs_verification for c in cands],
                "events": [c.event_id for c in cands],
            },
        )
