"""Who each synthetic account is and what happens to it over the book's days.

An ``AccountPlan`` is drawn from one ``random.Random`` per (seed, account
index), so an account's story does not change when the book grows, and times
are kept as "days ago" so the same seed gives the same ids whatever ``now``
is. ``events.py`` turns a plan into canonical events.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from crosssell.demo import words

TIERS = ("team", "business", "enterprise")
CORE_METRICS = {
    "workflow_platform": ("active_seats", "storage_gb", "api_calls", "automations_run"),
    "service_desk": ("agent_seats", "tickets_handled", "api_calls"),
}
PRIMARY_METRIC = {"workflow_platform": "active_seats", "service_desk": "agent_seats"}
# Tier capacity per metric (daily counts for api_calls, automations_run);
# None: the metric has no limit in any tier.
LIMITS: dict[str, dict[str, dict[str, float | None]]] = {
    "workflow_platform": {
        "team": {
            "active_seats": 100,
            "storage_gb": 500,
            "api_calls": 100_000,
            "automations_run": 5_000,
        },
        "business": {
            "active_seats": 300,
            "storage_gb": 2_000,
            "api_calls": 500_000,
            "automations_run": 25_000,
        },
        "enterprise": {
            "active_seats": 1_000,
            "storage_gb": 10_000,
            "api_calls": 2_000_000,
            "automations_run": 100_000,
        },
    },
    "service_desk": {
        "team": {"agent_seats": 25, "tickets_handled": None, "api_calls": 50_000},
        "business": {"agent_seats": 75, "tickets_handled": None, "api_calls": 200_000},
        "enterprise": {"agent_seats": 250, "tickets_handled": None, "api_calls": 1_000_000},
    },
}
# Core metrics whose ceiling points at an adjacent product (sample.yaml).
CEILING_METRICS = {
    "workflow_platform": ("api_calls", "automations_run", "storage_gb"),
    "service_desk": ("api_calls", "agent_seats"),
}
ACV_RANGE = {
    "team": (20_000, 60_000),
    "business": (50_000, 180_000),
    "enterprise": (150_000, 400_000),
}


@dataclass(frozen=True)
class Person:
    contact_id: str
    name: str
    title: str
    persona: str


@dataclass(frozen=True)
class Holding:
    product: str
    tier: str
    acv: int
    renewal_in_days: int  # from the book's "now"; negative never happens
    adoption_pct: float


@dataclass(frozen=True)
class Moment:
    """Something that happens to the account ``days_ago`` about ``adjacent``."""

    adjacent: str
    days_ago: float
    detail: str = ""  # persona, competitor, ... depending on the trait


@dataclass
class AccountPlan:
    index: int
    account_id: str
    name: str
    cs_platform: str  # gainsight | churnzero: where profile and renewals come from
    csm_owner: str
    ae_owner: str
    health: str  # the health at the end of the book
    earlier_health: str | None  # set when health changed during the book
    health_changed_days_ago: float
    holdings: list[Holding]
    owned_adjacent: str | None
    sponsor: Person
    operators: list[Person]  # the customer's people who file tickets
    ceiling: tuple[str, str, int] | None = None  # (product, metric, crossed days ago)
    declining: bool = False
    module_rollout: int | None = None  # workflow module crosses 50 seats this many days ago
    pain: Moment | None = None  # days_ago: when the third requester filed
    stray_pain: Moment | None = None  # one or two pain tickets, no pattern
    workarounds: Moment | None = None  # days_ago: the latest of them
    new_persona: Moment | None = None
    strategic_shift: Moment | None = None
    partner_flag: Moment | None = None
    competitor_evaluation: Moment | None = None
    competitor_purchase: Moment | None = None
    escalation: tuple[float, float | None] | None = None  # (opened, resolved) days ago
    renewal: tuple[str, float] | None = None  # (negotiating | renewed, days ago)
    qbr_days_ago: float | None = None
    extra: dict[str, int] = field(default_factory=dict)  # small numbers for the texts

    @property
    def core_products(self) -> list[str]:
        return [h.product for h in self.holdings if h.product in CORE_METRICS]

    @property
    def core_acv(self) -> int:
        return sum(h.acv for h in self.holdings if h.product in CORE_METRICS)

    def adjacent_options(self) -> list[str]:
        core = set(self.core_products)
        return [a for a, extends in words.EXTENDS.items() if core & set(extends)]


def account_id(seed: int, index: int) -> str:
    """Our customer id (``Account.Crosssell_Account_Id__c`` in the org). Not shaped
    like a Salesforce Account id on purpose: crm_sync writes an ``001…`` id as the
    Opportunity's AccountId, and the emulator holds no Accounts to point at."""
    return f"cust-{seed}-{index:05d}"


