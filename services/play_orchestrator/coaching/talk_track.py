"""Talk track for a play: signal-led opening, CSM-to-AE hand-off, three discovery questions in
order, and a value map. Pure and deterministic; the opening is checked with ``check_language``.

If the account is negotiating a renewal or has an open escalation, the talk track carries the
reasons not to open the conversation instead of an opening.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from services.play_orchestrator.coaching.context import PlayContext
from services.play_orchestrator.coaching.evidence import evidence_phrases, fmt_money
from services.play_orchestrator.coaching.hypothesis import Hypothesis, build_hypothesis
from services.play_orchestrator.coaching.language import (
    LanguageReport,
    LanguageRules,
    check_language,
)
from services.play_orchestrator.coaching.opening import compose_opening, team_name
from services.play_orchestrator.coaching.render import render_markdown, render_text


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class DiscoveryQuestion(_Frozen):
    number: int
    topic: str
    text: str


class ValueMap(_Frozen):
    need_in_their_words: tuple[str, ...]
    need_summary: str
    how_it_helps: str
    integration_points: tuple[str, ...]
    expected_outcome: str
    timeline: str
    investment: str
    give_get: str


class TalkTrack(_Frozen):
    play_id: str
    account_name: str
    core_product: str
    adjacent_product: str
    do_not_open: tuple[str, ...] = ()
    opening: str | None = None
    opening_check: LanguageReport | None = None
    handoff: str | None = None
    discovery_questions: tuple[DiscoveryQuestion, ...] = ()
    value_map: ValueMap | None = None

    @property
    def can_open(self) -> bool:
        return not self.do_not_open

    def to_text(self) -> str:
        return render_text(self)

    def to_markdown(self) -> str:
        return render_markdown(self)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def do_not_open_reasons(ctx: PlayContext) -> tuple[str, ...]:
    failed = {g.name for g in ctx.gates if g.outcome == "fail"}
    reasons: list[str] = []
    if ctx.account.renewal_negotiating or "renewal_negotiation" in failed:
        reasons.append(
            f"The {ctx.core.product} renewal is being negotiated. Finish it first, then run this "
            "play in a clean window 30-60 days after it closes; a second product on the table "
            "now puts the renewal itself at risk."
        )
    if ctx.account.open_escalations or "open_escalation" in failed:
        ids = ", ".join(ctx.account.open_escalations) or "an escalation"
        reasons.append(
            f"Escalation {ids} is still open. Resolve it before any cross-sell conversation; "
            "while the customer is escalating they are judging the product they already own."
        )
    return tuple(reasons)


def build_talk_track(ctx: PlayContext, rules: LanguageRules | None = None) -> TalkTrack:
    hypothesis = build_hypothesis(ctx)
    track = TalkTrack(
        play_id=ctx.play.play_id,
        account_name=ctx.account.name,
        core_product=ctx.core.product,
        adjacent_product=ctx.play.adjacent_product,
    )
    reasons = do_not_open_reasons(ctx)
    if reasons:
        return track.model_copy(update={"do_not_open": reasons})
    opening = compose_opening(ctx, hypothesis, rules)
    return track.model_copy(
        update={
            "opening": opening,
            "opening_check": check_language(opening, rules, signal_phrases=evidence_phrases(ctx)),
            "handoff": _handoff(ctx),
            "discovery_questions": discovery_questions(ctx),
            "value_map": _value_map(ctx, hypothesis),
        }
    )


def _first(name: str) -> str:
    return name.split()[0]


def _handoff(ctx: PlayContext) -> str:
    account, core, catalog = ctx.account, ctx.core, ctx.catalog
    ae_first = _first(account.ae_owner) if account.ae_owner else None
    ae_intro = account.ae_owner or "a colleague from our account team"
    s = "s" if ae_first else ""  # "Dana spends", "they spend"
    since = ""
    if account.customer_since:
        months = (ctx.today.year - account.customer_since.year) * 12 + (
            ctx.today.month - account.customer_since.month
        )
        if months >= 2:
            since = f"over the last {months} months "
    return (
        f"{account.name}, {since}your team has made {core.product} part of how "
        f"{team_name(ctx)} works. I've asked {ae_intro} to join us today; {ae_first or 'they'} "
        f"spend{s} most of their time with teams working on {catalog.problem_area}. "
        f"{ae_first or 'They'} {'has' if ae_first else 'have'} three questions about how "
        f"you run {catalog.workflow} now, "
        f"and there is no pitch coming. When you've answered them, {ae_first or 'they'} and I "
        f"will give you our read on whether {ctx.play.adjacent_product} belongs in your setup; "
        "if it doesn't, we'll say so. "
        f"{ae_first + ', go' if ae_first else 'Please go'} ahead."
    )


def discovery_questions(ctx: PlayContext) -> tuple[DiscoveryQuestion, ...]:
    workflow, team = ctx.catalog.workflow, team_name(ctx)
    return (
        DiscoveryQuestion(
            number=1,
            topic="current workflow",
            text=(
                f"Take me through how {team} runs {workflow} today: who owns it, which tools "
                "it touches, and how long one cycle takes from start to finish."
            ),
        ),
        DiscoveryQuestion(
            number=2,
            topic="where time or accuracy is lost, and its cost",
            text=(
                f"Which step of {workflow} costs you the most time or accuracy, and what did "
                "that add up to last quarter, in hours, rework or missed dates?"
            ),
        ),
        DiscoveryQuestion(
            number=3,
            topic="the one fix and who feels it first",
            text=(
                f"Looking at the next two quarters, which single change to {workflow} would "
                f"matter most, and who in {team} would notice the difference before anyone else?"
            ),
        ),
    )


def _value_map(ctx: PlayContext, hypothesis: Hypothesis) -> ValueMap:
    catalog, core = ctx.catalog, ctx.core
    amount = core.acv * ctx.expected_amount_ratio
    ratio = f"{ctx.expected_amount_ratio * 100:g}%"
    give_get = hypothesis.give_get
    return ValueMap(
        need_in_their_words=hypothesis.customer_phrases[:3],
        need_summary=hypothesis.adjacent_problem,
        how_it_helps=catalog.solves,
        integration_points=catalog.integration_points,
        expected_outcome=catalog.typical_outcome,
        timeline=catalog.typical_timeline,
        investment=(
            f"Expected around {fmt_money(amount)} a year, about {ratio} of the "
            f"{fmt_money(core.acv)} {core.product} ACV; sized in the joint business case after "
            "discovery, not quoted before the executive sponsor is mapped."
        ),
        give_get=(
            f"{give_get.option}. Give: {give_get.give}. Get: {give_get.get}. "
            f"Why this option: {give_get.rule}."
        ),
    )
