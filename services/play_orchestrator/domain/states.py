"""Play states, templates, phases and the numbers the play rules are built on.

A play runs for one (account, adjacent product). Its clock starts at the
signal's ``occurred_at``; the template says how long the window is and, for
``signal-41``, which phase a given moment falls in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class PlayState(StrEnum):
    OPEN = "open"
    BRIEFED = "briefed"
    MEETING_BOOKED = "meeting_booked"
    DISCOVERY_DONE = "discovery_done"
    SPONSOR_ENGAGED = "sponsor_engaged"
    WON = "won"
    LOST = "lost"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    DISQUALIFIED = "disqualified"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES


# The clock runs in these states (deadlines, reviews and expiry apply).
RUNNING_STATES: frozenset[PlayState] = frozenset(
    {
        PlayState.OPEN,
        PlayState.BRIEFED,
        PlayState.MEETING_BOOKED,
        PlayState.DISCOVERY_DONE,
        PlayState.SPONSOR_ENGAGED,
    }
)
# Not finished: the running states plus ``paused`` (the clock is stopped).
ACTIVE_STATES: frozenset[PlayState] = RUNNING_STATES | {PlayState.PAUSED}
TERMINAL_STATES: frozenset[PlayState] = frozenset(
    {
        PlayState.WON,
        PlayState.LOST,
        PlayState.WITHDRAWN,
        PlayState.EXPIRED,
        PlayState.DISQUALIFIED,
    }
)


class PauseReason(StrEnum):
    ESCALATION_OPENED = "escalation_opened"
    RENEWAL_NEGOTIATION = "renewal_negotiation"


class Template(StrEnum):
    JOINT_14 = "joint-14"
    SIGNAL_41 = "signal-41"


class Phase(StrEnum):
    DISCOVERY = "discovery"
    VALUE_MAPPING = "value_mapping"
    CLOSE = "close"


@dataclass(frozen=True)
class PhaseSpec:
    phase: Phase
    starts_day: int
    ends_day: int


@dataclass(frozen=True)
class TemplateSpec:
    template: Template
    window_days: int
    review_days: tuple[int, ...]
    phases: tuple[PhaseSpec, ...] = ()

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.window_days)

    def phase_for(self, elapsed: timedelta) -> Phase | None:
        """The phase after ``elapsed`` running (unpaused) time since the signal.

        Boundaries belong to the later phase: day 7 exactly is value mapping.
        Past the last boundary (an exception extended the window) the play
        stays in its last phase. Templates without phases answer ``None``.
        """
        if not self.phases:
            return None
        for spec in self.phases:
            if elapsed < timedelta(days=spec.ends_day):
                return spec.phase
        return self.phases[-1].phase


TEMPLATES: dict[Template, TemplateSpec] = {
    Template.JOINT_14: TemplateSpec(Template.JOINT_14, window_days=14, review_days=(7, 14)),
    # Reviews at day 7 and 21 sit on the phase boundaries (discovery ->
    # value mapping -> close); day 14 keeps the weekly cadence of joint-14.
    Template.SIGNAL_41: TemplateSpec(
        Template.SIGNAL_41,
        window_days=41,
        review_days=(7, 14, 21),
        phases=(
            PhaseSpec(Phase.DISCOVERY, 0, 7),
            PhaseSpec(Phase.VALUE_MAPPING, 7, 21),
            PhaseSpec(Phase.CLOSE, 21, 41),
        ),
    ),
}

DEFAULT_TEMPLATE = Template.JOINT_14

# Rule numbers from the playbooks (SPEC section 6).
MEETING_DUE_AFTER = timedelta(days=7)
SPONSOR_DUE_BUSINESS_DAYS = 3
BUSINESS_CASE_DUE_AFTER = timedelta(hours=72)
WITHDRAW_AFTER_PAUSED = timedelta(days=30)
PAIN_MAX_AGE = timedelta(days=60)
EXPECTED_AMOUNT_RATIO = 0.42
MIN_EXCEPTION_REASON_CHARS = 20

SYSTEM_ACTOR = "system"
SALESFORCE_ACTOR = "salesforce"
