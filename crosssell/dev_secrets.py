"""The secrets of a local system (``crosssell up``): made once, kept 0600 in
``<data-dir>/dev-secrets.json``, handed to the children by environment only.

One ingest secret per source of SPEC section 4 (a secret signs only as its
own source: ``X-Crosssell-Source`` picks the secret the signature must match),
the Outbound Message token (in the emulator's outbound URL, as a real org's
endpoint URL carries it), the Salesforce client and webhook secrets, and the
emulator's admin token. Readers (``crosssell demo``, the chaos and bench
tools, the tests that run ``crosssell up``) use ``load`` and the helpers here.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from shared.messages.inbound import SOURCES

FILE_NAME = "dev-secrets.json"
# The services' secrets the emulator has no use for (it gets only its own).
NOT_FOR_THE_EMULATOR = frozenset(
    {"INGEST_SOURCE_SECRETS", "INGEST_HMAC_SECRET", "SF_WEBHOOK_SECRET", "SF_OUTBOUND_TOKEN"}
)


@dataclass(frozen=True)
class DevSecrets:
    path: Path
    ingest: dict[str, str]  # source -> its HMAC secret
    sf_outbound_token: str
    sf_client_secret: str
    sf_webhook_secret: str
    sf_emulator_admin_token: str

    def ingest_secret(self, source: str) -> str:
        try:
            return self.ingest[source]
        except KeyError:
            raise KeyError(f"no ingest secret for source {source!r} in {self.path}") from None

    def emulator_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.sf_emulator_admin_token}"}

    def all_values(self) -> dict[str, str]:
        """name -> secret, for a scan that no secret reached a log."""
        values = {f"ingest secret ({s})": v for s, v in self.ingest.items()}
        values.update(
            sf_outbound_token=self.sf_outbound_token,
            sf_client_secret=self.sf_client_secret,
            sf_webhook_secret=self.sf_webhook_secret,
            sf_emulator_admin_token=self.sf_emulator_admin_token,
        )
        return values


def _token(nbytes: int) -> str:
    return secrets.token_urlsafe(nbytes)


def ensure(data_dir: Path) -> DevSecrets:
    """The data dir's secrets, adding any that are missing (an older file had
    one ingest secret for every source: it is replaced by per-source ones)."""
    path = data_dir / FILE_NAME
    data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    before = json.dumps(data, sort_keys=True)
    data.pop("ingest_hmac_secret", None)
    ingest = data.setdefault("ingest_source_secrets", {})
    for source in SOURCES:
        ingest.setdefault(source, _token(32))
    data.setdefault("sf_outbound_token", _token(24))
    data.setdefault("sf_client_secret", _token(24))
    data.setdefault("sf_webhook_secret", _token(24))
    data.setdefault("sf_emulator_admin_token", _token(24))
    if json.dumps(data, sort_keys=True) != before:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2))
        os.chmod(tmp, 0o600)
        tmp.replace(path)
    return load(data_dir)


def load(data_dir: Path) -> DevSecrets:
    path = data_dir / FILE_NAME
    data = json.loads(path.read_text())
    return DevSecrets(
        path=path,
        ingest=dict(data["ingest_source_secrets"]),
        sf_outbound_token=data["sf_outbound_token"],
        sf_client_secret=data["sf_client_secret"],
        sf_webhook_secret=data["sf_webhook_secret"],
        sf_emulator_admin_token=data["sf_emulator_admin_token"],
    )


def emulator_env(env: dict[str, str], outbound_url: str, dev: DevSecrets) -> dict[str, str]:
    """The emulator's environment: its client credentials, its admin token and
    its Outbound Message rule, whose endpoint URL carries the token as a real
    org's does (``?token=``): all in variables, none as an argument."""
    # crm_sync's own list of the fields it reads (imported here, where it is used).
    from services.crm_sync.settings import DEFAULT_OUTBOUND_FIELDS

    rule = {
        "object": "Opportunity",
        "fields": list(DEFAULT_OUTBOUND_FIELDS),
        "endpoint_url": f"{outbound_url}?token={quote(dev.sf_outbound_token, safe='')}",
    }
    return {
        **{k: v for k, v in env.items() if k not in NOT_FOR_THE_EMULATOR},
        "SF_EMULATOR_CLIENT_ID": env["SF_CLIENT_ID"],
        "SF_EMULATOR_CLIENT_SECRET": env["SF_CLIENT_SECRET"],
        "SF_EMULATOR_ADMIN_TOKEN": dev.sf_emulator_admin_token,
        "SF_EMULATOR_OUTBOUND_RULES": json.dumps([rule]),
    }


def secrets_note(data_dir: Path) -> str:
    path = data_dir / FILE_NAME
    return (
        f"secrets (0600): {path}\n"
        "  ingest_source_secrets.<source>  signs POST /v1/events as that source only\n"
        "  sf_outbound_token  in the emulator's Outbound Message URL (?token=)\n"
        "  sf_emulator_admin_token  Authorization: Bearer for the emulator's /admin\n"
        "  sf_client_secret, sf_webhook_secret  Salesforce OAuth and webhook signing\n"
        "  to sign as the product source:\n"
        f"  export PRODUCT_SECRET=$(python3 -c \"import json; print(json.load(open('{path}'))"
        "['ingest_source_secrets']['product'])\")"
    )
