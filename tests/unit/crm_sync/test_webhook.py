from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from services.crm_sync.domain.webhook import (
    WEBHOOK_JSON_SCHEMA,
    SignatureError,
    WebhookParseError,
    parse_webhook,
    sign,
    verify_signature,
)

SECRET = b"whsec-test-3f9a1c"
NOW = 1_793_800_000
BODY = json.dumps(
    [
        {
            "notification_id": "a0B5g000001-1",
            "organization_id": "00D5g000004XyZAEA0",
            "sobject": "Opportunity",
            "record": {
                "Id": "0065g000000AAAAAAA",
                "StageName": "Closed Won",
                "Amount": 26500,
                "IsClosed": True,
                "Executive_Sponsor_Name__c": None,
            },
            "changed_at": "2026-11-02T14:00:00Z",
            "changed_by_id": "0055g000003AbCdAAK",
        }
    ]
).encode()


def header_for(body: bytes, t: int, secret: bytes = SECRET) -> str:
    mac = hmac.new(secret, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def test_valid_signature_passes() -> None:
    verify_signature(SECRET, header_for(BODY, NOW - 10), BODY, NOW)
    assert sign(SECRET, BODY, NOW) == header_for(BODY, NOW)
    verify_signature(SECRET, header_for(BODY, NOW - 300), BODY, NOW)  # edge of tolerance


def test_rotating_secret_with_two_signatures_passes() -> None:
    old = header_for(BODY, NOW, b"old-secret").split(",")[1]
    verify_signature(SECRET, f"{header_for(BODY, NOW)},{old}", BODY, NOW)
    verify_signature(SECRET, f"t={NOW},{old},{header_for(BODY, NOW).split(',')[1]}", BODY, NOW)


@pytest.mark.parametrize(
    ("header", "body", "reason"),
    [
        (None, BODY, "missing signature header"),
        ("", BODY, "missing signature header"),
        (header_for(BODY, NOW, b"wrong-secret"), BODY, "signature mismatch"),
        (header_for(BODY, NOW), BODY + b" ", "signature mismatch"),
        (  # t is signed too: moving it breaks the signature
            header_for(BODY, NOW).replace(f"t={NOW}", f"t={NOW + 1}"),
            BODY,
            "signature mismatch",
        ),
        ("sha256=abcdef", BODY, "malformed signature header"),
        (f"t={NOW}", BODY, "malformed signature header"),
        (f"t=abc,v1={'0' * 64}", BODY, "malformed signature header"),
        (f"t={NOW},v1=xyz", BODY, "malformed signature header"),
        (f"t={NOW},t={NOW},v1={'0' * 64}", BODY, "malformed signature header"),
        (f"t={NOW},v1={'é' * 64}", BODY, "malformed signature header"),
        (header_for(BODY, NOW - 301), BODY, "timestamp outside tolerance"),
        (header_for(BODY, NOW + 301), BODY, "timestamp outside tolerance"),
    ],
)
def test_bad_signatures_are_refused_with_a_reason(
    header: str | None, body: bytes, reason: str
) -> None:
    with pytest.raises(SignatureError) as caught:
        verify_signature(SECRET, header, body, NOW)
    assert caught.value.reason == reason


def test_replayed_request_is_refused_later() -> None:
    header = header_for(BODY, NOW)
    verify_signature(SECRET, header, BODY, NOW)
    with pytest.raises(SignatureError, match="outside tolerance"):
        verify_signature(SECRET, header, BODY, NOW + 3600)


def test_empty_secret_is_a_configuration_error() -> None:
    with pytest.raises(ValueError):
        verify_signature(b"", header_for(BODY, NOW), BODY, NOW)


def test_body_parses_into_notifications_shaped_like_outbound_messages() -> None:
    [item] = parse_webhook(BODY)
    note = item.to_notification()
    assert note.id == "a0B5g000001-1"
    assert note.sobject_type == "Opportunity"
    assert note.fields == {
        "Id": "0065g000000AAAAAAA",
        "StageName": "Closed Won",
        "Amount": "26500",
        "IsClosed": "true",
        "Executive_Sponsor_Name__c": None,
        "LastModifiedById": "0055g000003AbCdAAK",
    }
    assert item.organization_id == "00D5g000004XyZAEA0"


def one(**overrides: object) -> dict[str, object]:
    item: dict[str, object] = json.loads(BODY)[0]
    item.update(overrides)
    return item


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ([], "body"),
        ([one()] * 101, "body"),
        ({"notifications": [one()]}, "body"),
        ([one(sobject="Account")], "0.sobject"),
        ([one(record={"StageName": "Closed Won"})], "0.record"),
        ([one(changed_at="2026-11-02T14:00:00")], "0.changed_at"),
        ([one(notification_id="")], "0.notification_id"),
        ([one(extra="field")], "0.extra"),
    ],
)
def test_invalid_bodies_are_refused_naming_the_field(payload: object, where: str) -> None:
    with pytest.raises(WebhookParseError) as caught:
        parse_webhook(json.dumps(payload).encode())
    assert caught.value.reason.startswith(where)


def test_not_json_and_oversize_are_refused() -> None:
    with pytest.raises(WebhookParseError):
        parse_webhook(b"{not json")
    with pytest.raises(WebhookParseError, match="larger than"):
        parse_webhook(b"[" + b" " * (1024 * 1024) + b"]")


def test_hundred_notifications_are_accepted_and_schema_is_published() -> None:
    assert len(parse_webhook(json.dumps([one()] * 100).encode())) == 100
    assert WEBHOOK_JSON_SCHEMA["type"] == "array"
    assert WEBHOOK_JSON_SCHEMA["maxItems"] == 100
