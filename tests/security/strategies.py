"""Hypothesis strategies for hostile input: JSON with injection-shaped and awkward
strings, event-shaped objects with fuzzed fields, vendor-shaped records."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import strategies as st

from shared.messages.inbound import EVENT_TYPES, SOURCES

INJECTIONS = [
    "' OR 1=1 --",
    '"; DROP TABLE plays; --',
    "'; DROP TABLE signals; --",
    "1; SELECT pg_sleep(5)",
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%00",
    "\x00",
    "a\x00b",
    "${jndi:ldap://127.0.0.1/x}",
    "{{7*7}}",
    "<script>alert(1)</script>",
    "\u202eevil",
    "Zalgo\u0336\u0337\u0338",
    "\U0001f4a9" * 10,
    "\ufeff",
    "",
    " ",
    "\n\r\t",
    "NaN",
    "-Infinity",
    "1e309",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59+14:00",
    "2026-02-30T00:00:00Z",
]

hostile_text = st.one_of(
    st.sampled_from(INJECTIONS),
    st.integers(min_value=300, max_value=6000).map(lambda n: "x" * n),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 1e308, -1e308, 2**63, -(2**63) - 1, 5e-324]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, hostile_text)
json_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(hostile_text, children, max_size=5),
    ),
    max_leaves=25,
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, json_values)


DATA_KEYS = [
    "product",
    "metric",
    "value",
    "limit",
    "module",
    "kind",
    "detail",
    "ticket_id",
    "requester",
    "subject",
    "description",
    "topics",
    "escalation",
    "name",
    "health",
    "products",
    "status",
    "renewal_date",
    "escalation_id",
    "contact_id",
    "title",
    "persona",
    "change",
    "text",
    "adjacent_product",
    "competitor",
    "author_role",
]

event_like: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
    {},
    optional={
        "id": _maybe(hostile_text),
        "type": _maybe(st.sampled_from(EVENT_TYPES)),
        "source": _maybe(st.sampled_from(SOURCES)),
        "account_id": _maybe(hostile_text),
        "occurred_at": _maybe(st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())),
        "data": _maybe(st.dictionaries(st.sampled_from(DATA_KEYS), json_values, max_size=8)),
    },
)
events_body = st.one_of(
    json_values,
    event_like,
    st.fixed_dictionaries({"events": st.lists(event_like, max_size=6)}),
    st.fixed_dictionaries({"events": json_values}),
)

CZ_KEYS = [
    "action",
    "appKey",
    "accountExternalId",
    "contactExternalId",
    "eventName",
    "eventDate",
    "quantity",
    "description",
    "entity",
    "attr_name",
    "attr_value",
    "name",
    "value",
    "attr_Health",
    "cf_limit",
    "cf_module",
    "cf_ticket_id",
    "cf_requester_name",
    "cf_subject",
    "cf_topics",
    "cf_escalation",
]
churnzero_like = st.dictionaries(
    st.sampled_from(CZ_KEYS),
    json_values
    | st.sampled_from(
        ["trackEvent", "setAttribute", "Account", "Seats Used", "support ticket opened"]
    ),
    max_size=10,
)
churnzero_body = st.one_of(json_values, churnzero_like, st.lists(churnzero_like, max_size=5))

GS_KEYS = ["sfdcAccountId", "companyId", "eventName", "eventDate", "timestamp", "eventId"]
gainsight_like = st.fixed_dictionaries(
    {},
    optional={
        **{k: _maybe(hostile_text) for k in GS_KEYS},
        "eventName": st.sampled_from(
            ["Usage Snapshot", "Workaround Detected", "Health Changed", "Escalation Opened"]
        )
        | json_values,
        "attributes": st.dictionaries(
            st.sampled_from(
                ["product", "metric", "value", "limit", "module", "kind", "health", "ctaId"]
            ),
            json_values,
            max_size=6,
        )
        | json_values,
    },
)
gainsight_body = st.one_of(
    json_values,
    gainsight_like,
    st.lists(gainsight_like, max_size=5),
    st.fixed_dictionaries({"events": st.lists(gainsight_like, max_size=5)}),
)

RECORD_KEYS = [
    "Id",
    "Cross_Sell_Play_Id__c",
    "StageName",
    "Amount",
    "Type",
    "OwnerId",
    "LastModifiedById",
    "SystemModstamp",
    "Executive_Sponsor_Name__c",
    "Discovery_Answer_1__c",
]
webhook_note = st.fixed_dictionaries(
    {},
    optional={
        "notification_id": _maybe(hostile_text),
        "organization_id": _maybe(st.just("00D000000000042AAA")),
        "sobject": _maybe(st.just("Opportunity")),
        "record": st.dictionaries(st.sampled_from(RECORD_KEYS), scalars, max_size=8) | json_values,
        "changed_at": _maybe(st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())),
        "changed_by_id": _maybe(hostile_text),
    },
)
webhook_body = st.one_of(json_values, st.lists(webhook_note, max_size=4), webhook_note)


def to_json(value: Any) -> bytes:
    """JSON text of any generated value (big integers, lone surrogates escaped)."""
    return json.dumps(value).encode()


# ---- structurally valid bodies whose strings are hostile -----------------------------

nonblank = st.one_of(
    st.sampled_from([s for s in INJECTIONS if s.strip() and len(s) <= 60]),
    st.text(min_size=1, max_size=40).filter(lambda s: s.strip() != ""),
)
free_text = st.one_of(nonblank, st.text(max_size=300))
quantity = st.one_of(st.integers(min_value=0, max_value=10**9), st.floats(0, 1e12))
moment = st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(9998, 12, 31),
    timezones=st.sampled_from([UTC]),
).map(lambda d: d.isoformat())
a_date = st.dates(
    min_value=date(1971, 1, 1),
    max_value=date(9998, 12, 31),
).map(lambda d: d.isoformat())

_DATA = {
    "usage.metric": st.fixed_dictionaries(
        {
            "product": nonblank,
            "metric": nonblank,
            "value": quantity,
            "limit": quantity.map(lambda v: v + 1),
        },
        optional={"module": nonblank},
    ),
    "usage.workaround": st.fixed_dictionaries(
        {"product": nonblank, "kind": nonblank, "detail": free_text}
    ),
    "ticket.opened": st.fixed_dictionaries(
        {
            "ticket_id": nonblank,
            "requester": st.fixed_dictionaries(
                {"contact_id": nonblank, "name": nonblank, "role": free_text.map(lambda s: s[:200])}
            ),
            "subject": free_text,
            "description": free_text,
            "topics": st.lists(nonblank, max_size=5),
        }
    ),
    "account.stakeholder": st.fixed_dictionaries(
        {
            "contact_id": nonblank,
            "name": nonblank,
            "title": free_text.map(lambda s: s[:200]),
            "persona": nonblank,
            "change": st.sampled_from(["added", "removed"]),
        }
    ),
    "account.note": st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["strategic_shift", "partner_flag", "qbr"]),
            "text": free_text,
            "adjacent_product": nonblank,
        }
    ),
    "account.renewal": st.fixed_dictionaries(
        {
            "product": nonblank,
            "status": st.sampled_from(["negotiating", "renewed", "churned"]),
            "renewal_date": a_date,
        }
    ),
}


def valid_event(source: str) -> st.SearchStrategy[dict[str, Any]]:
    """A canonical event that parses, with hostile strings in every text field."""
    return st.sampled_from(sorted(_DATA)).flatmap(
        lambda kind: st.fixed_dictionaries(
            {
                "id": nonblank,
                "type": st.just(kind),
                "source": st.just(source),
                "account_id": nonblank,
                "occurred_at": moment,
                "data": _DATA[kind],
            }
        )
    )


def valid_webhook(org_id: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    note = st.fixed_dictionaries(
        {
            "notification_id": nonblank,
            "organization_id": st.just(org_id),
            "sobject": st.just("Opportunity"),
            "record": st.fixed_dictionaries(
                {"Id": nonblank},
                optional={
                    k: st.one_of(st.none(), st.booleans(), quantity, free_text)
                    for k in RECORD_KEYS[1:]
                },
            ),
            "changed_at": moment,
        },
        optional={"changed_by_id": nonblank},
    )
    return st.lists(note, min_size=1, max_size=3)
