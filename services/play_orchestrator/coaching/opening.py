"""The CSM's opening: the observed signal with its numbers, the customer's own phrase, a
diagnostic ask and a neutrality line. No product pitch, no price, no deck."""

from __future__ import annotations

from services.play_orchestrator.coaching.context import (
    PlayContext,
    QuoteEvidence,
    Signal,
    SignalType,
)
from services.play_orchestrator.coaching.evidence import (
    fmt_number,
    metric_phrase,
    metric_place,
    metric_unit,
    options_phrase,
    pain_tickets_phrase,
    rank_signals,
    ranked_quotes,
    workaround_phrase,
)
from services.play_orchestrator.coaching.hypothesis import Hypothesis
from services.play_orchestrator.coaching.language import LanguageRules, check_language

_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_PROJECTED = {
    SignalType.STRATEGIC_SHIFT,
    SignalType.PARTNER_FLAG,
    SignalType.COMPETITIVE_ADJACENT,
    SignalType.STAKEHOLDER_EXPANSION,
}


def team_name(ctx: PlayContext) -> str:
    """The customer's name for the team doing the work, else 'your team'."""
    return ctx.account.teams[0] if ctx.account.teams else "your team"


def _team_ref(ctx: PlayContext) -> str:
    if not ctx.account.teams:
        return "your team"
    team = ctx.account.teams[0]
    return f"your {team}" if team.lower().endswith("team") else f"your {team} team"


def _count(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def _lead(signal: Signal, ctx: PlayContext) -> str:
    core = ctx.core
    if signal.metrics:
        metric = signal.metrics[0]
        place = metric_place(metric) or core.product
        if signal.type is SignalType.SEAT_MILESTONE and not metric.limit:
            return (
                f"Your team has passed {fmt_number(metric.value)} {metric_unit(metric)} in {place}."
            )
        tier = f"the {core.tier} tier" if core.tier else "your current plan"
        return (
            f"Your team is now at {metric_phrase(metric)} in {place}, close to the limit of {tier}."
        )
    if signal.quotes:
        people = len({q.requester_name for q in signal.quotes})
        window = f"In the last {signal.window_days} days, " if signal.window_days else "Recently, "
        return f"{window}{_count(people)} people on your team {pain_tickets_phrase(signal, ctx)}."
    if signal.workarounds:
        return (
            f"We're seeing {workaround_phrase(signal.workarounds[0])} from {core.product}, "
            f"which usually means part of {ctx.catalog.workflow} is happening outside it."
        )
    if signal.stakeholders_added:
        person = signal.stakeholders_added[0]
        role = person.title or person.persona or "a new role"
        return (
            f"With {person.name} joining as {role}, {ctx.catalog.workflow} looks like it is "
            "getting more attention on your side."
        )
    if signal.type is SignalType.COMPETITIVE_ADJACENT:
        # Internal notes about a competitor are not read back to the customer.
        return f"I understand your team has started {options_phrase(ctx)}."
    if signal.notes:
        note = signal.notes[0].text.strip().rstrip(".").replace('"', "'")
        if signal.type is SignalType.PARTNER_FLAG:
            return f'Our implementation partner passed on this from your team: "{note}".'
        return f'My notes from our last conversation say: "{note}".'
    return f"We have been looking at how your team uses {core.product}."


def _support(signal: Signal, ctx: PlayContext) -> str | None:
    if signal.metrics:
        metric = signal.metrics[0]
        place = metric_place(metric) or ctx.core.product
        return f"You are also at {metric_phrase(metric)} in {place}."
    if signal.quotes:
        people = len({q.requester_name for q in signal.quotes})
        window = f" in the last {signal.window_days} days" if signal.window_days else ""
        return (
            f"On top of that, {_count(people)} people on your team "
            f"{pain_tickets_phrase(signal, ctx)}{window}."
        )
    if signal.workarounds:
        return f"We also see {workaround_phrase(signal.workarounds[0])}."
    return None


def _quote_line(quote: QuoteEvidence, addressee: str | None) -> str:
    words = quote.words.rstrip(".").replace('"', "'")
    ticket = f" in ticket {quote.ticket_id}" if quote.ticket_id else ""
    if addressee and quote.requester_name == addressee:
        return f'You described it as "{words}"{ticket}.'
    role = f" ({quote.requester_role})" if quote.requester_role else ""
    return f'{quote.requester_name.split()[0]}{role} described it as "{words}"{ticket}.'


def _clean_quote(ctx: PlayContext, rules: LanguageRules | None) -> QuoteEvidence | None:
    """First customer quote that carries no banned phrasing of its own."""
    for quote in ranked_quotes(ctx):
        if not check_language(quote.words, rules).banned:
            return quote
    return None


def compose_opening(
    ctx: PlayContext, hypothesis: Hypothesis, rules: LanguageRules | None = None
) -> str:
    ranked = rank_signals(ctx.signals)
    strongest = ranked[0]
    user = hypothesis.day_to_day_user
    greeting = f"Hi {user.name.split()[0]}," if user else "Hi,"
    body = [_lead(strongest, ctx)]
    second = next(
        (s for s in ranked[1:] if s.type is not strongest.type and _support(s, ctx)), None
    )
    if second is not None and strongest.type not in _PROJECTED:
        body.append(_support(second, ctx) or "")
    quote = _clean_quote(ctx, rules)
    if quote is not None:
        body.append(_quote_line(quote, user.name if user else None))
    if strongest.type in _PROJECTED:
        body.append(
            "Is that already part of your plans for the next two quarters, or still taking shape?"
        )
    body.append(
        f"Would you have 20 minutes to sketch out how {_team_ref(ctx)} runs "
        f"{ctx.catalog.workflow} today? From that we can judge together whether "
        f"{ctx.play.adjacent_product} has any place in it."
    )
    body.append("If what we find says it doesn't fit, I'll say that plainly and we'll drop it.")
    return f"{greeting}\n\n" + " ".join(body)
