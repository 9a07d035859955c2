"""Turn one ``AccountPlan`` into canonical events (SPEC section 4).

Event ids are built from the seed, the account index and what the event is
(never from ``now``), so pushing the same book twice reports duplicates.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from crosssell.demo import texts, usage, words
from crosssell.demo.plan import CORE_METRICS, LIMITS, PRIMARY_METRIC, AccountPlan, Person

NOMINAL = {"team": 60, "business": 250, "enterprise": 900}  # tickets handled a day


class _Emitter:
    def __init__(self, plan: AccountPlan, seed: int, now: datetime, days: int) -> None:
        self.plan, self.seed, self.now, self.days = plan, seed, now, days
        self.events: list[dict[str, Any]] = []

    def at(self, days_ago: float) -> datetime:
        days_ago = min(max(days_ago, 1 / 24), self.days - 1 / 24)
        return self.now - timedelta(days=days_ago)

    def add(self, key: str, type_: str, source: str, days_ago: float, data: dict[str, Any]) -> None:
        self.events.append(
            {
                "id": f"evt-{self.seed}-{self.plan.index:04d}-{key}",
                "type": type_,
                "source": source,
                "account_id": self.plan.account_id,
                "occurred_at": self.at(days_ago).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "data": data,
            }
        )


def account_events(plan: AccountPlan, seed: int, now: datetime, days: int) -> list[dict[str, Any]]:
    out = _Emitter(plan, seed, now, days)
    _profile(out)
    _people(out)
    _usage(out)
    _tickets(out)
    _workarounds(out)
    _notes(out)
    _gates(out)
    return out.events


def _profile(out: _Emitter) -> None:
    p = out.plan
    products = [
        {
            "product": h.product,
            "tier": h.tier,
            "acv": h.acv,
            "renewal_date": (out.now + timedelta(days=h.renewal_in_days)).date().isoformat(),
            "adoption_pct": h.adoption_pct,
        }
        for h in p.holdings
    ]
    data = {
        "name": p.name,
        "csm_owner": p.csm_owner,
        "ae_owner": p.ae_owner,
        "health": p.earlier_health or p.health,
        "products": products,
    }
    out.add("profile", "account.profile", p.cs_platform, out.days - 0.05, data)
    if p.earlier_health:
        out.add(
            "profile-health",
            "account.profile",
            p.cs_platform,
            p.health_changed_days_ago,
            {"health": p.health},
        )


def _stakeholder(out: _Emitter, key: str, person: Person, source: str, days_ago: float) -> None:
    data = {
        "contact_id": person.contact_id,
        "name": person.name,
        "title": person.title,
        "persona": person.persona,
        "change": "added",
    }
    out.add(key, "account.stakeholder", source, days_ago, data)


def _people(out: _Emitter) -> None:
    p = out.plan
    _stakeholder(out, "contact-sponsor", p.sponsor, p.cs_platform, out.days - 0.1)
    for n, person in enumerate(p.operators[:2]):
        _stakeholder(out, f"contact-op{n}", person, p.cs_platform, out.days - 0.1)
    if p.new_persona:
        rng = random.Random(f"{out.seed}:{p.index}:persona")
        adjacent, persona = p.new_persona.adjacent, p.new_persona.detail
        person = Person(
            p.sponsor.contact_id[:-3] + "090",
            words.person_name(rng, {p.sponsor.name}),
            words.PERSONA_TITLES[adjacent][persona],
            persona,
        )
        source = "csm" if rng.random() < 0.5 else p.cs_platform
        _stakeholder(out, "contact-new", person, source, p.new_persona.days_ago)


def _usage(out: _Emitter) -> None:
    p = out.plan
    for holding in p.holdings:
        if holding.product not in CORE_METRICS:
            continue
        for metric in CORE_METRICS[holding.product]:
            rng = random.Random(f"{out.seed}:{p.index}:{holding.product}:{metric}")
            crossed: int | None = None
            if p.ceiling and p.ceiling[:2] == (holding.product, metric):
                crossed = p.ceiling[2]
                fractions = usage.ceiling(rng, out.days, crossed)
            elif p.declining and metric == PRIMARY_METRIC[holding.product]:
                fractions = usage.declining(rng, out.days)
            else:
                fractions = usage.flat(rng, out.days)
            limit = LIMITS[holding.product][holding.tier][metric]
            for d, fraction in enumerate(fractions):
                if limit is None:
                    value, sent_limit = float(round(fraction * NOMINAL[holding.tier])), None
                else:
                    side = None if crossed is None else d <= crossed
                    value, sent_limit = (
                        usage.to_value(metric, fraction, limit, crossing=side),
                        limit,
                    )
                data = {
                    "product": holding.product,
                    "metric": metric,
                    "value": value,
                    "limit": sent_limit,
                }
                key = f"use-{holding.product}-{metric}-d{d:03d}"
                out.add(key, "usage.metric", "product", d + 1 / 24, data)
        if holding.product == "workflow_platform" and p.module_rollout is not None:
            rng = random.Random(f"{out.seed}:{p.index}:module")
            for d, seats in enumerate(usage.module_seats(rng, out.days, p.module_rollout)):
                data = {
                    "product": "workflow_platform",
                    "metric": "active_seats",
                    "value": seats,
                    "limit": None,
                    "module": "workflow",
                }
                out.add(
                    f"use-workflow-module-d{d:03d}", "usage.metric", "product", d + 1 / 24, data
                )


def _ticket(
    out: _Emitter,
    n: int,
    person: Person,
    template: tuple[str, str, tuple[str, ...]],
    days_ago: float,
    rng: random.Random,
) -> None:
    fill = {**out.plan.extra, "tool": "Zapier"}
    subject, description, topics = (
        template[0].format(**fill),
        template[1].format(**fill),
        template[2],
    )
    ticket_id = f"TCK-{out.seed}{out.plan.index:04d}{n:02d}"
    data = {
        "ticket_id": ticket_id,
        "requester": {"contact_id": person.contact_id, "name": person.name, "role": person.title},
        "subject": subject,
        "description": description,
        "topics": list(topics),
        "escalation": False,
    }
    out.add(f"tkt-{n:02d}-open", "ticket.opened", "support", days_ago, data)
    closed = days_ago - rng.uniform(0.5, 6)
    if closed > 0.2:
        out.add(f"tkt-{n:02d}-close", "ticket.closed", "support", closed, data)


def _tickets(out: _Emitter) -> None:
    p = out.plan
    rng = random.Random(f"{out.seed}:{p.index}:tickets")
    n = 0
    for _ in range(rng.randint(1, 4)):
        template = rng.choice(texts.BACKGROUND_TICKETS)
        _ticket(out, n, rng.choice(p.operators), template, rng.uniform(1, out.days - 2), rng)
        n += 1
    if p.pain:
        # Three or four different people, the third one filing pain.days_ago;
        # the first two within the 60 days before now (the rule's window).
        people = rng.sample(p.operators, k=min(len(p.operators), rng.choice((3, 3, 4))))
        third = p.pain.days_ago
        spread = max(1.5, min(40.0, 57 - third))
        times = sorted((third + rng.uniform(1, spread) for _ in people[:2]), reverse=True)
        times += [third] + [max(0.3, third - rng.uniform(0.5, 5)) for _ in people[3:]]
        templates = rng.sample(texts.PAIN_TICKETS[p.pain.adjacent], k=len(people))
        for person, template, days_ago in zip(people, templates, times, strict=True):
            _ticket(out, n, person, template, days_ago, rng)
            n += 1
    if p.stray_pain:
        for person in rng.sample(p.operators, k=rng.choice((1, 2))):
            template = rng.choice(texts.PAIN_TICKETS[p.stray_pain.adjacent])
            _ticket(out, n, person, template, p.stray_pain.days_ago + rng.uniform(0, 20), rng)
            n += 1


def _workarounds(out: _Emitter) -> None:
    p = out.plan
    if not p.workarounds:
        return
    rng = random.Random(f"{out.seed}:{p.index}:workarounds")
    kinds = words.WORKAROUND_KINDS[p.workarounds.adjacent]
    product = next(c for c in p.core_products if c in words.EXTENDS[p.workarounds.adjacent])
    count = rng.randint(3, 5)
    times = [p.workarounds.days_ago] + [
        p.workarounds.days_ago + rng.uniform(1, 20) for _ in range(count - 1)
    ]
    for k, days_ago in enumerate(sorted(times, reverse=True)):
        kind = p.workarounds.detail if k % 2 == 0 else rng.choice(kinds)
        data = {"product": product, "kind": kind, "detail": texts.WORKAROUND_DETAILS[kind]}
        out.add(f"workaround-{k}", "usage.workaround", "product", days_ago, data)


def _note(out: _Emitter, key: str, source: str, days_ago: float, **data: Any) -> None:
    out.add(key, "account.note", source, days_ago, {k: v for k, v in data.items() if v})


def _notes(out: _Emitter) -> None:
    p = out.plan
    fill = {**p.extra, "sponsor": p.sponsor.name, "adoption": int(p.holdings[0].adoption_pct)}
    if p.qbr_days_ago is not None:
        text = texts.QBR_NOTES[p.index % len(texts.QBR_NOTES)].format(**fill)
        _note(out, "note-qbr", "csm", p.qbr_days_ago, kind="qbr", text=text, author_role="csm")
    if m := p.strategic_shift:
        _note(
            out,
            "note-shift",
            "csm",
            m.days_ago,
            kind="strategic_shift",
            text=texts.STRATEGIC_SHIFTS[m.adjacent],
            adjacent_product=m.adjacent,
            author_role="ae" if p.index % 3 == 0 else "csm",
        )
    if m := p.partner_flag:
        _note(
            out,
            "note-partner",
            "partner",
            m.days_ago,
            kind="partner_flag",
            text=texts.PARTNER_FLAGS[m.adjacent].format(partner=m.detail),
            adjacent_product=m.adjacent,
            author_role="partner",
        )
    if m := p.competitor_evaluation:
        _note(
            out,
            "note-evaluation",
            "csm",
            m.days_ago,
            kind="competitor_evaluation",
            text=texts.COMPETITOR_EVALUATIONS.format(competitor=m.detail),
            adjacent_product=m.adjacent,
            competitor=m.detail,
            author_role="ae" if p.index % 2 else "csm",
        )
    if m := p.competitor_purchase:
        _note(
            out,
            "note-purchase",
            "csm",
            m.days_ago,
            kind="competitor_purchase",
            text=texts.COMPETITOR_PURCHASES.format(competitor=m.detail),
            adjacent_product=m.adjacent,
            competitor=m.detail,
            author_role="csm",
        )


def _gates(out: _Emitter) -> None:
    p = out.plan
    if p.escalation:
        opened, resolved = p.escalation
        escalation_id = f"ESC-{out.seed}-{p.index:04d}"
        out.add(
            "esc-open",
            "account.escalation",
            "support",
            opened,
            {"escalation_id": escalation_id, "status": "opened"},
        )
        if resolved is not None:
            out.add(
                "esc-resolved",
                "account.escalation",
                "support",
                resolved,
                {"escalation_id": escalation_id, "status": "resolved"},
            )
    if p.renewal:
        status, days_ago = p.renewal
        for holding in p.holdings:
            if status == "negotiating":
                renews = out.now + timedelta(days=holding.renewal_in_days)
            else:
                renews = out.now - timedelta(days=days_ago)
            data = {
                "product": holding.product,
                "status": status,
                "renewal_date": renews.date().isoformat(),
            }
            out.add(f"renewal-{holding.product}", "account.renewal", p.cs_platform, days_ago, data)
