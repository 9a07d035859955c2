"""Value records kept on a play: history, pauses, exceptions, outcome, reviews."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from .states import PauseReason, Phase, PlayState


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HistoryEntry(_Value):
    at: AwareDatetime
    from_state: PlayState | None
    to_state: PlayState
    actor: str
    command: str
    reason: str | None = None


class PauseInterval(_Value):
    started_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    reasons: tuple[PauseReason, ...] = ()


class ExceptionRecord(_Value):
    granted_at: AwareDatetime
    actor: str
    reason: str
    previous_deadline: AwareDatetime
    new_deadline: AwareDatetime


class Outcome(_Value):
    result: Literal["won", "lost"]
    amount: float | None
    reason: str | None
    closed_at: AwareDatetime


class ReviewItem(_Value):
    kind: str
    day: int
    due_at: AwareDatetime
    raised_at: AwareDatetime
    state: PlayState
    phase: Phase | None
    resolved_at: AwareDatetime | None = None
    resolved_by: str | None = None
    outcome: str | None = None  # on_track, at_risk, escalated, close_play
    note: str | None = None