def contact_id(seed: int, index: int, n: int) -> str:
    return f"003Dm{seed % 10_000:04d}{index:06d}{n:03d}"


def _recent(rng: random.Random, fresh_share: float, days: int) -> float:
    """Days ago: inside the 14-day play window, or (else) old enough to be stale."""
    if rng.random() < fresh_share:
        return round(rng.uniform(0.5, 12.5), 2)
    return round(rng.uniform(20, min(80, days - 5)), 2)


def plan_account(seed: int, index: int, days: int, companies: set[str]) -> AccountPlan:
    rng = random.Random(f"crosssell-demo:{seed}:{index}")
    roll = rng.random()
    products = (
        ["workflow_platform"]
        if roll < 0.65
        else ["service_desk"]
        if roll < 0.82
        else ["workflow_platform", "service_desk"]
    )
    tier = rng.choices(TIERS, weights=(35, 45, 20))[0]
    total = rng.randint(*ACV_RANGE[tier]) // 500 * 500
    shares = [1.0] if len(products) == 1 else [0.65, 0.35]
    soon = rng.random() < 0.12
    renewal_in = rng.randint(5, 55) if soon else rng.randint(75, 360)
    low = rng.random() < 0.15
    holdings = [
        Holding(
            product=p,
            tier=tier,
            acv=int(total * share) // 100 * 100,
            renewal_in_days=renewal_in,
            adoption_pct=round(rng.uniform(35, 58) if low and i == 0 else rng.uniform(62, 96), 1),
        )
        for i, (p, share) in enumerate(zip(products, shares, strict=True))
    ]
    owned_adjacent = None
    if rng.random() < 0.08:
        owned_adjacent = rng.choice(
            [a for a, ext in words.EXTENDS.items() if set(products) & set(ext)]
        )
        holdings.append(
            Holding(
                owned_adjacent,
                "standard",
                int(total * 0.3) // 100 * 100,
                renewal_in,
                round(rng.uniform(55, 90), 1),
            )
        )
    health = rng.choices(("green", "yellow", "red"), weights=(66, 22, 12))[0]
    earlier = None
    if health != "green" and rng.random() < 0.4:
        earlier = "green" if health == "yellow" else rng.choice(("green", "yellow"))
    people: set[str] = set()
    sponsor = Person(
        contact_id(seed, index, 1),
        words.person_name(rng, people),
        rng.choice(words.SPONSOR_TITLES),
        "executive_sponsor",
    )
    roles = words.OPERATOR_ROLES[products[0]]
    operators = [
        Person(
            contact_id(seed, index, 10 + n),
            words.person_name(rng, people),
            rng.choice(roles),
            "operator",
        )
        for n in range(rng.randint(4, 6))
    ]
    plan = AccountPlan(
        index=index,
        account_id=account_id(seed, index),
        name=words.company_name(rng, companies),
        cs_platform="gainsight" if rng.random() < 0.6 else "churnzero",
        csm_owner=rng.choice(words.CSM_OWNERS),
        ae_owner=rng.choice(words.AE_OWNERS),
        health=health,
        earlier_health=earlier,
        health_changed_days_ago=round(rng.uniform(3, 40), 2),
        holdings=holdings,
        owned_adjacent=owned_adjacent,
        sponsor=sponsor,
        operators=operators,
        extra={"n": rng.randint(3, 14), "hours": rng.randint(6, 40), "team": rng.randint(3, 9)},
    )
    _draw_story(plan, rng, days)
    return plan


