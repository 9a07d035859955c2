"""REST behaviour other clients rely on: identity, userinfo, error arrays on every
route, collections retrieve and lowercase ``id``, the upsert key, limits."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from emulators.salesforce.server import EmulatorServer
from tests.integration.salesforce.conftest import fetch_token, opportunity

EXT = "Cross_Sell_Play_Id__c"


@pytest.fixture
def token(emulator: EmulatorServer, http: requests.Session) -> dict[str, Any]:
    return fetch_token(emulator, http)


def _get(http: requests.Session, url: str, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return http.get(url, headers=headers, timeout=10)


def test_identity_url_from_the_token_resolves(
    http: requests.Session, token: dict[str, Any]
) -> None:
    me = _get(http, token["id"], token["access_token"])
    assert me.status_code == 200
    body = me.json()
    assert body["id"] == token["id"]
    assert body["username"] == "integration@crosssell.emulator"
    assert token["id"].endswith(f"/{body['organization_id']}/{body['user_id']}")
    assert body["urls"]["rest"].endswith("/services/data/v{version}/")
    by_param = http.get(token["id"], params={"oauth_token": token["access_token"]}, timeout=10)
    assert by_param.status_code == 200
    refused = _get(http, token["id"], "not-a-token")
    assert (refused.status_code, refused.text) == (403, "Bad_OAuth_Token")


def test_userinfo_names_the_user(
    emulator: EmulatorServer, http: requests.Session, token: dict[str, Any]
) -> None:
    info = _get(http, emulator.base_url + "/services/oauth2/userinfo", token["access_token"])
    body = info.json()
    assert body["preferred_username"] == "integration@crosssell.emulator"
    assert body["sub"] == token["id"] and body["user_id"].startswith("005")
    resources = _get(http, token["instance_url"] + "/services/data/v59.0/", token["access_token"])
    assert resources.json()["identity"] == token["id"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nowhere", 404, "NOT_FOUND"),
        ("GET", "/services/data/v59.0/nothing/here", 404, "NOT_FOUND"),
        ("DELETE", "/services/oauth2/token", 405, "METHOD_NOT_ALLOWED"),
        ("GET", "/services/data/v59.0//sobjects//Nope__c", 404, "NOT_FOUND"),
    ],
)
def test_every_route_answers_salesforce_error_arrays(
    emulator: EmulatorServer,
    http: requests.Session,
    token: dict[str, Any],
    method: str,
    path: str,
    status: int,
    code: str,
) -> None:
    response = http.request(
        method,
        emulator.base_url + path,
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert response.status_code == status
    body = response.json()
    assert isinstance(body, list) and body[0]["errorCode"] == code and "detail" not in body[0]


def test_collections_update_with_lowercase_id_and_retrieve(sf: Salesforce, uid: str) -> None:
    a = sf.Opportunity.create(opportunity(f"a-{uid}"))["id"]
    b = sf.Opportunity.create(opportunity(f"b-{uid}"))["id"]
    body = {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Opportunity"}, "id": a, "Amount": 11},
            {"attributes": {"type": "Opportunity"}, "ID": b, "Amount": 22},
        ],
    }
    results = sf.restful("composite/sobjects", method="PATCH", json=body)
    assert [(r["id"], r["success"]) for r in results] == [(a, True), (b, True)]
    missing = "006000000000000AAA"
    got = sf.restful(
        "composite/sobjects/Opportunity",
        method="POST",
        json={"ids": [a, missing, b], "fields": ["Amount", "Name"]},
    )
    assert [g and g["Amount"] for g in got] == [11.0, None, 22.0]
    assert got[1] is None and got[0]["attributes"]["type"] == "Opportunity"
    via_get = sf.restful(
        "composite/sobjects/Opportunity", params={"ids": f"{a},{b}", "fields": "Name"}
    )
    assert [r["Name"] for r in via_get] == [f"a-{uid}", f"b-{uid}"]


def test_upsert_body_may_not_move_the_external_id(sf: Salesforce, uid: str) -> None:
    path = f"{EXT}/{uid}-x"
    assert sf.Opportunity.upsert(path, opportunity(uid, **{EXT: f"{uid}-x"})) == 201
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Opportunity.upsert(path, {EXT: f"{uid}-y", "Amount": 5})
    assert info.value.content[0]["errorCode"] == "INVALID_FIELD"
    assert info.value.content[0]["fields"] == [EXT]
    assert sf.query(f"SELECT COUNT() FROM Opportunity WHERE {EXT} = '{uid}-y'")["totalSize"] == 0


def test_create_refuses_an_id_in_the_body(sf: Salesforce, uid: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Opportunity.create({**opportunity(uid), "Id": "006000000000000AAA"})
    assert info.value.content[0] == {
        "message": "The Id field should not be specified in the sobject data.",
        "errorCode": "INVALID_FIELD",
        "fields": [],
    }


def test_limits_list_the_main_allocations(sf: Salesforce) -> None:
    limits = sf.limits()
    for name in ("DailyApiRequests", "DailyBulkApiBatches", "DailyBulkV2QueryJobs"):
        assert limits[name]["Max"] >= limits[name]["Remaining"] >= 0
    assert limits["DailyApiRequests"]["Max"] > limits["DailyApiRequests"]["Remaining"]
