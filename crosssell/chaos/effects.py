"""What the events should have caused, what the system holds, and the difference.

Effects are counted per hop, each against what that hop was given:

* **signals** - expected: the pure domain (``process_event``, the same code
  the consumer runs) folded over exactly the events that were sent, each
  account's events in the order they were sent; the signal ids it yields are
  deterministic (account, event, type, adjacent product). Found:
  ``GET /v1/signals``.
* **plays** - expected: one play per (account, adjacent product) whose
  qualified signals, as signal_ingest decided them, reached the catalog's
  play threshold inside the play window at the moment one of them was
  decided (the ``opens_play`` rule, recomputed from the signals API). Whether
  a signal is qualified or suppressed is decided on arrival against the facts
  known then, so it is taken from the system rather than predicted. Found:
  ``GET /v1/plays``; a duplicate is a second play for the same pair.
* **opportunities** - expected: one per play found, keyed by
  ``Cross_Sell_Play_Id__c``. Found: the emulator's records.
* **tasks** - expected: per play, the Task purposes its own history calls
  for (each review raised, the window-deadline Task with the first review,
  "book the meeting" once at risk, sponsor / business-case when overdue).
  Keyed by ``Cross_Sell_Task_Key__c``. (Hygiene Tasks answer a person's edit
  in Salesforce; the streams make none.)

lost = expected keys not found; duplicated = records beyond the first per key;
unexpected = keys found that nothing called for (reported, not silently
dropped).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services.signal_ingest.domain import AccountState, Catalog, load_catalog, process_event
from services.signal_ingest.settings import SignalIngestSettings
from shared.messages.inbound import parse_event

Event = dict[str, Any]
TASK_KEY = "Cross_Sell_Task_Key__c"
PLAY_KEY = "Cross_Sell_Play_Id__c"
REVIEW_TASKS = {"review_day7", "review_day14"}
OVERDUE_TASKS = {
    "meeting": "meeting_due",
    "sponsor": "sponsor_due",
    "business_case": "business_case_due",
}


@dataclass
class EffectCount:
    kind: str
    expected: int = 0
    found: int = 0
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    lost_keys: list[str] = field(default_factory=list)
    duplicated_keys: list[str] = field(default_factory=list)
    unexpected_keys: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "expected": self.expected,
            "found": self.found,
            "lost": self.lost,
            "duplicated": self.duplicated,
            "unexpected": self.unexpected,
            "lost_keys": self.lost_keys[:10],
            "duplicated_keys": self.duplicated_keys[:10],
            "unexpected_keys": self.unexpected_keys[:10],
        }


def compare(kind: str, expected: Iterable[str], found: Iterable[str]) -> EffectCount:
    want = set(expected)
    seen = Counter(found)
    lost = sorted(want - set(seen))
    dups = sorted(k for k, n in seen.items() if n > 1)
    extra = sorted(set(seen) - want)
    return EffectCount(
        kind=kind,
        expected=len(want),
        found=sum(seen.values()),
        lost=len(lost),
        duplicated=sum(seen[k] - 1 for k in dups),
        unexpected=len(extra),
        lost_keys=lost,
        duplicated_keys=dups,
        unexpected_keys=extra,
    )


# -- signals: the pure domain ------------------------------------------------------------
def catalog() -> Catalog:
    return load_catalog(SignalIngestSettings.model_fields["catalog_path"].default)


def expected_signal_ids(sent: Iterable[Event], now: datetime, cat: Catalog) -> set[str]:
    """Fold the events, in sending order, through the domain; every signal id it raises."""
    states: dict[str, AccountState] = {}
    ids: set[str] = set()
    for raw in sent:
        event = parse_event(raw)
        state = states.setdefault(event.account_id, AccountState(event.account_id))
        for signal in process_event(state, event, cat, now).signals:
            ids.add(signal.id)
    return ids


# -- plays: the opens_play rule over the signals as decided ---------------------------
def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def expected_play_pairs(signals: Iterable[dict[str, Any]], cat: Catalog) -> set[str]:
    window = timedelta(days=cat.settings.play_window_days)
    threshold = cat.settings.play_threshold
    by_pair: dict[str, list[dict[str, Any]]] = {}
    for s in signals:
        if s["status"] == "qualified":
            by_pair.setdefault(pair_key(s["account_id"], s["adjacent_product"]), []).append(s)
    pairs: set[str] = set()
    for pair, qualified in by_pair.items():
        for decided in qualified:
            at = _at(decided["updated_at"])
            counted = [
                q
                for q in qualified
                if _at(q["updated_at"]) <= at and at - _at(q["detected_at"]) <= window
            ]
            newest = max((_at(q["detected_at"]) for q in counted), default=None)
            score = sum(float(q["score"]) for q in counted)
            if score >= threshold and newest is not None and newest + window > at:
                pairs.add(pair)
                break
    return pairs


def pair_key(account_id: str, adjacent_product: str) -> str:
    return f"{account_id}/{adjacent_product}"


# -- tasks: what each play's history calls for -------------------------------------------
def expected_task_keys(play: dict[str, Any]) -> set[str]:
    play_id = play["id"]
    purposes: set[str] = set()
    reviews = {r["kind"] for r in play.get("reviews", [])}
    purposes |= reviews & REVIEW_TASKS
    if reviews:
        purposes.add("window_deadline")
    for item in play.get("overdue_items", []):
        if item in OVERDUE_TASKS:
            purposes.add(OVERDUE_TASKS[item])
    if any(t["kind"] == "meeting_due" and t.get("fired_at") for t in play.get("timers", [])):
        purposes.add("meeting_due")
    return {f"[XS:{play_id}:{p}]" for p in purposes}


def task_play(task: dict[str, Any]) -> str | None:
    """The play id in a Task's key ``[XS:<play id>:<purpose>]``."""
    key = task.get(TASK_KEY)
    if not isinstance(key, str) or not key.startswith("[XS:"):
        return None
    return key[4:].rsplit(":", 1)[0]


