"""The secrets ``crosssell up`` keeps and how they reach its children: by
environment, never as an argument (a secret starting with ``-`` was read as an
option about once in 64 starts, and ``ps`` shows every argument)."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from crosssell import dev_secrets
from crosssell.supervisor import Supervisor
from emulators.salesforce.server import server_from_args
from shared.messages.inbound import SOURCES


def test_one_secret_per_source_kept_0600_and_an_old_file_upgraded(tmp_path: Path) -> None:
    (tmp_path / "dev-secrets.json").write_text(
        json.dumps({"ingest_hmac_secret": "old-shared", "sf_client_secret": "-keep-me"})
    )
    dev = dev_secrets.ensure(tmp_path)
    assert sorted(dev.ingest) == sorted(SOURCES)
    assert len(set(dev.ingest.values())) == len(SOURCES)
    assert "old-shared" not in dev.all_values().values()  # it signed as any source
    assert dev.sf_client_secret == "-keep-me"
    assert stat.S_IMODE((tmp_path / "dev-secrets.json").stat().st_mode) == 0o600
    assert dev_secrets.ensure(tmp_path) == dev  # made once


def test_the_emulator_gets_its_secrets_by_environment_only(tmp_path: Path) -> None:
    data = {
        "ingest_source_secrets": {s: f"-{s}" for s in SOURCES},
        "sf_outbound_token": "-tok/+=",
        "sf_client_secret": "-client",
        "sf_webhook_secret": "-hook",
        "sf_emulator_admin_token": "-admin",
    }
    (tmp_path / "dev-secrets.json").write_text(json.dumps(data))
    up = Supervisor(data_dir=tmp_path, postgres_url="postgresql://x/y", kafka="k:1")
    services = up._service_env()
    assert json.loads(services["INGEST_SOURCE_SECRETS"]) == data["ingest_source_secrets"]
    assert services["SF_OUTBOUND_TOKEN"] == "-tok/+="
    emulator = up._emulator_env(services)
    assert not {"INGEST_SOURCE_SECRETS", "SF_WEBHOOK_SECRET", "SF_OUTBOUND_TOKEN"} & set(emulator)
    server = server_from_args(
        ["--port", "0", "--state-dir", str(tmp_path / "sf")], emulator
    )  # what `crosssell sf-emulator` builds from that environment
    assert server.client_secret == "-client"
    assert server.org.config.admin_token == "-admin"
    [rule] = server.org.outbound.rules
    assert parse_qs(urlsplit(rule.endpoint_url).query) == {"token": ["-tok/+="]}


def test_the_emulator_takes_no_secret_argument(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        server_from_args(["--client-secret", "-x"], {})
    server = server_from_args(["--state-dir", str(tmp_path)], {}, token_file=True)
    token_file = tmp_path / "admin-token"
    assert server.org.config.admin_token == token_file.read_text().strip()
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
