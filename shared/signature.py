"""HMAC-SHA256 request signatures: ``X-Crosssell-Signature: t=<unix>,v1=<hex>``.

The signed string is ``"{t}.{body}"`` with a per-source secret; a timestamp
outside the tolerance (300 s by default) is refused, so a captured request
cannot be replayed later. Used by the ingest endpoints and the Salesforce
webhook.
"""

from __future__ import annotations

import hashlib
import hmac
import re

DEFAULT_TOLERANCE_S = 300
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_UNIX = re.compile(r"[0-9]{1,12}")


class SignatureError(Exception):
    """The request is not signed by the holder of the secret; ``reason`` says how."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sign(secret: bytes, body: bytes, timestamp: int) -> str:
    """The ``X-Crosssell-Signature`` value for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify_signature(
    secret: bytes,
    header: str | None,
    body: bytes,
    now_unix: int,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> None:
    """Return when the header signs ``body`` recently enough; else ``SignatureError``."""
    if not secret:
        raise ValueError("no webhook secret configured")
    if header is None or not header.strip():
        raise SignatureError("missing signature header")
    timestamp, candidates = _parse_header(header)
    if abs(now_unix - timestamp) > tolerance_s:
        raise SignatureError("timestamp outside tolerance")
    expected = _digest(secret, timestamp, body).encode()
    matched = False
    for candidate in candidates:
        # Check every candidate, so timing does not tell which one matched.
        matched |= hmac.compare_digest(expected, candidate.lower().encode())
    if not matched:
        raise SignatureError("signature mismatch")


def _parse_header(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError("malformed signature header")
        if key == "t":
            if timestamp is not None or not _UNIX.fullmatch(value):
                raise SignatureError("malformed signature header")
            timestamp = int(value)
        elif key == "v1":
            if not _HEX_SHA256.fullmatch(value):
                raise SignatureError("malformed signature header")
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("malformed signature header")
    return timestamp, candidates


def _digest(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
