"""OAuth2 token endpoint and session expiry, through requests + simple-salesforce."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest
import requests
from simple_salesforce.exceptions import SalesforceExpiredSession

from emulators.salesforce.server import EmulatorServer
from tests.integration.salesforce.conftest import (
    AdminClient,
    client_for,
    fetch_token,
    https_session,
    opportunity,
)


def _token_call(server: EmulatorServer, http: requests.Session, **form: str) -> requests.Response:
    return http.post(server.base_url + "/services/oauth2/token", data=form, timeout=10)


def _jwt(claims: dict[str, object]) -> str:
    def seg(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{seg({'alg': 'RS256'})}.{seg(claims)}.{seg('not-a-real-signature')}"


def test_client_credentials_token_shape(emulator: EmulatorServer, http: requests.Session) -> None:
    body = fetch_token(emulator, http)
    assert set(body) >= {
        "access_token",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
    }
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == emulator.base_url
    assert body["id"].startswith(f"{emulator.base_url}/id/{emulator.org_id}/005")
    assert body["issued_at"].isdigit()


def test_password_grant_acts_as_a_distinct_user(
    emulator: EmulatorServer, http: requests.Session, uid: str
) -> None:
    integration = fetch_token(emulator, http)
    rep = fetch_token(
        emulator, http, grant_type="password", username=f"rep-{uid}@example.com", password="pw"
    )
    rep_user = rep["id"].rsplit("/", 1)[1]
    assert rep_user != integration["id"].rsplit("/", 1)[1]

    created = client_for(integration, http).Opportunity.create(opportunity(f"auth-{uid}"))
    client_for(rep, http).Opportunity.update(created["id"], {"StageName": "Qualification"})
    record = client_for(integration, http).Opportunity.get(created["id"])
    assert record["CreatedById"] == integration["id"].rsplit("/", 1)[1]
    assert record["LastModifiedById"] == rep_user


def test_jwt_bearer_accepts_a_structurally_valid_assertion(
    emulator: EmulatorServer, http: requests.Session
) -> None:
    claims = {
        "iss": emulator.client_id,
        "sub": "jwt-user@example.com",
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 120,
    }
    response = _token_call(
        emulator,
        http,
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=_jwt(claims),
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "client_credentials", "client_id": "nope", "client_secret": "nope"},
        {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "abc.def"},
        {
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": _jwt({"iss": "x", "sub": "u", "aud": "a", "exp": 1}),
        },
    ],
    ids=["bad-client", "not-a-jwt", "wrong-issuer-and-expired"],
)
def test_bad_token_requests_get_400(
    emulator: EmulatorServer, http: requests.Session, form: dict[str, str]
) -> None:
    response = _token_call(emulator, http, **form)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] in ("invalid_grant", "invalid_client_id")
    assert body["error_description"]


def test_bad_client_secret_is_invalid_client(
    emulator: EmulatorServer, http: requests.Session
) -> None:
    response = _token_call(
        emulator,
        http,
        grant_type="client_credentials",
        client_id=emulator.client_id,
        client_secret="wrong",
    )
    assert (response.status_code, response.json()) == (
        400,
        {"error": "invalid_client", "error_description": "invalid client credentials"},
    )


def test_unknown_client_id_is_invalid_client_id(
    emulator: EmulatorServer, http: requests.Session
) -> None:
    response = _token_call(
        emulator, http, grant_type="client_credentials", client_id="nope", client_secret="x"
    )
    assert (response.status_code, response.json()) == (
        400,
        {"error": "invalid_client_id", "error_description": "client identifier invalid"},
    )


def test_token_endpoint_does_not_count_as_api_call(
    emulator: EmulatorServer, http: requests.Session, admin: AdminClient
) -> None:
    before = admin.usage()["used"]
    for _ in range(3):
        fetch_token(emulator, http)
    assert admin.usage()["used"] == before


def test_expired_session_is_401_json_array(
    emulator: EmulatorServer, http: requests.Session, admin: AdminClient
) -> None:
    sf = client_for(fetch_token(emulator, http), http)
    sf.query("SELECT Id FROM Account LIMIT 1")
    admin.expire_sessions()
    with pytest.raises(SalesforceExpiredSession) as info:
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert info.value.status == 401
    assert info.value.content == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID", "fields": []}
    ]


def test_sessions_expire_after_their_ttl(tmp_path: Path) -> None:
    with EmulatorServer(state_dir=tmp_path, session_ttl_s=0.3) as short:
        http = https_session(short)
        sf = client_for(fetch_token(short, http), http)
        sf.query("SELECT Id FROM Account LIMIT 1")
        time.sleep(0.4)
        with pytest.raises(SalesforceExpiredSession):
            sf.query("SELECT Id FROM Account LIMIT 1")
        raw = http.get(
            short.base_url + "/services/data/v59.0/limits",
            headers={"Authorization": "Bearer nonsense"},
            timeout=5,
        )
        assert raw.status_code == 401
        assert raw.json()[0]["errorCode"] == "INVALID_SESSION_ID"
        assert raw.headers["Sforce-Limit-Info"].startswith("api-usage=")
