"""Per-account state: the facts the signal rules and gates read.

Plain dataclasses, persisted by the lead as one JSON document per account
(see ``codec.py``) and cached decoded for every active account, so they are
kept small: a usage series holds its samples as parallel ``array`` columns,
not as ``Sample`` objects. History is bounded: ``prune`` drops what no rule
can look at any more, relative to the newest event time seen for the account
(never the wall clock), so replaying a stream gives the same state.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from operator import mul

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
    """One usage reading, as handed in to and out of a ``Series`` (which stores
    its samples as compact arrays, not as ``Sample`` objects)."""

    at: datetime
    value: float
    limit: float | None
    count: int = 1  # >1 once older samples of one day are compacted into their mean


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_DAY_US = 86_400_000_000
NO_LIMIT = float("nan")  # a sample without a limit, in ``Series.limits``


def to_us(at: datetime) -> int:
    """Microseconds since the Unix epoch (UTC) of an aware datetime, exactly."""
    return (at - EPOCH) // _ONE_US


def from_us(us: int) -> datetime:
    """The UTC datetime ``us`` microseconds after the Unix epoch."""
    return EPOCH + timedelta(microseconds=us)


def _int_array() -> array[int]:
    return array("q")


def _float_array() -> array[float]:
    return array("d")


@dataclass(slots=True, eq=False)
class Series:
    """One usage metric's samples in time order, as parallel arrays (one entry
    per sample, ~32 bytes instead of a ~240-byte ``Sample`` with its datetime):
    ``times`` in microseconds since the epoch (UTC, strictly increasing),
    ``values``, ``limits`` (``NO_LIMIT``, a NaN, for none) and ``counts`` (>1
    for a day's samples compacted into their mean). Usage event times are UTC,
    so a sample handed back out (``latest``, ``samples``) equals the one put in.
    """

    times: array[int] = field(default_factory=_int_array)
    values: array[float] = field(default_factory=_float_array)
    limits: array[float] = field(default_factory=_float_array)
    counts: array[int] = field(default_factory=_int_array)
    armed: bool = True  # usage ceiling may fire; cleared on firing, set below re-arm
    checked_at: datetime | None = None  # newest sample the arm state reflects
    # Samples before this index hold at most one per UTC day (compacted): the
    # next compaction scans from here. Not stored: a decoded series rescans once.
    compacted_to: int = 0

    def insert(self, sample: Sample) -> bool:
        """Insert in time order (a sample at the same instant replaces the old
        one). Returns True when the sample is the newest of the series."""
        t = to_us(sample.at)
        limit = NO_LIMIT if sample.limit is None else sample.limit
        times = self.times
        if not times or t > times[-1]:
            times.append(t)
            self.values.append(sample.value)
            self.limits.append(limit)
            self.counts.append(sample.count)
            return True
        i = bisect_left(times, t)
        if times[i] == t:
            self.values[i] = sample.value
            self.limits[i] = limit
            self.counts[i] = sample.count
            return i == len(times) - 1
        times.insert(i, t)
        self.compacted_to = min(self.compacted_to, i)
        self.values.insert(i, sample.value)
        self.limits.insert(i, limit)
        self.counts.insert(i, sample.count)
        return False

    def _sample(self, i: int) -> Sample:
        limit = self.limits[i]
        return Sample(
            from_us(self.times[i]),
            self.values[i],
            None if limit != limit else limit,  # NaN: no limit
            self.counts[i],
        )

    @property
    def latest(self) -> Sample | None:
        return self._sample(len(self.times) - 1) if self.times else None

    @property
    def samples(self) -> list[Sample]:
        """All samples as ``Sample`` objects (a fresh list: views and tests, not
        the hot path)."""
        return [self._sample(i) for i in range(len(self.times))]

    def mean_between(self, start: datetime, end: datetime) -> float | None:
        """Count-weighted mean of the sample values with start < at <= end."""
        lo = bisect_right(self.times, to_us(start))
        hi = bisect_right(self.times, to_us(end))
        if hi <= lo:
            return None
        counts = self.counts[lo:hi]
        return sum(map(mul, self.values[lo:hi], counts)) / sum(counts)

    def compact(self, raw_from: datetime) -> None:
        """Merge the samples of each UTC day older than ``raw_from`` into one
        (count-weighted mean, last limit, last time): means stay exact, the
        stored series stays ~one point per day however often a vendor pushes."""
        times, values, limits, counts = self.times, self.values, self.limits, self.counts
        # Only samples older than raw_from merge; the newest is the current reading: keep it.
        end = min(bisect_left(times, to_us(raw_from)), len(times) - 1)
        if end < 2:
            return
        # The part compacted before holds one sample per day: start at the first
        # pair sharing a day after it (usually among the few samples that just
        # aged past raw_from), so a prune costs what arrived since the last one.
        first = next(
            (
                i
                for i in range(max(1, self.compacted_to), end)
                if times[i - 1] // _DAY_US == times[i] // _DAY_US
            ),
            0,
        )
        if not first:
            self.compacted_to = end
            return
        k = first - 1
        out_t, out_v = times[k:first], values[k:first]
        out_l, out_c = limits[k:first], counts[k:first]
        for i in range(first, end):
            t = times[i]
            if out_t[-1] // _DAY_US == t // _DAY_US:  # same UTC day
                prev, count = out_c[-1], counts[i]
                total = prev + count
                out_v[-1] = (out_v[-1] * prev + values[i] * count) / total
                out_t[-1], out_l[-1], out_c[-1] = t, limits[i], total
            else:
                out_t.append(t)
                out_v.append(values[i])
                out_l.append(limits[i])
                out_c.append(counts[i])
        times[k:end], values[k:end], limits[k:end], counts[k:end] = out_t, out_v, out_l, out_c
        self.compacted_to = k + len(out_t)

    def drop_before(self, at: datetime) -> None:
        """Drop the samples older than ``at``, but never the newest."""
        cut = min(bisect_left(self.times, to_us(at)), len(self.times) - 1)
        if cut > 0:
            self._drop_first(cut)

    def keep_last(self, n: int) -> None:
        """Keep only the newest ``n`` samples."""
        extra = len(self.times) - n
        if extra > 0:
            self._drop_first(extra)

    def _drop_first(self, n: int) -> None:
        del self.times[:n], self.values[:n], self.limits[:n], self.counts[:n]
        self.compacted_to = max(0, self.compacted_to - n)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Series):
            return NotImplemented
        return (
            self.times == other.times
            and self.values == other.values
            and self.counts == other.counts
            and _same_limits(self.limits, other.limits)
            and self.armed == other.armed
            and self.checked_at == other.checked_at
        )


def _same_limits(a: array[float], b: array[float]) -> bool:
    # Elementwise, with NaN (no limit) equal to NaN, which array == does not do.
    if a.tobytes() == b.tobytes():
        return True
    if len(a) != len(b):
        return False
    return all(x == y or (x != x and y != y) for x, y in zip(a, b, strict=True))


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
        series.drop_before(usage_from)  # keeps the newest sample however old
        series.compact(ref - RAW_SAMPLES_FOR)
        series.keep_last(MAX_SAMPLES_PER_SERIES)

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
