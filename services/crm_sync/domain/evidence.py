"""Signal evidence as readable text for ``Signal_Evidence__c``.

The evidence a signal carries is structured: the numbers behind it (seats used
against the tier limit, tickets counted) and the customer's own words (ticket
subjects, note quotes). The text keeps both verbatim — reps quote the customer
back to them — and fits the field: numbers first, because they are short and
always fit, then as many whole quotes as fit, then a line saying how many were
left out.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

EVIDENCE_MAX_CHARS = 32_000
_ELLIPSIS = "…"
_MIN_PARTIAL_QUOTE = 80


class EvidenceQuote(BaseModel):
    """One thing the customer said or wrote, and where it came from."""

    model_config = ConfigDict(frozen=True)

    text: str
    who: str | None = None
    role: str | None = None
    ref: str | None = Field(default=None, description="ticket id, note id, call id")
    at: date | datetime | None = None


class SignalEvidence(BaseModel):
    """The numbers and the words behind a signal."""

    model_config = ConfigDict(frozen=True)

    summary: str | None = None
    numbers: dict[str, int | float | str | None] = Field(default_factory=dict)
    quotes: tuple[EvidenceQuote, ...] = ()


def format_evidence(
    evidence: SignalEvidence,
    *,
    signal_type: str,
    source: str,
    max_chars: int = EVIDENCE_MAX_CHARS,
) -> str:
    """Readable evidence text, at most ``max_chars`` characters long."""
    head = [f"Signal: {signal_type} (source: {source})"]
    if evidence.numbers:
        head.append("Numbers:")
        head.extend(f"- {name}: {_number(value)}" for name, value in evidence.numbers.items())
    if evidence.summary and evidence.summary.strip():
        head.append(evidence.summary.strip())
    text = _clip("\n".join(head), max_chars)
    if not evidence.quotes:
        return text

    quotes = [_quote_line(q) for q in evidence.quotes]
    section = "\n\nIn the customer's words:"
    if len(text) + len(section) + 1 >= max_chars:
        return _clip(text + _omitted(len(quotes)), max_chars)
    text += section
    for index, line in enumerate(quotes):
        rest = len(quotes) - index - 1
        if len(text) + 1 + len(line) + len(_omitted(rest)) <= max_chars:
            text = f"{text}\n{line}"
            continue
        # This quote does not fit whole: keep its beginning if that says something.
        room = max_chars - len(text) - 1 - len(_omitted(rest))
        if room >= _MIN_PARTIAL_QUOTE:
            return _clip(f"{text}\n{_clip(line, room)}{_omitted(rest)}", max_chars)
        return _clip(text + _omitted(rest + 1), max_chars)
    return text


def _quote_line(quote: EvidenceQuote) -> str:
    origin = ", ".join(
        part
        for part in (
            _person(quote.who, quote.role),
            quote.ref,
            quote.at.isoformat() if quote.at is not None else None,
        )
        if part
    )
    line = f'- "{quote.text.strip()}"'
    return f"{line} — {origin}" if origin else line


def _person(who: str | None, role: str | None) -> str | None:
    if who and role:
        return f"{who} ({role})"
    return who or role


def _number(value: int | float | str | None) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _omitted(count: int) -> str:
    if count <= 0:
        return ""
    noun = "quote" if count == 1 else "quotes"
    return f"\n[{count} more {noun} left out to fit the field]"


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - len(_ELLIPSIS), 0)] + _ELLIPSIS[: max(limit, 0)]