def _draw_story(plan: AccountPlan, rng: random.Random, days: int) -> None:
    """The signals and gates this account will show (independent draws, with
    a few deliberate pairings so weaker signals sometimes add up to a play)."""
    options = plan.adjacent_options()
    pick = rng.choice
    if rng.random() < 0.08:
        plan.declining = True
    else:
        roll = rng.random()
        if roll < 0.38:
            product = pick(plan.core_products)
            metric = pick(CEILING_METRICS[product])
            fresh = roll < 0.28
            crossed = rng.randint(1, 13) if fresh else rng.randint(20, min(60, days - 20))
            plan.ceiling = (product, metric, crossed)
    if "workflow_platform" in plan.core_products and rng.random() < 0.25:
        plan.module_rollout = rng.randint(1, 12) if rng.random() < 0.4 else 0
    if rng.random() < 0.18:
        # The whole cohort stays inside the 60-day window; fresh or stale.
        third = rng.uniform(0.5, 12.5) if rng.random() < 0.7 else rng.uniform(18, 45)
        plan.pain = Moment(pick(options), round(third, 2))
    elif rng.random() < 0.15:
        plan.stray_pain = Moment(pick(options), round(rng.uniform(1, 50), 2))
    if rng.random() < 0.10:
        adjacent = pick(options)
        plan.workarounds = Moment(
            adjacent, _recent(rng, 0.75, days), pick(words.WORKAROUND_KINDS[adjacent])
        )
    if rng.random() < 0.12:
        plan.new_persona = _persona(rng, pick(options), _recent(rng, 0.7, days))
    if rng.random() < 0.08:
        plan.strategic_shift = Moment(pick(options), _recent(rng, 0.7, days))
        if plan.new_persona is None and rng.random() < 0.5:
            plan.new_persona = _persona(rng, plan.strategic_shift.adjacent, rng.uniform(0.5, 10))
    if rng.random() < 0.06:
        plan.partner_flag = Moment(pick(options), _recent(rng, 0.75, days), pick(words.PARTNERS))
        if plan.workarounds is None and rng.random() < 0.5:
            kind = pick(words.WORKAROUND_KINDS[plan.partner_flag.adjacent])
            plan.workarounds = Moment(plan.partner_flag.adjacent, rng.uniform(0.5, 10), kind)
    if rng.random() < 0.05:
        adjacent = pick(options)
        plan.competitor_evaluation = Moment(
            adjacent, _recent(rng, 0.8, days), pick(words.COMPETITORS[adjacent])
        )
    if rng.random() < 0.04:
        # Mostly the category the account is showing pain in: the gate then shows.
        target = plan.pain.adjacent if plan.pain else pick(options)
        plan.competitor_purchase = Moment(
            target, round(rng.uniform(20, days - 5), 2), pick(words.COMPETITORS[target])
        )
    if rng.random() < 0.10:
        opened = round(rng.uniform(3, 40), 2)
        resolved = round(rng.uniform(0.5, opened - 1), 2) if rng.random() < 0.5 else None
        plan.escalation = (opened, resolved)
    roll = rng.random()
    if roll < 0.06:
        # A renewal under negotiation is one that is close.
        plan.renewal = ("negotiating", round(rng.uniform(2, 20), 2))
        soon = min(plan.holdings[0].renewal_in_days, rng.randint(10, 55))
        plan.holdings = [_renewing_in(h, soon) for h in plan.holdings]
    elif roll < 0.11:
        # Renewed a few weeks ago: the profile already shows next year's date.
        plan.renewal = ("renewed", round(rng.uniform(5, 25), 2))
        plan.holdings = [_renewing_in(h, 365 - int(plan.renewal[1])) for h in plan.holdings]
    if rng.random() < 0.35:
        plan.qbr_days_ago = round(rng.uniform(5, days - 5), 2)


def _persona(rng: random.Random, adjacent: str, days_ago: float) -> Moment:
    persona = rng.choice(sorted(words.PERSONA_TITLES[adjacent]))
    return Moment(adjacent, round(days_ago, 2), persona)


def _renewing_in(holding: Holding, days: int) -> Holding:
    return Holding(holding.product, holding.tier, holding.acv, days, holding.adoption_pct)
