"""What the play is opened from: the qualified signal(s) and the account.

These are plain values the handler builds from the ``crosssell.signals``
message and the account facts carried with it; the domain never looks
anything up itself.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SurfacedBy = Literal["csm", "ae", "partner", "system"]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


class Contact(_Value):
    """A person at the customer: an operator, a champion or a sponsor."""

    name: str
    title: str = ""  # role or job title
    contact_id: str | None = None

    def same_person(self, other: Contact | None) -> bool:
        """Same CRM contact id when both have one, else the same name."""
        if other is None:
            return False
        if self.contact_id and other.contact_id:
            return self.contact_id == other.contact_id
        return bool(_norm(self.name)) and _norm(self.name) == _norm(other.name)


class TicketEvidence(_Value):
    """A customer operator naming the pain, kept in their own words."""

    ticket_id: str
    requester: Contact
    subject: str
    quote: str = ""
    occurred_at: AwareDatetime
    medium: Literal["written", "recorded_call"] = "written"


class Evidence(_Value):
    summary: str = ""  # e.g. "active_seats at 86 of 100 (86%)"
    numbers: dict[str, float] = Field(default_factory=dict)
    tickets: tuple[TicketEvidence, ...] = ()


class SignalRef(_Value):
    id: str
    type: str  # usage_ceiling, adjacent_pain, ... (SPEC section 5)
    source: str  # gainsight, churnzero, product, support, csm, partner, ...
    surfaced_by: SurfacedBy
    occurred_at: AwareDatetime
    score: float = 0.0
    evidence: Evidence = Field(default_factory=Evidence)
    needs_verification: bool = False


class SignalInfo(_Value):
    """The qualified signals that opened the play.

    * primary signal: the highest score (ties: the earliest); it gives the
      play its ``signal_type`` and ``surfaced_by`` for win-rate attribution;
    * window start: the latest ``occurred_at`` among the signals, the moment
      the evidence became sufficient to open the play.
    """

    adjacent_product: str
    signals: tuple[SignalRef, ...] = Field(min_length=1)
    adjacent_problem: str = ""  # catalog pain text for the adjacent product
    score: float | None = None  # total; defaults to the sum of the signals'

    @property
    def primary(self) -> SignalRef:
        return min(self.signals, key=lambda s: (-s.score, s.occurred_at))

    @property
    def occurred_at(self) -> datetime:
        return max(s.occurred_at for s in self.signals)

    @property
    def total_score(self) -> float:
        return self.score if self.score is not None else sum(s.score for s in self.signals)

    def tickets(self) -> list[TicketEvidence]:
        """Every ticket quoted by the signals, newest first, without repeats."""
        seen: dict[str, TicketEvidence] = {}
        for signal in self.signals:
            for ticket in signal.evidence.tickets:
                seen.setdefault(ticket.ticket_id, ticket)
        return sorted(seen.values(), key=lambda t: t.occurred_at, reverse=True)


class AccountInfo(_Value):
    account_id: str
    name: str
    core_product: str
    core_acv: float = Field(ge=0)
    renewal_date: date | None = None
    ae_owner: str | None = None
    csm_owner: str | None = None


class SignalSnapshot(_Value):
    """What the play keeps of its signals (they may change upstream later)."""

    signal_ids: tuple[str, ...]
    signal_types: tuple[str, ...]
    primary_type: str
    sources: tuple[str, ...]
    surfaced_by: SurfacedBy
    score: float
    evidence: tuple[Evidence, ...] = ()
    needs_verification: bool = False

    @classmethod
    def of(cls, info: SignalInfo) -> SignalSnapshot:
        ordered = sorted(info.signals, key=lambda s: s.occurred_at)
        primary = info.primary
        return cls(
            signal_ids=tuple(s.id for s in ordered),
            signal_types=tuple(dict.fromkeys(s.type for s in ordered)),
            primary_type=primary.type,
            sources=tuple(dict.fromkeys(s.source for s in ordered)),
            surfaced_by=primary.surfaced_by,
            score=info.total_score,
            evidence=tuple(s.evidence for s in ordered),
            needs_verification=any(s.needs_verification for s in ordered),
        )