@dataclass
class Effects:
    """Every effect kind of one scenario, and its accounts (the scenario's scope)."""

    counts: list[EffectCount]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def expected(self) -> int:
        return sum(c.expected for c in self.counts)

    @property
    def found(self) -> int:
        return sum(c.found for c in self.counts)

    @property
    def lost(self) -> int:
        return sum(c.lost for c in self.counts)

    @property
    def duplicated(self) -> int:
        return sum(c.duplicated for c in self.counts)

    @property
    def unexpected(self) -> int:
        return sum(c.unexpected for c in self.counts)

    def by_kind(self) -> dict[str, EffectCount]:
        return {c.kind: c for c in self.counts}


def collect(
    system: Any,
    accounts: set[str],
    expected_signals: set[str],
    cat: Catalog,
) -> tuple[Effects, dict[str, Any]]:
    """Read the system (after it settled) and compare, for ``accounts`` only.

    Returns the effects and the raw reads (plays in detail, Opportunities,
    Tasks) for scenario-specific checks."""
    signals = [s for s in system.signals() if s["account_id"] in accounts]
    plays = [p for p in system.plays() if p["account_id"] in accounts]
    details = [system.play(p["id"]) for p in plays]
    play_ids = {p["id"] for p in plays}
    opportunities = [o for o in system.records("Opportunity") if o.get(PLAY_KEY) in play_ids]
    tasks = [t for t in system.records("Task") if task_play(t) in play_ids]
    expected_tasks: set[str] = set()
    for play in details:
        expected_tasks |= expected_task_keys(play)
    counts = [
        compare("signals", expected_signals, (s["id"] for s in signals)),
        compare(
            "plays",
            expected_play_pairs(signals, cat),
            (pair_key(p["account_id"], p["adjacent_product"]) for p in plays),
        ),
        compare("opportunities", play_ids, (o[PLAY_KEY] for o in opportunities)),
        compare("tasks", expected_tasks, (t[TASK_KEY] for t in tasks)),
    ]
    raw = {"signals": signals, "plays": details, "opportunities": opportunities, "tasks": tasks}
    return Effects(counts), raw
