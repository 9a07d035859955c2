"""Turning signal evidence into numbers and customer words, strongest signal first."""

from __future__ import annotations

from collections.abc import Iterable

from services.play_orchestrator.coaching.context import (
    MetricEvidence,
    PlayContext,
    QuoteEvidence,
    Signal,
    SignalType,
    WorkaroundEvidence,
)
from services.play_orchestrator.coaching.phrases import normalise_phrase

# Tie-break when scores are equal: concrete evidence before projected need.
TYPE_PRIORITY: dict[SignalType, int] = {
    SignalType.USAGE_CEILING: 8,
    SignalType.ADJACENT_PAIN: 7,
    SignalType.WORKAROUND: 6,
    SignalType.SEAT_MILESTONE: 5,
    SignalType.COMPETITIVE_ADJACENT: 4,
    SignalType.STAKEHOLDER_EXPANSION: 3,
    SignalType.PARTNER_FLAG: 2,
    SignalType.STRATEGIC_SHIFT: 1,
}

_UNITS = {
    "active_seats": "seats",
    "seats": "seats",
    "licensed_seats": "seats",
    "storage_gb": "GB",
    "api_calls": "API calls",
}

_WORKAROUND_WORDS = {
    "export_to_spreadsheet": "exports to spreadsheets",
    "third_party_tool": "hand-offs to a third-party tool",
    "manual_upload": "manual uploads",
}


def rank_signals(signals: Iterable[Signal]) -> list[Signal]:
    """Strongest first: score, then type priority, then most recent, then id."""
    return sorted(
        signals,
        key=lambda s: (-s.score, -TYPE_PRIORITY[s.type], -s.detected_at.timestamp(), s.signal_id),
    )


def fmt_number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def fmt_money(value: float) -> str:
    return f"${round(value):,}"


def metric_unit(metric: MetricEvidence) -> str:
    return metric.unit or _UNITS.get(metric.metric, metric.metric.replace("_", " "))


def metric_phrase(metric: MetricEvidence) -> str:
    """'42 of 50 seats (84%)' when a limit is known, else '42 seats'."""
    unit = metric_unit(metric)
    if metric.limit:
        percent = metric.percent
        if percent is None:
            percent = round(metric.value / metric.limit * 100)
        value, limit = fmt_number(metric.value), fmt_number(metric.limit)
        return f"{value} of {limit} {unit} ({fmt_number(percent)}%)"
    return f"{fmt_number(metric.value)} {unit}"


def metric_place(metric: MetricEvidence) -> str:
    if metric.module and metric.product:
        return f"the {metric.module} module of {metric.product}"
    if metric.module:
        return f"the {metric.module} module"
    return metric.product or ""


def workaround_phrase(workaround: WorkaroundEvidence) -> str:
    words = _WORKAROUND_WORDS.get(workaround.kind, workaround.kind.replace("_", " "))
    return f"{workaround.count} {words} in the last {workaround.days} days"


def signal_numbers(signal: Signal) -> tuple[str, ...]:
    numbers = [metric_phrase(m) for m in signal.metrics]
    numbers += [workaround_phrase(w) for w in signal.workarounds]
    if signal.quotes:
        people = {q.requester_name for q in signal.quotes}
        numbers.append(f"{len(signal.quotes)} tickets from {len(people)} people")
    return tuple(numbers)


def signal_headline(signal: Signal, ctx: PlayContext) -> str:
    """What was observed, with its numbers (the signal type is reported separately)."""
    if signal.metrics:
        metric = signal.metrics[0]
        place = metric_place(metric) or ctx.core.product
        return f"{metric_phrase(metric)} in {place}"
    if signal.quotes:
        people = sorted({q.requester_name for q in signal.quotes})
        window = f" in the last {signal.window_days} days" if signal.window_days else ""
        return (
            f"{len(people)} people {pain_tickets_phrase(signal, ctx)}{window} ({', '.join(people)})"
        )
    if signal.workarounds:
        return workaround_phrase(signal.workarounds[0])
    if signal.stakeholders_added:
        person = signal.stakeholders_added[0]
        return f"{person.name} joined as {person.title or person.persona or 'a new role'}"
    if signal.notes:
        note = signal.notes[0]
        by = f"{note.author_role} note" if note.author_role else "note"
        return f'{by}: "{note.text}"'
    return signal.type.value.replace("_", " ")


def pain_tickets_phrase(signal: Signal, ctx: PlayContext) -> str:
    return f"opened {len(signal.quotes)} tickets about {ctx.catalog.workflow}"


def options_phrase(ctx: PlayContext) -> str:
    """How a competitive evaluation is referred to with the customer (no competitor names)."""
    return f"looking at options for {ctx.catalog.workflow}"


def quote_matches_pain(quote: QuoteEvidence, pain_phrases: Iterable[str]) -> bool:
    words = f" {normalise_phrase(quote.words)} "
    return any(f" {normalise_phrase(p)} " in words for p in pain_phrases if normalise_phrase(p))


def ranked_quotes(ctx: PlayContext) -> list[QuoteEvidence]:
    """Customer quotes across signals: those using a catalog pain phrase first, newest next."""
    seen: set[str] = set()
    quotes: list[QuoteEvidence] = []
    for signal in rank_signals(ctx.signals):
        for quote in signal.quotes:
            key = normalise_phrase(quote.words)
            if key and key not in seen:
                seen.add(key)
                quotes.append(quote)
    return sorted(
        quotes,
        key=lambda q: (
            not quote_matches_pain(q, ctx.catalog.pain_phrases),
            -(q.opened_on.toordinal() if q.opened_on else 0),
            q.requester_name,
            q.words,
        ),
    )


def evidence_phrases(ctx: PlayContext) -> tuple[str, ...]:
    """Phrases an opening must echo to count as referring to the observed signal."""
    phrases: list[str] = []
    for signal in rank_signals(ctx.signals):
        phrases += [metric_phrase(m) for m in signal.metrics]
        phrases += [workaround_phrase(w) for w in signal.workarounds]
        if signal.type is SignalType.COMPETITIVE_ADJACENT:
            phrases.append(options_phrase(ctx))
        else:
            phrases += [note.text for note in signal.notes]
        phrases += [person.name for person in signal.stakeholders_added]
        if signal.quotes:
            phrases.append(pain_tickets_phrase(signal, ctx))
    phrases += [quote.words for quote in ranked_quotes(ctx)]
    return tuple(dict.fromkeys(p for p in phrases if p.strip()))
