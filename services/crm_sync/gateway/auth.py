"""OAuth2 tokens for the adapter: client credentials, or JWT bearer for real orgs.

simple-salesforce's own login flows always call ``https://{domain}.salesforce.com``
and, in direct mode, never refresh; so the adapter fetches tokens itself and
rebuilds the client when a session expires.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from services.crm_sync.gateway.config import GatewayConfig
from services.crm_sync.gateway.core import Transient
from services.crm_sync.gateway.port import SalesforceAuthError

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass(frozen=True)
class Token:
    access_token: str
    instance_url: str

    def __repr__(self) -> str:  # keep the bearer token out of logs and tracebacks
        return f"Token(instance_url={self.instance_url!r})"


class CaPinnedSession(requests.Session):
    """A session whose ``verify`` path wins over REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE.

    requests lets those variables override ``Session.verify`` for every
    request, which would silently swap the emulator's CA for the system store.
    """

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if isinstance(self.verify, str):
            settings["verify"] = self.verify
        return settings


def http_session(ca_path: Path | None) -> requests.Session:
    session = CaPinnedSession()
    if ca_path is not None:
        session.verify = str(ca_path)
    return session


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_assertion(
    client_id: str,
    username: str,
    audience: str,
    private_key_pem: bytes,
    now: float | None = None,
    lifetime_s: int = 180,
) -> str:
    """An RS256-signed JWT for Salesforce's OAuth 2.0 JWT bearer flow."""
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SalesforceAuthError("the JWT bearer flow needs an RSA private key")
    issued = int(now if now is not None else time.time())
    header = _b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    claims = _b64url(
        json.dumps(
            {"iss": client_id, "sub": username, "aud": audience, "exp": issued + lifetime_s}
        ).encode()
    )
    signing_input = f"{header}.{claims}".encode()
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{claims}.{_b64url(signature)}"


def _form(config: GatewayConfig) -> dict[str, str]:
    if config.auth_flow == "jwt_bearer":
        if not (config.username and config.private_key_path):
            raise SalesforceAuthError("jwt_bearer needs username and private_key_path")
        assertion = jwt_assertion(
            config.client_id,
            config.username,
            config.jwt_audience or config.login_url,
            Path(config.private_key_path).read_bytes(),
        )
        return {"grant_type": JWT_GRANT, "assertion": assertion}
    secret = config.client_secret.get_secret_value() if config.client_secret else ""
    return {
        "grant_type": "client_credentials",
        "client_id": config.client_id,
        "client_secret": secret,
    }


def fetch_token(session: requests.Session, config: GatewayConfig) -> Token:
    """POST the token request (blocking: call it from a worker thread)."""
    url = config.login_url.rstrip("/") + "/services/oauth2/token"
    try:
        response = session.post(url, data=_form(config), timeout=config.timeout_s)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise Transient("TOKEN_UNREACHABLE", type(exc).__name__) from None
    if response.status_code >= 500:
        raise Transient("TOKEN_UNAVAILABLE", f"HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or "access_token" not in body:
        # The error body names the problem (invalid_grant, invalid_client_id), never secrets.
        raise SalesforceAuthError(
            f"token request refused: HTTP {response.status_code} {body.get('error', '')} "
            f"{body.get('error_description', '')}".strip()
        )
    return Token(str(body["access_token"]), str(config.instance_url or body["instance_url"]))
