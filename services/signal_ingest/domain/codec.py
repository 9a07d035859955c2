"""AccountState <-> JSON-compatible dict (stored as JSONB, one row per account).

Format version 1. Datetimes are ISO-8601 strings with offset, dates are
``YYYY-MM-DD``; tuple-keyed maps are stored as lists of objects so no key
needs an encoding. Unknown keys are ignored on load (forward compatible).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from .state import (
    AccountState,
    CompetitorPurchase,
    Escalation,
    Note,
    OwnedProduct,
    PlayRecord,
    Profile,
    Renewal,
    Sample,
    Series,
    Stakeholder,
    Ticket,
    Workaround,
)

FORMAT_VERSION = 1


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _pdt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _req_dt(value: Any) -> datetime:
    return datetime.fromisoformat(value)


def _sample_out(s: Sample) -> list[Any]:
    row: list[Any] = [s.at.isoformat(), s.value, s.limit]
    return row + [s.count] if s.count != 1 else row


def _sample_in(row: list[Any]) -> Sample:
    count = int(row[3]) if len(row) > 3 else 1
    return Sample(_req_dt(row[0]), float(row[1]), row[2], count)


def state_to_dict(state: AccountState) -> dict[str, Any]:
    p = state.profile
    return {
        "v": FORMAT_VERSION,
        "account_id": state.account_id,
        "latest_event_at": _dt(state.latest_event_at),
        "pruned_at": _dt(state.pruned_at),
        "profile": {
            "name": p.name,
            "csm_owner": p.csm_owner,
            "ae_owner": p.ae_owner,
            "health": p.health,
            "field_at": {k: v.isoformat() for k, v in p.field_at.items()},
        },
        "products": {
            k: {
                "tier": o.tier,
                "acv": o.acv,
                "renewal_date": o.renewal_date.isoformat(),
                "adoption_pct": o.adoption_pct,
            }
            for k, o in state.products.items()
        },
        "products_at": _dt(state.products_at),
        "usage": [
            {
                "product": key[0],
                "metric": key[1],
                "module": key[2],
                "armed": s.armed,
                "checked_at": _dt(s.checked_at),
                "samples": [_sample_out(x) for x in s.samples],
            }
            for key, s in state.usage.items()
        ],
        "milestones": {k: v.isoformat() for k, v in state.milestones.items()},
        "tickets": {
            k: {
                "requester_id": t.requester_id,
                "requester_name": t.requester_name,
                "requester_role": t.requester_role,
                "subject": t.subject,
                "quote": t.quote,
                "topics": t.topics,
                "escalation": t.escalation,
                "opened_at": t.opened_at.isoformat(),
                "updated_at": t.updated_at.isoformat(),
                "closed_at": _dt(t.closed_at),
                "pain": t.pain,
            }
            for k, t in state.tickets.items()
        },
        "workarounds": [
            {"kind": w.kind, "product": w.product, "detail": w.detail, "at": w.at.isoformat()}
            for w in state.workarounds
        ],
        "escalations": {
            k: {"status": e.status, "at": e.at.isoformat()} for k, e in state.escalations.items()
        },
        "renewals": {
            k: {
                "status": r.status,
                "renewal_date": r.renewal_date.isoformat(),
                "at": r.at.isoformat(),
                "last_closed_at": _dt(r.last_closed_at),
            }
            for k, r in state.renewals.items()
        },
        "stakeholders": {
            k: {
                "name": s.name,
                "title": s.title,
                "persona": s.persona,
                "present": s.present,
                "at": s.at.isoformat(),
            }
            for k, s in state.stakeholders.items()
        },
        "notes": [
            {
                "kind": n.kind,
                "text": n.text,
                "adjacent_product": n.adjacent_product,
                "competitor": n.competitor,
                "author_role": n.author_role,
                "at": n.at.isoformat(),
            }
            for n in state.notes
        ],
        "competitor_purchases": [
            {
                "competitor": c.competitor,
                "adjacent_products": c.adjacent_products,
                "at": c.at.isoformat(),
            }
            for c in state.competitor_purchases
        ],
        "plays": {
            k: {"adjacent_product": p.adjacent_product, "state": p.state, "at": p.at.isoformat()}
            for k, p in state.plays.items()
        },
        "last_fired": {k: v.isoformat() for k, v in state.last_fired.items()},
    }


def state_from_dict(raw: dict[str, Any]) -> AccountState:
    version = raw.get("v", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise ValueError(f"unsupported account state format v{version}")
    prof = raw.get("profile") or {}
    return AccountState(
        account_id=raw["account_id"],
        latest_event_at=_pdt(raw.get("latest_event_at")),
        pruned_at=_pdt(raw.get("pruned_at")),
        profile=Profile(
            name=prof.get("name"),
            csm_owner=prof.get("csm_owner"),
            ae_owner=prof.get("ae_owner"),
            health=prof.get("health"),
            field_at={k: _req_dt(v) for k, v in (prof.get("field_at") or {}).items()},
        ),
        products={
            k: OwnedProduct(
                tier=o["tier"],
                acv=float(o["acv"]),
                renewal_date=date.fromisoformat(o["renewal_date"]),
                adoption_pct=float(o["adoption_pct"]),
            )
            for k, o in (raw.get("products") or {}).items()
        },
        products_at=_pdt(raw.get("products_at")),
        usage={
            (u["product"], u["metric"], u.get("module") or ""): Series(
                samples=[_sample_in(x) for x in u["samples"]],
                armed=bool(u.get("armed", True)),
                checked_at=_pdt(u.get("checked_at")),
            )
            for u in raw.get("usage") or []
        },
        milestones={k: _req_dt(v) for k, v in (raw.get("milestones") or {}).items()},
        tickets={
            k: Ticket(
                ticket_id=k,
                requester_id=t["requester_id"],
                requester_name=t["requester_name"],
                requester_role=t.get("requester_role", ""),
                subject=t.get("subject", ""),
                quote=t.get("quote", ""),
                topics=list(t.get("topics") or []),
                escalation=bool(t.get("escalation", False)),
                opened_at=_req_dt(t["opened_at"]),
                updated_at=_req_dt(t["updated_at"]),
                closed_at=_pdt(t.get("closed_at")),
                pain={a: list(m) for a, m in (t.get("pain") or {}).items()},
            )
            for k, t in (raw.get("tickets") or {}).items()
        },
        workarounds=[
            Workaround(w["kind"], w["product"], w.get("detail", ""), _req_dt(w["at"]))
            for w in raw.get("workarounds") or []
        ],
        escalations={
            k: Escalation(e["status"], _req_dt(e["at"]))
            for k, e in (raw.get("escalations") or {}).items()
        },
        renewals={
            k: Renewal(
                status=r["status"],
                renewal_date=date.fromisoformat(r["renewal_date"]),
                at=_req_dt(r["at"]),
                last_closed_at=_pdt(r.get("last_closed_at")),
            )
            for k, r in (raw.get("renewals") or {}).items()
        },
        stakeholders={
            k: Stakeholder(
                s["name"], s.get("title", ""), s["persona"], bool(s["present"]), _req_dt(s["at"])
            )
            for k, s in (raw.get("stakeholders") or {}).items()
        },
        notes=[
            Note(
                n["kind"],
                n.get("text", ""),
                n.get("adjacent_product"),
                n.get("competitor"),
                n.get("author_role"),
                _req_dt(n["at"]),
            )
            for n in raw.get("notes") or []
        ],
        competitor_purchases=[
            CompetitorPurchase(
                c.get("competitor"), list(c.get("adjacent_products") or []), _req_dt(c["at"])
            )
            for c in raw.get("competitor_purchases") or []
        ],
        plays={
            k: PlayRecord(p["adjacent_product"], p["state"], _req_dt(p["at"]))
            for k, p in (raw.get("plays") or {}).items()
        },
        last_fired={k: _req_dt(v) for k, v in (raw.get("last_fired") or {}).items()},
    )
