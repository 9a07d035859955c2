"""The play aggregate: one (account, adjacent product) cross-sell play.

``Play.execute(command, now)`` is the only way to change a play: it looks the
transition up in ``TRANSITIONS``, checks its guard and the command's data,
updates the play, appends one history entry and collects domain events in
``pending_events``. A refused command leaves the play untouched.

The model round-trips through JSON (``model_dump(mode="json")`` /
``model_validate``) so the repository can store it as a document next to its
indexed columns; pending events are not part of it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PrivateAttr

from . import apply as h
from . import events as ev
from .brief import SAME_PERSON_WARNING, Brief, ExecutiveSponsor
from .commands import (
    BookMeeting,
    Close,
    Command,
    DiscoveryAnswers,
    Disqualify,
    EngageSponsor,
    Expire,
    GrantException,
    Pause,
    PlayCommand,
    RecordDiscovery,
    ResolveReview,
    Resume,
    SubmitBrief,
    Withdraw,
)
from .errors import GuardRejected, IllegalTransition, InvalidCommand
from .inputs import Contact, SignalSnapshot
from .records import ExceptionRecord, HistoryEntry, Outcome, PauseInterval, ReviewItem
from .states import TEMPLATES, Phase, PlayState, Template
from .transitions import GUARDS, TRANSITIONS, Resolve, allowed_triggers

E = TypeVar("E", bound=ev.PlayEvent)
DAY = timedelta(days=1)


def require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("time must be timezone-aware")


class Play(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    account_id: str
    adjacent_product: str
    template: Template
    state: PlayState = PlayState.OPEN
    previous_state: PlayState | None = None  # the state to resume to
    signal: SignalSnapshot
    core_product: str
    core_acv: float
    renewal_date: date | None = None
    expected_amount: float
    owner: str | None = None  # the AE
    csm: str | None = None
    opened_at: AwareDatetime
    signal_occurred_at: AwareDatetime  # the window starts here
    deadline: AwareDatetime  # moved by pauses and exceptions
    pauses: list[PauseInterval] = Field(default_factory=list)
    exceptions: list[ExceptionRecord] = Field(default_factory=list)
    brief: Brief = Field(default_factory=Brief)
    brief_revision: int = 0
    meeting_booked_at: AwareDatetime | None = None
    discovery: DiscoveryAnswers | None = None
    discovery_fit: bool | None = None
    discovered_at: AwareDatetime | None = None  # first discovery: anchors the timers
    sponsor: ExecutiveSponsor | None = None  # the engaged sponsor
    sponsor_engaged_at: AwareDatetime | None = None
    champion: Contact | None = None
    outcome: Outcome | None = None
    closed_at: AwareDatetime | None = None  # when a terminal state was reached
    at_risk: bool = False
    overdue: list[str] = Field(default_factory=list)  # meeting, sponsor, business_case
    fired_timers: dict[str, AwareDatetime] = Field(default_factory=dict)
    reviews: list[ReviewItem] = Field(default_factory=list)
    history: list[HistoryEntry] = Field(default_factory=list)

    _pending_events: list[ev.PlayEvent] = PrivateAttr(default_factory=list)

    # ---- events ---------------------------------------------------------
    @property
    def pending_events(self) -> list[ev.PlayEvent]:
        return self._pending_events

    def collect_events(self) -> list[ev.PlayEvent]:
        """Hand the pending events to the unit of work and forget them."""
        collected, self._pending_events = self._pending_events, []
        return collected

    def record(self, *events: ev.PlayEvent) -> None:
        self._pending_events.extend(events)

    def new_event(self, cls: type[E], now: datetime, actor: str, **fields: Any) -> E:
        return cls(
            play_id=self.id,
            account_id=self.account_id,
            adjacent_product=self.adjacent_product,
            occurred_at=now,
            state=self.state,
            actor=actor,
            **fields,
        )

    # ---- the clock --------------------------------------------------------
    @property
    def is_terminal(self) -> bool:
        return self.state.is_terminal

    @property
    def paused_at(self) -> datetime | None:
        if self.pauses and self.pauses[-1].ended_at is None:
            return self.pauses[-1].started_at
        return None

    @property
    def total_paused(self) -> timedelta:
        """Time spent in finished pauses (the current one is not counted)."""
        return sum(
            (p.ended_at - p.started_at for p in self.pauses if p.ended_at is not None),
            timedelta(0),
        )

    def shifted(self, base: datetime) -> datetime:
        """``base`` moved later by every finished pause that began before it:
        a deadline still pending when the clock stopped moves by the pause."""
        due = base
        for pause in self.pauses:
            if pause.ended_at is not None and pause.started_at < due:
                due += pause.ended_at - pause.started_at
        return due

    def running_elapsed(self, at: datetime) -> timedelta:
        """Unpaused time from the signal to ``at``."""
        paused = timedelta(0)
        for pause in self.pauses:
            if pause.started_at < at:
                paused += min(pause.ended_at or at, at) - pause.started_at
        return at - self.signal_occurred_at - paused

    def phase_at(self, at: datetime) -> Phase | None:
        return TEMPLATES[self.template].phase_for(self.running_elapsed(at))

    # ---- read models ------------------------------------------------------
    @property
    def is_overdue(self) -> bool:
        return self.at_risk or bool(self.overdue)

    def current_champion(self) -> Contact | None:
        if self.champion is not None:
            return self.champion
        return self.brief.pain.operator if self.brief.pain else None

    def warnings(self) -> list[str]:
        """Advice that does not block: today, champion == sponsor."""
        sponsor = self.sponsor or self.brief.sponsor
        champion = self.current_champion()
        if sponsor is not None and champion is not None:
            if champion.same_person(sponsor.as_contact()):
                return [SAME_PERSON_WARNING.format(name=sponsor.name)]
        return []

    # ---- commands ----------------------------------------------------------
    def execute(self, command: Command, now: datetime) -> list[ev.PlayEvent]:
        """Apply ``command`` at ``now``; return the events it raised."""
        require_aware(now)
        target = self._target(command, now)
        events = self._apply(command, target, now)
        self._pending_events.extend(events)
        return events

    def _target(self, command: PlayCommand, now: datetime) -> PlayState:
        trigger = command.trigger
        target = TRANSITIONS.get((self.state, trigger))
        if target is None:
            raise IllegalTransition(self.state, trigger, allowed_triggers(self.state))
        guard = GUARDS.get(trigger)
        refusal = guard(self, now) if guard else None
        if refusal:
            raise GuardRejected(self.state, trigger, detail=refusal)
        if target is Resolve.PREVIOUS:
            if self.previous_state is None:
                raise InvalidCommand("paused play has no state to resume to")
            return self.previous_state
        assert isinstance(target, PlayState)
        return target

    def _apply(self, command: Command, target: PlayState, now: datetime) -> list[ev.PlayEvent]:
        match command:
            case SubmitBrief():
                return h.submit_brief(self, command, target, now)
            case BookMeeting():
                return h.book_meeting(self, command, target, now)
            case RecordDiscovery():
                return h.record_discovery(self, command, target, now)
            case EngageSponsor():
                return h.engage_sponsor(self, command, target, now)
            case Pause():
                return h.pause(self, command, target, now)
            case Resume():
                return h.resume(self, command, target, now)
            case GrantException():
                return h.grant_exception(self, command, target, now)
            case Close():
                return h.close(self, command, target, now)
            case ResolveReview():
                return h.resolve_review(self, command, target, now)
            case Disqualify() | Withdraw() | Expire():
                return h.end(self, command, target, now)
        raise TypeError(f"unknown command {type(command).__name__}")

    def move(
        self, to: PlayState, now: datetime, command: PlayCommand, reason: str | None = None
    ) -> None:
        """Change state and append the history entry (self-transitions too)."""
        self.history.append(
            HistoryEntry(
                at=now,
                from_state=self.state,
                to_state=to,
                actor=command.actor,
                command=command.trigger.value,
                reason=reason or command.history_reason(),
            )
        )
        if to is PlayState.PAUSED and self.state is not PlayState.PAUSED:
            self.previous_state = self.state
        elif self.state is PlayState.PAUSED and to is not PlayState.PAUSED:
            self.previous_state = None
            if to.is_terminal:
                self.end_pause(now)
        self.state = to
        if to.is_terminal:
            self.closed_at = now

    def end_pause(self, now: datetime) -> PauseInterval:
        current = self.pauses[-1].model_copy(update={"ended_at": now})
        self.pauses[-1] = current
        return current

    def clear_overdue(self, *items: str) -> None:
        self.overdue = [item for item in self.overdue if item not in items]

    def cycle_days(self, at: datetime) -> float:
        return (at - self.signal_occurred_at) / DAY
