"""Who is sending: HMAC signatures per source, or the vendor's own token.

``POST /v1/events`` must carry ``X-Crosssell-Source`` and an
``X-Crosssell-Signature`` made with that source's secret; every event in the
batch must then claim that source. The header picks the secret, so a source's
secret signs only as that source (``INGEST_SOURCE_SECRETS``, what
``crosssell up`` configures); the shared ``INGEST_HMAC_SECRET`` is a fallback
for sources without their own, and signs as any of them.
ChurnZero may instead send its ``appKey`` in each action, and Gainsight its
``sharedSecret`` header, when those are configured. Without any configured
secret for a source, its pushes are refused: there is no anonymous ingest.
"""

from __future__ import annotations

import hmac
import time
from typing import Any

import orjson
from fastapi import HTTPException, status
from pydantic import SecretStr

from services.signal_ingest.settings import SignalIngestSettings
from shared.signature import SignatureError, verify_signature


def _unauthorized(reason: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, reason, headers={"WWW-Authenticate": "Signature"}
    )


def secret_for(settings: SignalIngestSettings, source: str) -> SecretStr | None:
    return settings.ingest_source_secrets.get(source) or settings.ingest_hmac_secret


def check_signature(
    settings: SignalIngestSettings, source: str, header: str | None, body: bytes
) -> None:
    secret = secret_for(settings, source)
    if secret is None:
        raise _unauthorized(f"no signing secret is configured for source '{source}'")
    try:
        verify_signature(
            secret.get_secret_value().encode(),
            header,
            body,
            int(time.time()),
            settings.signature_tolerance_s,
        )
    except SignatureError as exc:
        raise _unauthorized(f"signature refused: {exc.reason}") from exc


def check_churnzero_app_key(expected: SecretStr | None, body: bytes) -> Any:
    """The decoded actions, once every one carries the configured ``appKey``.

    The key travels inside the body, so the body has to be decoded to find it;
    whatever is wrong with a body that does not carry it is still a 401: an
    unauthenticated sender learns nothing about how its body was read."""
    if expected is None:
        raise _unauthorized("no ChurnZero appKey is configured; sign the request instead")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        payload = None
    keys = (
        {a.get("appKey") for a in payload if isinstance(a, dict)}
        if isinstance(payload, list)
        else set()
    )
    given = keys.pop() if len(keys) == 1 else None
    check_token(expected, given if isinstance(given, str) else None, "ChurnZero appKey")
    return payload


def check_token(expected: SecretStr | None, given: str | None, what: str) -> None:
    if expected is None:
        raise _unauthorized(f"no {what} is configured; sign the request instead")
    if not given or not hmac.compare_digest(expected.get_secret_value(), given):
        raise _unauthorized(f"{what} missing or wrong")
