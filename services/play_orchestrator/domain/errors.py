"""Domain errors. The API maps them: IllegalTransition -> 409, BriefIncomplete
and InvalidCommand -> 422 (a malformed command model raises pydantic's
``ValidationError``, also a ``ValueError``, also 422)."""

from __future__ import annotations

from collections.abc import Iterable


class DomainError(Exception):
    """Base class of every rule the play domain refuses."""


class IllegalTransition(DomainError):
    """The command is not accepted in the play's current state."""

    def __init__(
        self,
        current_state: str,
        command: str,
        allowed: Iterable[str] = (),
        detail: str | None = None,
    ) -> None:
        self.current_state = str(current_state)
        self.command = str(command)
        self.allowed = tuple(str(a) for a in allowed)
        self.detail = detail
        message = f"{self.command} is not allowed: the play is in state '{self.current_state}'"
        if detail:
            message += f": {detail}"
        elif self.allowed:
            message += f" (accepted here: {', '.join(self.allowed)})"
        else:
            message += " (the play is finished)"
        super().__init__(message)


class GuardRejected(IllegalTransition):
    """The state accepts the command but its condition does not hold yet
    (e.g. expiring before the deadline, withdrawing before 30 days paused)."""


class InvalidCommand(DomainError, ValueError):
    """The command is well-formed but contradicts the play's data."""


class BriefIncomplete(DomainError):
    """A required brief item (2, 4 or 5) is missing; ``missing`` names each."""

    def __init__(self, missing: Iterable[str], warnings: Iterable[str] = ()) -> None:
        self.missing = list(missing)
        self.warnings = list(warnings)
        super().__init__("brief incomplete: " + "; ".join(self.missing))

    @property
    def items(self) -> list[int]:
        """The item numbers missing, e.g. ``[2, 5]``."""
        return [int(text.split(":")[0].removeprefix("item ")) for text in self.missing]
