"""Gateway pieces in isolation: error classification, backoff, JWT, TLS session, secrets."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import SecretStr

from emulators.salesforce.auth import jwt_subject
from services.crm_sync.gateway import ApiLimitExceeded, GatewayConfig, RetrySettings
from services.crm_sync.gateway.auth import Token, http_session, jwt_assertion
from services.crm_sync.gateway.core import CallFailed, SessionExpired, Transient, classify
from tests.support.salesforce_fake import FakeSalesforceGateway


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, [{"errorCode": "INVALID_SESSION_ID", "message": "x"}], SessionExpired),
        (403, [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "x"}], ApiLimitExceeded),
        (400, [{"errorCode": "UNABLE_TO_LOCK_ROW", "message": "x"}], Transient),
        (503, "<html>down</html>", Transient),
        (400, [{"errorCode": "MALFORMED_QUERY", "message": "x"}], CallFailed),
        (403, [{"errorCode": "INSUFFICIENT_ACCESS", "message": "x"}], CallFailed),
        (404, [{"errorCode": "NOT_FOUND", "message": "x"}], CallFailed),
    ],
)
def test_classify(status: int, body: object, kind: type[Exception]) -> None:
    assert isinstance(classify(status, body), kind)


async def test_backoff_is_exponential_and_capped() -> None:
    gw = FakeSalesforceGateway()
    gw.config = gw.config.model_copy(
        update={"retry": RetrySettings(attempts=5, base_s=1.0, cap_s=3.0, jitter=False)}
    )
    slept: list[float] = []

    async def record(delay: float) -> None:
        slept.append(delay)

    gw.sleep = record
    gw.inject_fault("status", count=4)
    results = await gw.upsert(
        "Account", "Crosssell_Account_Id__c", [{"Crosssell_Account_Id__c": "a1", "Name": "A"}]
    )
    assert results[0].ok
    assert slept == [1.0, 2.0, 3.0, 3.0]


async def test_whole_call_outage_beyond_retries_gives_retryable_results() -> None:
    gw = FakeSalesforceGateway()
    gw.inject_fault("status", count=100)
    results = await gw.create("Account", [{"Name": "A"}, {"Name": "B"}])
    assert [(r.ok, r.retryable, r.error_code) for r in results] == [
        (False, True, "SERVER_UNAVAILABLE")
    ] * 2


def test_jwt_assertion_is_rs256_and_accepted_by_the_emulator(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    token = jwt_assertion("client-1", "svc@example.com", "https://login.salesforce.com", pem)
    header, claims, signature = token.split(".")
    key.public_key().verify(
        base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)),
        f"{header}.{claims}".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert decoded["iss"] == "client-1" and decoded["aud"] == "https://login.salesforce.com"
    assert jwt_subject(token, "client-1") == "svc@example.com"


def test_ca_path_wins_over_requests_ca_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    session = http_session(tmp_path / "ca.pem")
    settings = session.merge_environment_settings("https://127.0.0.1:1", {}, None, None, None)
    assert settings["verify"] == str(tmp_path / "ca.pem")


def test_secrets_stay_out_of_reprs() -> None:
    config = GatewayConfig(client_id="id", client_secret=SecretStr("s3cret-value"))
    assert "s3cret-value" not in repr(config) and "s3cret-value" not in str(config)
    assert "tok-value" not in repr(Token("tok-value", "https://x"))


def test_should_defer_respects_the_configured_share() -> None:
    gw = FakeSalesforceGateway()
    gw.config = gw.config.model_copy(update={"max_share": 0.5})
    assert gw.should_defer() is False  # nothing observed yet
    gw._observe_limit_header("api-usage=49/100")
    assert gw.should_defer() is False
    gw._observe_limit_header("api-usage=50/100")
    assert gw.should_defer() is True and gw.should_defer(urgent=True) is False
    usage = gw.usage()
    assert usage is not None and usage.share == 0.5
