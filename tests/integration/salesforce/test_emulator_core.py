"""Emulator pieces that need no HTTPS round trip: the opt-in validation rule,
SOQL parsing corner cases, and the CLI (argument parsing and a real process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from emulators.salesforce.errors import SfError
from emulators.salesforce.org import Org, OrgConfig
from emulators.salesforce.server import server_from_args
from emulators.salesforce.soql import parse

ROOT = Path(__file__).resolve().parents[3]


def _call(org: Org, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    raw = json.dumps(body).encode() if body is not None else None
    reply = org.handle(method, f"v59.0/{path}", {}, raw, {}, token)
    return reply.status, reply.body


def _token(org: Org) -> str:
    reply = org.token(
        {
            "grant_type": "client_credentials",
            "client_id": org.config.client_id,
            "client_secret": org.config.client_secret,
        }
    )
    return str(reply.body["access_token"])


def test_validation_rule_from_metadata_is_enforced_when_enabled() -> None:
    org = Org(OrgConfig(enforce_validation_rules=True))
    token = _token(org)
    base = {"Name": "x", "CloseDate": "2030-01-01", "Type": "Cross-Sell"}
    status, body = _call(
        org, token, "POST", "sobjects/Opportunity", {**base, "StageName": "Proposal/Price Quote"}
    )
    assert status == 400
    assert body[0]["errorCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert body[0]["fields"] == ["StageName"]
    complete = {
        **base,
        "StageName": "Proposal/Price Quote",
        "Signal_Source__c": "Catalyst",
        "Executive_Sponsor_Name__c": "A",
        "Executive_Sponsor_Title__c": "CFO",
        "Discovery_Answer_1__c": "1",
        "Discovery_Answer_2__c": "2",
        "Discovery_Answer_3__c": "3",
    }
    assert _call(org, token, "POST", "sobjects/Opportunity", complete)[0] == 201
    # Early stages and other opportunity types are not gated.
    assert (
        _call(org, token, "POST", "sobjects/Opportunity", {**base, "StageName": "Prospecting"})[0]
        == 201
    )


def test_validation_rule_is_on_by_default_as_in_a_real_org() -> None:
    org = Org(OrgConfig())
    incomplete = {
        "Name": "x",
        "CloseDate": "2030-01-01",
        "Type": "Cross-Sell",
        "StageName": "Closed Won",
    }
    status, body = _call(org, _token(org), "POST", "sobjects/Opportunity", incomplete)
    assert (status, body[0]["errorCode"]) == (400, "FIELD_CUSTOM_VALIDATION_EXCEPTION")


def test_validation_rule_can_be_switched_off_for_tests() -> None:
    org = Org(OrgConfig(enforce_validation_rules=False))
    status, _ = _call(
        org,
        _token(org),
        "POST",
        "sobjects/Opportunity",
        {"Name": "x", "CloseDate": "2030-01-01", "Type": "Cross-Sell", "StageName": "Closed Won"},
    )
    assert status == 201


@pytest.mark.parametrize(
    "soql",
    [
        "select id from opportunity where name = 'O\\'Brien' and amount in (1, 2.5)",
        "SELECT Id FROM Task WHERE ActivityDate = TODAY OR ActivityDate = LAST_N_DAYS:7",
        "SELECT Id FROM Opportunity WHERE LastModifiedDate > 2024-01-01T00:00:00Z LIMIT 5",
    ],
)
def test_soql_parses(soql: str) -> None:
    parse(soql)


def test_soql_string_escapes() -> None:
    query = parse("SELECT Id FROM Account WHERE Name = 'O\\'Brien\\\\'")
    assert query.where is not None and query.where.value.value == "O'Brien\\"  # type: ignore[union-attr]


def test_soql_rejects_trailing_garbage() -> None:
    with pytest.raises(SfError) as info:
        parse("SELECT Id FROM Account LIMIT 5 garbage")
    assert info.value.error_code == "MALFORMED_QUERY"


def test_cli_arguments_and_environment() -> None:
    server = server_from_args(
        ["--port", "0", "--outbound-rule", "Opportunity:StageName,Amount@http://127.0.0.1:9/om"],
        {"SF_EMULATOR_DAILY_LIMIT": "1234", "SF_EMULATOR_CLIENT_ID": "cid"},
    )
    assert server.org.usage.limit == 1234 and server.client_id == "cid"
    rule = server.org.outbound.rules[0]
    assert (rule.object, rule.fields, rule.endpoint_url) == (
        "Opportunity",
        ("StageName", "Amount"),
        "http://127.0.0.1:9/om",
    )


def test_cli_process_serves_until_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "SF_EMULATOR_STATE_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulators.salesforce.server", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("Salesforce emulator at https://127.0.0.1:")
        assert (tmp_path / "ca.pem").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
