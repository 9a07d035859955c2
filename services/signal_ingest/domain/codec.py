"""AccountState <-> JSON-compatible dict (stored as JSONB, one row per account).

Format version 2. Datetimes are ISO-8601 strings with offset, dates are
``YYYY-MM-DD``; tuple-keyed maps are stored as lists of objects so no key
needs an encoding. Usage samples, the bulk of a state, are compact rows
``[t_us, value, limit]``, or ``[t_us, value, limit, count]`` when count != 1,
with ``t_us`` the sample time in integer microseconds since the Unix epoch
(UTC) and ``limit`` null for none. Unknown keys are ignored on load (forward
compatible).

Version 1 differs only in the sample time, an ISO-8601 string; it is still
read (states stored before v2), and written back as v2.

Loading ``sys.intern``-s the short categorical strings (series keys, roles,
topics, pain terms, kinds, statuses, personas, owners) so the many cached
states share one copy of each; free text is left alone.
"""

from __future__ import annotations

from array import array
from datetime import date, datetime
from sys import intern
from typing import Any

from .state import (
    NO_LIMIT,
    AccountState,
    CompetitorPurchase,
    Escalation,
    Note,
    OwnedProduct,
    PlayRecord,
    Profile,
    Renewal,
    Resemblance,
    Series,
    Stakeholder,
    Ticket,
    Workaround,
    to_us,
)

FORMAT_VERSION = 2
READABLE_VERSIONS = frozenset({1, FORMAT_VERSION})


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _pdt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _req_dt(value: Any) -> datetime:
    return datetime.fromisoformat(value)


def _intern_opt(value: str | None) -> str | None:
    return intern(value) if value is not None else None


def resembles_out(ticket: Ticket) -> dict[str, Any]:
    """A ticket's meaning matches as stored (absent when none): adjacent ->
    ``[example, similarity, score]``. Shared with ``adapters.state_codec``."""
    if not ticket.resembles:
        return {}
    return {
        "resembles": {
            a: [r.example, r.similarity, r.score] for a, r in ticket.resembles.items()
        }
    }


def series_rows(series: Series) -> list[list[Any]]:
    """A series' samples as stored: ``[t_us, value, limit]`` (+ ``count`` if not 1).
    Shared with the hot-path encoder (``adapters.state_codec``)."""
    columns = series.times, series.values, series.limits, series.counts
    return [
        [t, v, None if x != x else x] if c == 1 else [t, v, None if x != x else x, c]
        for t, v, x, c in zip(*columns, strict=True)
    ]


def _series_in(u: dict[str, Any]) -> Series:
    rows: list[list[Any]] = u["samples"]
    if rows and isinstance(rows[0][0], str):  # format v1: ISO-8601 sample times
        times = array("q", [to_us(datetime.fromisoformat(r[0])) for r in rows])
    else:
        times = array("q", [r[0] for r in rows])
    return Series(
        times=times,
        values=array("d", [r[1] for r in rows]),
        limits=array("d", [NO_LIMIT if r[2] is None else r[2] for r in rows]),
        counts=array("q", [r[3] if len(r) > 3 else 1 for r in rows]),
        armed=bool(u.get("armed", True)),
        checked_at=_pdt(u.get("checked_at")),
    )


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
                "samples": series_rows(s),
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
                **resembles_out(t),
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
    if version not in READABLE_VERSIONS:
        raise ValueError(f"unsupported account state format v{version}")
    prof = raw.get("profile") or {}
    return AccountState(
        account_id=raw["account_id"],
        latest_event_at=_pdt(raw.get("latest_event_at")),
        pruned_at=_pdt(raw.get("pruned_at")),
        profile=Profile(
            name=prof.get("name"),
            csm_owner=_intern_opt(prof.get("csm_owner")),
            ae_owner=_intern_opt(prof.get("ae_owner")),
            health=_intern_opt(prof.get("health")),
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
            (intern(u["product"]), intern(u["metric"]), intern(u.get("module") or "")): (
                _series_in(u)
            )
            for u in raw.get("usage") or []
        },
        milestones={k: _req_dt(v) for k, v in (raw.get("milestones") or {}).items()},
        tickets={
            k: Ticket(
                ticket_id=k,
                requester_id=intern(t["requester_id"]),
                requester_name=t["requester_name"],
                requester_role=intern(t.get("requester_role", "")),
                subject=t.get("subject", ""),
                quote=t.get("quote", ""),
                topics=[intern(x) for x in t.get("topics") or ()],
                escalation=bool(t.get("escalation", False)),
                opened_at=_req_dt(t["opened_at"]),
                updated_at=_req_dt(t["updated_at"]),
                closed_at=_pdt(t.get("closed_at")),
                pain={intern(a): [intern(x) for x in m] for a, m in (t.get("pain") or {}).items()},
                resembles={
                    intern(a): Resemblance(str(r[0]), float(r[1]), float(r[2]))
                    for a, r in (t.get("resembles") or {}).items()
                },
            )
            for k, t in (raw.get("tickets") or {}).items()
        },
        workarounds=[
            Workaround(
                intern(w["kind"]), intern(w["product"]), w.get("detail", ""), _req_dt(w["at"])
            )
            for w in raw.get("workarounds") or []
        ],
        escalations={
            k: Escalation(intern(e["status"]), _req_dt(e["at"]))
            for k, e in (raw.get("escalations") or {}).items()
        },
        renewals={
            k: Renewal(
                status=intern(r["status"]),
                renewal_date=date.fromisoformat(r["renewal_date"]),
                at=_req_dt(r["at"]),
                last_closed_at=_pdt(r.get("last_closed_at")),
            )
            for k, r in (raw.get("renewals") or {}).items()
        },
        stakeholders={
            k: Stakeholder(
                s["name"],
                intern(s.get("title", "")),
                intern(s["persona"]),
                bool(s["present"]),
                _req_dt(s["at"]),
            )
            for k, s in (raw.get("stakeholders") or {}).items()
        },
        notes=[
            Note(
                intern(n["kind"]),
                n.get("text", ""),
                n.get("adjacent_product"),
                n.get("competitor"),
                _intern_opt(n.get("author_role")),
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
