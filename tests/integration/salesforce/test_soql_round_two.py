"""SOQL beyond the subset of round one: aggregates, GROUP BY, child subqueries,
date literals, parent fields of User, and ``columns=true``."""

from __future__ import annotations

from datetime import date

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from emulators.salesforce.soql_dates import date_range
from tests.integration.salesforce.conftest import opportunity


@pytest.fixture
def opps(sf: Salesforce, uid: str) -> list[str]:
    ids = []
    for i, (stage, amount) in enumerate(
        [("Prospecting", 100), ("Prospecting", 300), ("Qualification", 50)]
    ):
        created = sf.Opportunity.create(
            opportunity(f"{uid}-{i}", StageName=stage, Amount=amount, NextStep=uid)
        )
        ids.append(created["id"])
    return ids


def test_count_forms(sf: Salesforce, uid: str, opps: list[str]) -> None:
    counted = sf.query(f"SELECT COUNT() FROM Opportunity WHERE NextStep = '{uid}'")
    assert (counted["totalSize"], counted["records"]) == (3, [])
    one = sf.query(f"SELECT COUNT(Id) total FROM Opportunity WHERE NextStep = '{uid}'")
    assert one["totalSize"] == 1
    assert one["records"] == [{"attributes": {"type": "AggregateResult"}, "total": 3}]


def test_group_by_with_aggregates(sf: Salesforce, uid: str, opps: list[str]) -> None:
    grouped = sf.query(
        "SELECT StageName, COUNT(Id), SUM(Amount), MAX(Amount), AVG(Amount) FROM Opportunity "
        f"WHERE NextStep = '{uid}' GROUP BY StageName ORDER BY StageName"
    )
    rows = [{k: v for k, v in r.items() if k != "attributes"} for r in grouped["records"]]
    assert rows == [
        {"StageName": "Prospecting", "expr0": 2, "expr1": 400.0, "expr2": 300.0, "expr3": 200.0},
        {"StageName": "Qualification", "expr0": 1, "expr1": 50.0, "expr2": 50.0, "expr3": 50.0},
    ]


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Name, COUNT(Id) FROM Opportunity GROUP BY StageName", "MALFORMED_QUERY"),
        ("SELECT COUNT(), Name FROM Opportunity", "MALFORMED_QUERY"),
        ("SELECT SUM(Name) FROM Opportunity", "MALFORMED_QUERY"),
        ("SELECT Id, (SELECT Id FROM Nothings) FROM Opportunity", "INVALID_TYPE"),
        ("SELECT Id FROM Opportunity WHERE CreatedDate = THIS_DECADE", "MALFORMED_QUERY"),
    ],
)
def test_bad_aggregate_and_subquery_forms(sf: Salesforce, soql: str, code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query(soql)
    assert info.value.content[0]["errorCode"] == code


def test_child_subquery_and_owner(sf: Salesforce, uid: str, opps: list[str]) -> None:
    for subject in ("b-second", "a-first"):
        sf.Task.create({"WhatId": opps[0], "Subject": f"{subject} {uid}"})
    result = sf.query(
        "SELECT Name, Owner.Name, Owner.Username, (SELECT Subject FROM Tasks ORDER BY Subject "
        f"LIMIT 1) FROM Opportunity WHERE NextStep = '{uid}' ORDER BY Name"
    )
    first, second = result["records"][:2]
    assert first["Owner"]["Name"] == "Integration User"
    assert first["Owner"]["Username"] == "integration@crosssell.emulator"
    assert first["Tasks"]["totalSize"] == 1 and first["Tasks"]["done"] is True
    assert first["Tasks"]["records"][0]["Subject"] == f"a-first {uid}"
    assert first["Tasks"]["records"][0]["attributes"]["type"] == "Task"
    assert second["Tasks"] is None


def test_users_are_queryable(sf: Salesforce) -> None:
    users = sf.query("SELECT Id, Username, Name, IsActive FROM User ORDER BY Username")["records"]
    names = [u["Username"] for u in users]
    assert "integration@crosssell.emulator" in names and len(users) >= 4
    assert all(u["Id"].startswith("005") and u["IsActive"] for u in users)
    org = sf.query("SELECT Id, IsSandbox, OrganizationType FROM Organization")["records"]
    assert len(org) == 1 and org[0]["IsSandbox"] is False


def test_columns_true_describes_columns(sf: Salesforce) -> None:
    meta = sf.restful(
        "query",
        params={
            "q": "SELECT StageName, COUNT(Id) n FROM Opportunity GROUP BY StageName",
            "columns": "true",
        },
    )
    assert meta["groupBy"] is True and meta["entityName"] == "Opportunity"
    stage, count = meta["columnMetadata"]
    assert (stage["columnName"], stage["aggregate"], stage["textType"]) == (
        "StageName",
        False,
        True,
    )
    assert (count["columnName"], count["displayName"], count["aggregate"]) == (
        "n",
        "COUNT(Id)",
        True,
    )


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("TODAY", ("2026-12-06", "2026-12-07")),
        ("THIS_WEEK", ("2026-12-06", "2026-12-13")),  # weeks start on Sunday
        ("LAST_WEEK", ("2026-11-29", "2026-12-06")),
        ("THIS_MONTH", ("2026-12-01", "2027-01-01")),
        ("NEXT_MONTH", ("2027-01-01", "2027-02-01")),
        ("THIS_QUARTER", ("2026-10-01", "2027-01-01")),
        ("LAST_QUARTER", ("2026-07-01", "2026-10-01")),
        ("THIS_YEAR", ("2026-01-01", "2027-01-01")),
        ("LAST_YEAR", ("2025-01-01", "2026-01-01")),
        ("LAST_N_DAYS:7", ("2026-11-29", "2026-12-07")),  # includes today
        ("N_DAYS_AGO:3", ("2026-12-03", "2026-12-04")),
        ("LAST_N_MONTHS:2", ("2026-10-01", "2026-12-01")),  # not this month
        ("NEXT_N_YEARS:1", ("2027-01-01", "2028-01-01")),
    ],
)
def test_date_literal_ranges(literal: str, expected: tuple[str, str]) -> None:
    assert date_range(literal, "date", today=date(2026, 12, 6)) == expected


def test_opportunities_can_be_owned_by_a_rep(sf: Salesforce, uid: str) -> None:
    [rep] = sf.query("SELECT Id, Name FROM User WHERE Username = 'avery.ae@crosssell.emulator'")[
        "records"
    ]
    created = sf.Opportunity.create(opportunity(f"owned-{uid}", OwnerId=rep["Id"]))
    [row] = sf.query(f"SELECT Owner.Name, OwnerId FROM Opportunity WHERE Id = '{created['id']}'")[
        "records"
    ]
    assert (row["OwnerId"], row["Owner"]["Name"]) == (rep["Id"], "Avery Chen")
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Opportunity.create(opportunity(f"bad-owner-{uid}", OwnerId="005000000000099AAA"))
    assert info.value.content[0]["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"
