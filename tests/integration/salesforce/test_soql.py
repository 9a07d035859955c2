"""SOQL subset: operators, ordering, limits, errors and 2,000-row paging."""

from __future__ import annotations

import re

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tests.integration.salesforce.conftest import AdminClient, opportunity

COLLECTIONS = "composite/sobjects"


def _seed(sf: Salesforce, uid: str) -> str:
    account = sf.Account.create({"Name": f"Acme {uid}"})["id"]
    records = []
    for i in range(12):
        records.append(
            {
                "attributes": {"type": "Opportunity"},
                **opportunity(
                    f"q-{uid}-{i:02d}",
                    Amount=1000 * i,
                    StageName="Closed Won" if i % 4 == 0 else "Prospecting",
                    CloseDate=f"2030-01-{i + 1:02d}",
                    Signal_Source__c=None if i % 3 == 0 else "Gainsight",
                    AccountId=account if i < 6 else None,
                ),
            }
        )
    result = sf.restful(COLLECTIONS, method="POST", json={"allOrNone": True, "records": records})
    assert all(r["success"] for r in result)
    return f"q-{uid}-%"


def _names(sf: Salesforce, where: str, tail: str = "ORDER BY Name") -> list[str]:
    rows = sf.query_all(f"SELECT Name FROM Opportunity WHERE {where} {tail}")["records"]
    return [r["Name"].rsplit("-", 1)[1] for r in rows]


def test_operators(sf: Salesforce, uid: str) -> None:
    like = _seed(sf, uid)
    base = f"Name LIKE '{like}'"
    assert len(_names(sf, base)) == 12
    assert _names(sf, f"{base} AND Amount = 3000") == ["03"]
    assert _names(sf, f"{base} AND Amount >= 10000") == ["10", "11"]
    assert _names(sf, f"{base} AND Amount < 2000 AND Amount != 0") == ["01"]
    assert _names(sf, f"{base} AND StageName IN ('Closed Won')") == ["00", "04", "08"]
    assert len(_names(sf, f"{base} AND StageName NOT IN ('Closed Won', 'Qualification')")) == 9
    assert _names(sf, f"{base} AND Signal_Source__c = null") == ["00", "03", "06", "09"]
    assert _names(sf, f"{base} AND IsWon = true AND Signal_Source__c != null") == ["04", "08"]
    assert _names(sf, f"{base} AND (Amount = 1000 OR Amount = 2000)") == ["01", "02"]
    assert _names(sf, f"{base} AND NOT (Amount > 1000)") == ["00", "01"]
    assert _names(sf, f"{base} AND CloseDate > 2030-01-10") == ["10", "11"]
    assert _names(sf, f"{base} AND name like '%-0_' AND amount > 8000") == ["09"]
    assert _names(sf, f"{base} AND Account.Name = 'acme {uid}'") == [
        "00",
        "01",
        "02",
        "03",
        "04",
        "05",
    ]


def test_order_limit_offset_count_and_relationship_fields(sf: Salesforce, uid: str) -> None:
    like = _seed(sf, uid)
    base = f"Name LIKE '{like}'"
    assert _names(sf, base, "ORDER BY Amount DESC LIMIT 3") == ["11", "10", "09"]
    assert _names(sf, base, "ORDER BY Amount ASC LIMIT 2 OFFSET 1") == ["01", "02"]
    assert _names(sf, base, "ORDER BY Signal_Source__c, Amount DESC LIMIT 4") == [
        "09",
        "06",
        "03",
        "00",
    ]  # nulls first, then by amount descending
    count = sf.query(f"SELECT COUNT() FROM Opportunity WHERE {base}")
    assert (count["totalSize"], count["records"]) == (12, [])
    row = sf.query(f"SELECT Id, Account.Name FROM Opportunity WHERE {base} ORDER BY Name LIMIT 1")
    assert row["records"][0]["Account"]["Name"] == f"Acme {uid}"
    assert row["records"][0]["Account"]["attributes"]["type"] == "Account"


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FROM Opportunity WHERE", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM Opportunity WHERE Name = 'a' AND Amount = 1 OR Amount = 2",
            "MALFORMED_QUERY",
        ),
        ("SELECT Id Name FROM Opportunity", "MALFORMED_QUERY"),
        ("SELECT Nope__c FROM Opportunity", "INVALID_FIELD"),
        ("SELECT Id FROM Nope__c", "INVALID_TYPE"),
        (
            "SELECT Id FROM Opportunity WHERE CloseDate = '2030-01-01'",
            "INVALID_QUERY_FILTER_OPERATOR",
        ),
    ],
)
def test_bad_queries_are_400(sf: Salesforce, soql: str, code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query(soql)
    assert info.value.content[0]["errorCode"] == code


def test_paging_2000_rows_with_absolute_next_records_url(
    sf: Salesforce, uid: str, admin: AdminClient
) -> None:
    for start in range(0, 4500, 200):
        batch = [
            {"attributes": {"type": "Account"}, "Name": f"page-{uid}-{i:05d}"}
            for i in range(start, start + 200)
            if i < 4500
        ]
        sf.restful(COLLECTIONS, method="POST", json={"allOrNone": False, "records": batch})
    soql = f"SELECT Id, Name FROM Account WHERE Name LIKE 'page-{uid}-%' ORDER BY Name"
    first = sf.query(soql)
    assert (first["totalSize"], first["done"], len(first["records"])) == (4500, False, 2000)
    assert re.fullmatch(
        r"/services/data/v59\.0/query/01g[0-9a-zA-Z]{15}-2000", first["nextRecordsUrl"]
    )
    used = admin.usage()["used"]
    everything = sf.query_all(soql)
    assert admin.usage()["used"] - used == 3  # one query + two query_more pages
    names = [r["Name"] for r in everything["records"]]
    assert names == sorted(names) and len(set(names)) == 4500
