"""Signal value objects: what the rules detect and how it was classified."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any


class SignalType(StrEnum):
    USAGE_CEILING = "usage_ceiling"
    SEAT_MILESTONE = "seat_milestone"
    ADJACENT_PAIN = "adjacent_pain"
    WORKAROUND = "workaround"
    STAKEHOLDER_EXPANSION = "stakeholder_expansion"
    STRATEGIC_SHIFT = "strategic_shift"
    PARTNER_FLAG = "partner_flag"
    COMPETITIVE_ADJACENT = "competitive_adjacent"


class SignalStatus(StrEnum):
    QUALIFIED = "qualified"
    SUPPRESSED = "suppressed"
    STALE = "stale"


class GateReason(StrEnum):
    OPEN_ESCALATION = "open_escalation"
    RENEWAL_NEGOTIATION = "renewal_negotiation"
    RENEWAL_WINDOW = "renewal_window"
    LOW_ADOPTION = "low_adoption"
    DECLINING_USAGE = "declining_usage"
    HEALTH_AT_RISK = "health_at_risk"
    ALREADY_OWNED = "already_owned"
    COMPETITOR_BOUGHT = "competitor_bought"
    PLAY_OPEN = "play_open"
    COOLDOWN = "cooldown"
    FACTS_MISSING = "facts_missing"


# Gate order is the table order of the spec, so reason lists read the same way.
GATE_ORDER: tuple[str, ...] = tuple(g.value for g in GateReason)
HEALTH_YELLOW_FLAG = "health_yellow"


class MissingFact(StrEnum):
    """What a gate needs that no profile has told us yet (gates fail closed)."""

    HEALTH = "health"
    CORE_PRODUCT = "core_product"
    ADOPTION = "adoption"
    RENEWAL_DATE = "renewal_date"


# ``facts_missing`` names what is missing in the signal's flags: "missing_fact:health".
MISSING_FACT_FLAG = "missing_fact:"


def missing_facts(flags: tuple[str, ...] | list[str]) -> list[str]:
    return [f.removeprefix(MISSING_FACT_FLAG) for f in flags if f.startswith(MISSING_FACT_FLAG)]


def signal_id(account_id: str, event_id: str, signal_type: str, adjacent: str) -> str:
    """Deterministic: replaying the same event yields the same signal id."""
    raw = f"{account_id}\x1f{event_id}\x1f{signal_type}\x1f{adjacent}".encode()
    return "sig-" + hashlib.sha256(raw).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class SignalCandidate:
    id: str
    account_id: str
    adjacent_product: str
    type: SignalType
    score: float
    evidence: dict[str, Any]
    source: str
    surfaced_by: str  # csm | ae | partner | system
    detected_at: datetime  # the triggering event's occurred_at
    event_id: str
    needs_verification: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "account_id": self.account_id,
            "adjacent_product": self.adjacent_product,
            "type": self.type.value,
            "score": self.score,
            "evidence": self.evidence,
            "source": self.source,
            "surfaced_by": self.surfaced_by,
            "detected_at": self.detected_at.isoformat(),
            "event_id": self.event_id,
            "needs_verification": self.needs_verification,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SignalCandidate:
        return cls(
            id=raw["id"],
            account_id=raw["account_id"],
            adjacent_product=raw["adjacent_product"],
            type=SignalType(raw["type"]),
            score=float(raw["score"]),
            evidence=dict(raw.get("evidence") or {}),
            source=raw["source"],
            surfaced_by=raw["surfaced_by"],
            detected_at=datetime.fromisoformat(raw["detected_at"]),
            event_id=raw.get("event_id", ""),
            needs_verification=bool(raw.get("needs_verification", False)),
        )


@dataclass(frozen=True, slots=True)
class Signal:
    """A candidate with its classification; what goes to ``crosssell.signals``."""

    candidate: SignalCandidate
    status: SignalStatus
    suppression_reasons: tuple[str, ...] = ()
    flags: tuple[str, ...] = field(default=())

    @property
    def id(self) -> str:
        return self.candidate.id

    @property
    def account_id(self) -> str:
        return self.candidate.account_id

    @property
    def adjacent_product(self) -> str:
        return self.candidate.adjacent_product

    @property
    def detected_at(self) -> datetime:
        return self.candidate.detected_at

    def with_status(
        self, status: SignalStatus, reasons: tuple[str, ...], flags: tuple[str, ...] | None = None
    ) -> Signal:
        return replace(
            self,
            status=status,
            suppression_reasons=reasons,
            flags=self.flags if flags is None else flags,
        )

    def to_dict(self) -> dict[str, Any]:
        out = self.candidate.to_dict()
        out["status"] = self.status.value
        out["suppression_reasons"] = list(self.suppression_reasons)
        out["flags"] = list(self.flags)
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Signal:
        return cls(
            candidate=SignalCandidate.from_dict(raw),
            status=SignalStatus(raw["status"]),
            suppression_reasons=tuple(raw.get("suppression_reasons") or ()),
            flags=tuple(raw.get("flags") or ()),
        )
