"""OAuth2 token endpoint and the sessions it issues.

Grants: client_credentials (acts as the integration user), password (acts as
the named user, so a test can play a rep) and the JWT bearer flow. The JWT is
checked for structure, issuer, subject and expiry only — the emulator has no
certificate to verify a signature against.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emulators.salesforce.users import INTEGRATION_USERNAME, Users

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass
class Session:
    user_id: str
    username: str
    expires_at: float


@dataclass
class Sessions:
    ttl_s: float
    tokens: dict[str, Session] = field(default_factory=dict)

    def issue(self, org_id: str, user_id: str, username: str) -> str:
        token = f"{org_id[:15]}!{secrets.token_urlsafe(72)}"
        self.tokens[token] = Session(user_id, username, time.monotonic() + self.ttl_s)
        return token

    def check(self, token: str | None) -> Session | None:
        session = self.tokens.get(token or "")
        if session is None:
            return None
        if time.monotonic() >= session.expires_at:
            del self.tokens[token or ""]
            return None
        return session

    def expire_all(self) -> int:
        count = len(self.tokens)
        self.tokens.clear()
        return count


class TokenError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.body = {"error": error, "error_description": description}


def _b64json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode()))


def jwt_subject(assertion: str, client_id: str) -> str:
    """Validate a JWT bearer assertion's shape and claims; return its subject."""
    parts = assertion.split(".")
    if len(parts) != 3 or not all(parts):
        raise TokenError("invalid_grant", "invalid assertion")
    try:
        header, claims = _b64json(parts[0]), _b64json(parts[1])
        base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
    except (ValueError, binascii.Error):
        raise TokenError("invalid_grant", "invalid assertion") from None
    if not isinstance(header, dict) or not header.get("alg") or not isinstance(claims, dict):
        raise TokenError("invalid_grant", "invalid assertion")
    if claims.get("iss") != client_id:
        raise TokenError("invalid_client_id", "client identifier invalid")
    if not claims.get("sub") or not claims.get("aud"):
        raise TokenError("invalid_grant", "invalid assertion")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp < time.time():
        raise TokenError("invalid_grant", "expired authorization code")
    return str(claims["sub"])


@dataclass
class TokenIssuer:
    org_id: str
    client_id: str
    client_secret: str
    sessions: Sessions
    users: Users

    def grant(self, form: Mapping[str, str], instance_url: str) -> dict[str, Any]:
        grant = form.get("grant_type", "")
        if grant == JWT_GRANT:
            username = jwt_subject(form.get("assertion", ""), self.client_id)
        else:
            # Salesforce names the wrong part: an unknown app, or a wrong secret for it.
            if not hmac.compare_digest(form.get("client_id", ""), self.client_id):
                raise TokenError("invalid_client_id", "client identifier invalid")
            if not hmac.compare_digest(form.get("client_secret", ""), self.client_secret):
                raise TokenError("invalid_client", "invalid client credentials")
            if grant == "client_credentials":
                username = INTEGRATION_USERNAME
            elif grant == "password":
                username = form.get("username", "")
                if not username or not form.get("password"):
                    raise TokenError("invalid_grant", "authentication failure")
            else:
                raise TokenError("unsupported_grant_type", "grant type not supported")
        user_id = self.users.user_id(username)
        token = self.sessions.issue(self.org_id, user_id, username)
        identity = f"{instance_url}/id/{self.org_id}/{user_id}"
        issued_at = str(int(time.time() * 1000))
        digest = hmac.new(
            self.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
        ).digest()
        return {
            "access_token": token,
            "instance_url": instance_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(digest).decode(),
            "scope": "api",
        }
