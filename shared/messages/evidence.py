"""Signal evidence as it travels between services: the numbers and the customer's words."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Quote(BaseModel):
    """A customer's own words: a ticket subject/quote or a note, with who and when."""

    model_config = ConfigDict(frozen=True)

    text: str = Field(max_length=4000)
    name: str = ""
    role: str = ""
    contact_id: str | None = None
    ticket_id: str | None = None
    at: datetime | None = None
    medium: str = "written"  # written | recorded_call | note


class Evidence(BaseModel):
    model_config = ConfigDict(frozen=True)

    summary: str = Field(default="", max_length=2000)  # e.g. "active_seats 86 of 100 (86%)"
    numbers: dict[str, float] = Field(default_factory=dict)  # value, limit, percent, count, ...
    quotes: tuple[Quote, ...] = ()
