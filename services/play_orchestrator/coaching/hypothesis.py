"""Per-account cross-sell hypothesis: why now, whose problem, who buys, what is unproven.

``build_hypothesis`` is pure and deterministic: the same context gives the same hypothesis.

Give-get rule (first row that applies wins; see ``GIVE_GET_RULES``):

| option            | when                                                                 |
|-------------------|----------------------------------------------------------------------|
| pilot             | core adoption below 70%, or the strongest signal needs verification, |
|                   | or no customer quote, usage number or workaround backs the need      |
| renewal_bundle    | the core renewal is 60-180 days out (inclusive)                      |
| multi_year        | core ACV at least $100,000 and health green                          |
| services_included | otherwise                                                            |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.play_orchestrator.coaching.context import GateCheck, PlayContext, SignalType
from services.play_orchestrator.coaching.evidence import (
    fmt_money,
    rank_signals,
    ranked_quotes,
    signal_headline,
    signal_numbers,
)
from services.play_orchestrator.coaching.people import PersonPick, pick_economic_buyer, pick_user

PILOT_ADOPTION_BELOW = 70.0
BUNDLE_RENEWAL_DAYS = (60, 180)
MULTI_YEAR_MIN_ACV = 100_000.0
PAIN_MAX_AGE_DAYS = 60


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class SignalSummary(_Frozen):
    signal_id: str
    type: SignalType
    score: float
    surfaced_by: str
    headline: str
    numbers: tuple[str, ...]
    customer_words: tuple[str, ...]
    needs_verification: bool


class GiveGet(_Frozen):
    option: str
    give: str
    get: str
    rule: str


class Hypothesis(_Frozen):
    account_id: str
    account_name: str
    play_id: str
    core_product: str
    adjacent_product: str
    why_now: str
    signals: tuple[SignalSummary, ...]
    adjacent_problem: str
    customer_phrases: tuple[str, ...]
    economic_buyer: PersonPick | None
    day_to_day_user: PersonPick | None
    gates: tuple[GateCheck, ...]
    unverified: tuple[str, ...]
    give_get: GiveGet

    @property
    def strongest(self) -> SignalSummary:
        return self.signals[0]

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class GiveGetRule:
    option: str
    when: str
    applies: Callable[[PlayContext], bool]
    give: Callable[[PlayContext], str]
    get: Callable[[PlayContext], str]


def need_unverified(ctx: PlayContext) -> bool:
    strongest = rank_signals(ctx.signals)[0]
    concrete = any(s.quotes or s.metrics or s.workarounds for s in ctx.signals)
    return strongest.needs_verification or not concrete


def renewal_days(ctx: PlayContext) -> int | None:
    renewal = ctx.core.renewal_date
    return None if renewal is None else (renewal - ctx.today).days


def _adoption_low(ctx: PlayContext) -> bool:
    adoption = ctx.core.adoption_pct
    return adoption is not None and adoption < PILOT_ADOPTION_BELOW


def _renewal_in_bundle_range(ctx: PlayContext) -> bool:
    days = renewal_days(ctx)
    return days is not None and BUNDLE_RENEWAL_DAYS[0] <= days <= BUNDLE_RENEWAL_DAYS[1]


GIVE_GET_RULES: tuple[GiveGetRule, ...] = (
    GiveGetRule(
        option="pilot",
        when=f"core adoption below {PILOT_ADOPTION_BELOW:g}% or the need is unverified",
        applies=lambda c: _adoption_low(c) or need_unverified(c),
        give=lambda c: (
            f"A 30-day pilot of {c.play.adjacent_product} for the team that raised the need, "
            f"running next to {c.core.product}"
        ),
        get=lambda c: (
            "Written success criteria before the start and a go/no-go meeting "
            "with the economic buyer on the last day"
        ),
    ),
    GiveGetRule(
        option="renewal_bundle",
        when=f"core renewal {BUNDLE_RENEWAL_DAYS[0]}-{BUNDLE_RENEWAL_DAYS[1]} days out",
        applies=_renewal_in_bundle_range,
        give=lambda c: (
            f"{c.play.adjacent_product} co-termed with the {c.core.product} renewal "
            f"({c.core.renewal_date}) on one order form"
        ),
        get=lambda c: "Both decided together ahead of the renewal date, in one buying cycle",
    ),
    GiveGetRule(
        option="multi_year",
        when=f"core ACV at least {fmt_money(MULTI_YEAR_MIN_ACV)} and health green",
        applies=lambda c: c.core.acv >= MULTI_YEAR_MIN_ACV and c.account.health == "green",
        give=lambda c: (
            f"Price held on {c.core.product} and {c.play.adjacent_product} for the whole term"
        ),
        get=lambda c: "A two- or three-year commitment covering both products",
    ),
    GiveGetRule(
        option="services_included",
        when="none of the above",
        applies=lambda c: True,
        give=lambda c: f"Set-up of the {c.core.product} integration included",
        get=lambda c: "A dated go-live plan and a reference call once the outcome is reached",
    ),
)


def choose_give_get(ctx: PlayContext) -> GiveGet:
    rule = next(r for r in GIVE_GET_RULES if r.applies(ctx))
    return GiveGet(option=rule.option, give=rule.give(ctx), get=rule.get(ctx), rule=rule.when)


def build_hypothesis(ctx: PlayContext) -> Hypothesis:
    ranked = rank_signals(ctx.signals)
    summaries = tuple(
        SignalSummary(
            signal_id=s.signal_id,
            type=s.type,
            score=s.score,
            surfaced_by=s.surfaced_by,
            headline=signal_headline(s, ctx),
            numbers=signal_numbers(s),
            customer_words=tuple(q.words for q in s.quotes),
            needs_verification=s.needs_verification,
        )
        for s in ranked
    )
    quotes = ranked_quotes(ctx)
    phrases = tuple(q.words for q in quotes)
    buyer = pick_economic_buyer(ctx)
    user = pick_user(ctx, quotes)
    return Hypothesis(
        account_id=ctx.account.account_id,
        account_name=ctx.account.name,
        play_id=ctx.play.play_id,
        core_product=ctx.core.product,
        adjacent_product=ctx.play.adjacent_product,
        why_now=_why_now(summaries),
        signals=summaries,
        adjacent_problem=_adjacent_problem(ctx, phrases),
        customer_phrases=phrases,
        economic_buyer=buyer,
        day_to_day_user=user,
        gates=ctx.gates,
        unverified=_unverified(ctx, buyer, user),
        give_get=choose_give_get(ctx),
    )


def _why_now(summaries: tuple[SignalSummary, ...]) -> str:
    first = summaries[0]
    text = f"Strongest signal: {first.type.value} (score {first.score:g}), {first.headline}."
    if first.customer_words:
        text += f' In their words: "{first.customer_words[0]}".'
    others = [f"{s.type.value} (score {s.score:g}), {s.headline}" for s in summaries[1:]]
    if others:
        text += " Also: " + "; ".join(others) + "."
    return text


def _adjacent_problem(ctx: PlayContext, phrases: tuple[str, ...]) -> str:
    if phrases:
        said = "; ".join(f'"{p}"' for p in phrases[:3])
        return f"{ctx.catalog.workflow.capitalize()}, as their team puts it: {said}."
    fallback = "; ".join(ctx.catalog.pain_phrases[:2]) or ctx.catalog.solves
    return (
        f"{ctx.catalog.workflow.capitalize()} (catalog wording, not yet heard from the "
        f"customer: {fallback})."
    )


def _unverified(
    ctx: PlayContext, buyer: PersonPick | None, user: PersonPick | None
) -> tuple[str, ...]:
    items: list[str] = []
    for signal in rank_signals(ctx.signals):
        if signal.needs_verification:
            items.append(
                f"{signal.type.value} ({signal.signal_id}, surfaced by {signal.surfaced_by}) "
                "may be a projected need: confirm it with the customer before building on it."
            )
        elif signal.type is SignalType.PARTNER_FLAG and not signal.quotes:
            items.append(
                f"partner_flag ({signal.signal_id}) comes from a partner; no one at the "
                "customer has confirmed it yet."
            )
    if buyer is None:
        items.append("No economic buyer identified: map the executive sponsor (name, title).")
    if user is None:
        items.append("No day-to-day user identified for the adjacent product.")
    quotes = [q for s in ctx.signals for q in s.quotes]
    if not quotes:
        items.append("No operator has named the pain in writing or on a recorded call.")
    else:
        dates = [q.opened_on for q in quotes if q.opened_on]
        if dates:
            age = (ctx.today - max(dates)).days
            if age > PAIN_MAX_AGE_DAYS:
                items.append(
                    f"The newest customer statement of the pain is {age} days old "
                    f"(over {PAIN_MAX_AGE_DAYS}): reconfirm it is still current."
                )
    for gate in ctx.gates:
        if gate.outcome != "pass":
            detail = f": {gate.detail}" if gate.detail else ""
            verb = "flagged" if gate.outcome == "flag" else "failed"
            items.append(f"Gate {gate.name} {verb}{detail}.")
    if ctx.core.renewal_date is None:
        items.append(f"Renewal date for {ctx.core.product} is unknown.")
    if ctx.core.adoption_pct is None:
        items.append(f"Adoption of {ctx.core.product} is unknown.")
    return tuple(items)
