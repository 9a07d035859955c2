"""Per-account state: the facts the signal rules and gates read.

Plain dataclasses, persisted by the lead as one JSON document per account
(see ``codec.py``). History is bounded: ``prune`` drops what no rule can look
at any more, relative to the newest event time seen for the account (never the
wall clock), so replaying a stream gives the same state.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .catalog import Settings

SeriesKey = tuple[str, str, str]  # (product, metric, module or "")

MAX_SAMPLES_PER_SERIES = 2000
RAW_SAMPLES_FOR = timedelta(days=2)  # older usage samples are compacted per day
MAX_NOTES = 50
NOTE_TEXT_KEEP = 2000
QUOTE_KEEP = 300
PRUNE_EVERY = timedelta(hours=6)


@dataclass(slots=True)
class Sample:
    at: datetime
    value: float
    limit: float | None
    count: int = 1  # >1 once older samples of one day are compacted into their mean


def _sample_at(sample: Sample) -> datetime:
    return sample.at


@dataclass(slots=True)
class Series:
    samples: list[Sample] = field(default_factory=list)
    armed: bool = True  # usage ceiling may fire; cleared on firing, set below re-arm
    checked_at: datetime | None = None  # newest sample the arm state reflects

    def insert(self, sample: Sample) -> bool:
        """Insert in time order (a sample at the same instant replaces the old
        one). Returns True when the sample is the newest of the series."""
        samples = self.samples
        if not samples or sample.at > samples[-1].at:
            samples.append(sample)
            return True
        i = bisect_left(samples, sample.at, key=_sample_at)
        if samples[i].at == sample.at:
            samples[i] = sample
            return i == len(samples) - 1
        samples.insert(i, sample)
        return False

    @property
    def latest(self) -> Sample | None:
        return self.samples[-1] if self.samples else None

    def mean_between(self, start: datetime, end: datetime) -> float | None:
        """Mean of the sample values with start < at <= end."""
        lo = bisect_right(self.samples, start, key=_sample_at)
        hi = bisect_right(self.samples, end, key=_sample_at)
        if hi <= lo:
            return None
        window = self.samples[lo:hi]
        return sum(s.value * s.count for s in window) / sum(s.count for s in window)

    def compact(self, raw_from: datetime) -> None:
        """Merge the samples of each UTC day older than ``raw_from`` into one
        (count-weighted mean, last limit, last time): means stay exact, the
        stored series stays ~one point per day however often a vendor pushes."""
        out: list[Sample] = []
        for s in self.samples[:-1]:  # the newest sample is the current reading: keep it
            prev = out[-1] if out else None
            if prev is not None and s.at < raw_from and prev.at.date() == s.at.date():
                total = prev.count + s.count
                value = (prev.value * prev.count + s.value * s.count) / total
                out[-1] = Sample(s.at, value, s.limit, total)
            else:
                out.append(s)
        self.samples = out + self.samples[-1:]


@dataclass(slots=True)
class Profile:
    name: str | None = None
    csm_owner: str | None = None
    ae_owner: str | None = None
    health: str | None = None
    field_at: dict[str, datetime] = field(default_factory=dict)  # per-field fact time

    @property
    def health_at(self) -> datetime | None:
        return self.field_at.get("health")


@dataclass(slots=True)
class OwnedProduct:
    tier: str
    acv: float
    renewal_date: date
    adoption_pct: float


@dataclass(slots=True)
class Ticket:
    ticket_id: str
    requester_id: str
    requester_name: str
    requester_role: str
    subject: str
    quote: str
    topics: list[str]
    escalation: bool
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    pain: dict[str, list[str]] = field(default_factory=dict)  # adjacent -> matched terms

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


@dataclass(slots=True)
class Workaround:
    kind: str
    product: str
    detail: str
    at: datetime


@dataclass(slots=True)
class Escalation:
    status: str  # opened | resolved
    at: datetime


@dataclass(slots=True)
class Renewal:
    status: str  # negotiating | renewed | churned
    renewal_date: date
    at: datetime
    last_closed_at: datetime | None = None


@dataclass(slots=True)
class Stakeholder:
    name: str
    title: str
    persona: str
    present: bool
    at: datetime


@dataclass(slots=True)
class Note:
    kind: str
    text: str
    adjacent_product: str | None
    competitor: str | None
    author_role: str | None
    at: datetime


@dataclass(slots=True)
class CompetitorPurchase:
    competitor: str | None
    adjacent_products: list[str]
    at: datetime


OPEN_PLAY_STATES = frozenset(
    {"open", "briefed", "meeting_booked", "discovery_done", "sponsor_engaged", "paused", "at_risk"}
)
COOLDOWN_OUTCOMES = frozenset({"lost", "expired"})
CLOSED_RENEWAL = frozenset({"renewed", "churned"})


@dataclass(slots=True)
class PlayRecord:
    adjacent_product: str
    state: str
    at: datetime  # time of the newest play event applied

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_PLAY_STATES


@dataclass(slots=True)
class AccountState:
    account_id: str
    latest_event_at: datetime | None = None
    pruned_at: datetime | None = None
    profile: Profile = field(default_factory=Profile)
    products: dict[str, OwnedProduct] = field(default_factory=dict)
    products_at: datetime | None = None
    usage: dict[SeriesKey, Series] = field(default_factory=dict)
    milestones: dict[str, datetime] = field(default_factory=dict)  # adjacent/milestone -> at
    tickets: dict[str, Ticket] = field(default_factory=dict)
    workarounds: list[Workaround] = field(default_factory=list)  # time order
    escalations: dict[str, Escalation] = field(default_factory=dict)
    renewals: dict[str, Renewal] = field(default_factory=dict)  # by product
    stakeholders: dict[str, Stakeholder] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)  # time order
    competitor_purchases: list[CompetitorPurchase] = field(default_factory=list)
    plays: dict[str, PlayRecord] = field(default_factory=dict)  # by play id
    last_fired: dict[str, datetime] = field(default_factory=dict)  # "rule/adjacent" -> at

    def observe(self, at: datetime) -> None:
        if self.latest_event_at is None or at > self.latest_event_at:
            self.latest_event_at = at


def prune(state: AccountState, settings: Settings, force: bool = False) -> None:
    """Drop history no rule can reach, relative to the newest event seen.

    Runs at most every ``PRUNE_EVERY`` of event time unless forced, so the
    per-event cost stays flat.
    """
    ref = state.latest_event_at
    if ref is None:
        return
    if not force and state.pruned_at is not None and ref - state.pruned_at < PRUNE_EVERY:
        return
    state.pruned_at = ref
    usage_from = ref - timedelta(days=2 * settings.declining_usage_window_days + 10)
    for series in state.usage.values():
        keep = [s for s in series.samples[:-1] if s.at >= usage_from]
        series.samples = keep + series.samples[-1:]
        series.compact(ref - RAW_SAMPLES_FOR)
        series.samples = series.samples[-MAX_SAMPLES_PER_SERIES:]

    ticket_from = ref - timedelta(days=max(settings.adjacent_pain_window_days, 90))
    state.tickets = {
        k: t
        for k, t in state.tickets.items()
        if t.opened_at >= ticket_from or (t.escalation and not t.closed)
    }
    wa_from = ref - timedelta(days=settings.workaround_window_days + 15)
    state.workarounds = [w for w in state.workarounds if w.at >= wa_from]

    quiet_from = ref - timedelta(days=180)
    state.escalations = {
        k: e for k, e in state.escalations.items() if e.status == "opened" or e.at >= quiet_from
    }
    state.stakeholders = {
        k: s for k, s in state.stakeholders.items() if s.present or s.at >= quiet_from
    }
    state.notes = [n for n in state.notes if n.at >= ref - timedelta(days=365)][-MAX_NOTES:]
    bought_from = ref - timedelta(days=settings.competitor_bought_lookback_days)
    state.competitor_purchases = [c for c in state.competitor_purchases if c.at >= bought_from]
    play_from = ref - timedelta(days=settings.cooldown_days + 30)
    state.plays = {k: p for k, p in state.plays.items() if p.is_open or p.at >= play_from}
    fired_from = ref - timedelta(
        days=max(settings.adjacent_pain_window_days, settings.workaround_window_days)
    )
    state.last_fired = {k: at for k, at in state.last_fired.items() if at >= fired_from}
