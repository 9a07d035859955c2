"""Commands a play accepts. Imperative names; frozen and self-validating.

``actor`` says who asked: a user id from the API, ``system`` for timers,
``salesforce`` for changes fed back from the CRM (same commands). Field
rules that need no play data are checked at construction (pydantic
``ValidationError`` -> 422); rules that need the play are checked by it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from .brief import Brief, ExecutiveSponsor
from .inputs import Contact
from .states import MIN_EXCEPTION_REASON_CHARS, SYSTEM_ACTOR, PauseReason
from .transitions import Trigger


def _not_blank(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValueError("must not be empty")
    return text


Text = Annotated[str, AfterValidator(_not_blank)]


class PlayCommand(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: Text = SYSTEM_ACTOR

    @property
    def trigger(self) -> Trigger:
        raise NotImplementedError

    def history_reason(self) -> str | None:
        return None


class SubmitBrief(PlayCommand):
    """Items left as None keep the play's current (pre-filled) value."""

    brief: Brief

    @property
    def trigger(self) -> Trigger:
        return Trigger.SUBMIT_BRIEF


class BookMeeting(PlayCommand):
    meeting_at: AwareDatetime
    attendees: tuple[Text, ...] = Field(min_length=1)
    agenda: str = ""
    next_step: str = ""

    @property
    def trigger(self) -> Trigger:
        return Trigger.BOOK_MEETING


class DiscoveryAnswers(BaseModel):
    """The three questions, in order; all must be answered."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    current_workflow: Text  # who owns it, what tools, what cycle time
    time_or_accuracy_loss: Text  # where time or accuracy is lost, and its cost
    one_fix: Text  # the one fix in two quarters, and who feels it first


class RecordDiscovery(PlayCommand):
    answers: DiscoveryAnswers
    fit: bool
    champion: Contact | None = None  # the operator who answered

    @property
    def trigger(self) -> Trigger:
        return Trigger.DISCOVERY_FIT if self.fit else Trigger.DISCOVERY_NO_FIT

    def history_reason(self) -> str | None:
        return None if self.fit else "discovery found no fit"


class EngageSponsor(PlayCommand):
    name: Text
    title: Text
    contact_id: str | None = None
    last_touch: AwareDatetime | None = None
    relationship_owner: str | None = None

    @property
    def trigger(self) -> Trigger:
        return Trigger.ENGAGE_SPONSOR

    def as_sponsor(self) -> ExecutiveSponsor:
        return ExecutiveSponsor(
            name=self.name,
            title=self.title,
            contact_id=self.contact_id,
            last_touch=self.last_touch,
            relationship_owner=self.relationship_owner,
        )


class Pause(PlayCommand):
    reason: PauseReason

    @property
    def trigger(self) -> Trigger:
        return Trigger.PAUSE

    def history_reason(self) -> str | None:
        return self.reason.value


class Resume(PlayCommand):
    """``reason``: the pause reason that cleared; None clears them all."""

    reason: PauseReason | None = None

    @property
    def trigger(self) -> Trigger:
        return Trigger.RESUME

    def history_reason(self) -> str | None:
        return f"{self.reason.value} cleared" if self.reason else "all pause reasons cleared"


class GrantException(PlayCommand):
    """A written exception; give exactly one of new_deadline, extension_days."""

    reason: str
    new_deadline: AwareDatetime | None = None
    extension_days: int | None = Field(default=None, gt=0, le=365)

    @model_validator(mode="after")
    def _check(self) -> GrantException:
        if len(self.reason.strip()) < MIN_EXCEPTION_REASON_CHARS:
            raise ValueError(
                f"an exception needs a written reason of at least "
                f"{MIN_EXCEPTION_REASON_CHARS} characters"
            )
        if (self.new_deadline is None) == (self.extension_days is None):
            raise ValueError("give exactly one of new_deadline or extension_days")
        return self

    @property
    def trigger(self) -> Trigger:
        return Trigger.GRANT_EXCEPTION

    def history_reason(self) -> str | None:
        return self.reason.strip()


class Close(PlayCommand):
    """Won needs the signed amount; lost needs a reason."""

    outcome: Literal["won", "lost"]
    amount: float | None = Field(default=None, gt=0)
    reason: str = ""

    @model_validator(mode="after")
    def _check(self) -> Close:
        if self.outcome == "won" and self.amount is None:
            raise ValueError("a won play needs the signed amount")
        if self.outcome == "lost" and not self.reason.strip():
            raise ValueError("a lost play needs a reason")
        return self

    @property
    def trigger(self) -> Trigger:
        return Trigger.CLOSE_WON if self.outcome == "won" else Trigger.CLOSE_LOST

    def history_reason(self) -> str | None:
        return self.reason.strip() or None


ReviewOutcome = Literal["on_track", "at_risk", "escalated", "close_play"]


class ResolveReview(PlayCommand):
    """The manager's decision on a due review (day 7, 14, 21), with a note.

    ``close_play`` closes the play as lost, the note its reason; ``at_risk``
    marks the play at risk; ``on_track`` and ``escalated`` are recorded."""

    review: Text  # the review's kind, e.g. review_day7
    outcome: ReviewOutcome
    note: Text

    @property
    def trigger(self) -> Trigger:
        if self.outcome == "close_play":
            return Trigger.RESOLVE_REVIEW_CLOSE
        return Trigger.RESOLVE_REVIEW

    def history_reason(self) -> str | None:
        review, outcome = self.review.replace("_", " "), self.outcome.replace("_", " ")
        return f"{review} review: {outcome}: {self.note}"


class Disqualify(PlayCommand):
    reason: Text

    @property
    def trigger(self) -> Trigger:
        return Trigger.DISQUALIFY

    def history_reason(self) -> str | None:
        return self.reason


class Withdraw(PlayCommand):
    """Issued by the ``withdraw_due`` timer after 30 days paused."""

    reason: Text = "paused for 30 days"

    @property
    def trigger(self) -> Trigger:
        return Trigger.WITHDRAW

    def history_reason(self) -> str | None:
        return self.reason


class Expire(PlayCommand):
    """Issued by the ``window_deadline`` timer."""

    reason: Text = "deadline passed without close or exception"

    @property
    def trigger(self) -> Trigger:
        return Trigger.EXPIRE

    def history_reason(self) -> str | None:
        return self.reason


Command = (
    SubmitBrief
    | BookMeeting
    | RecordDiscovery
    | EngageSponsor
    | Pause
    | Resume
    | GrantException
    | Close
    | ResolveReview
    | Disqualify
    | Withdraw
    | Expire
)
