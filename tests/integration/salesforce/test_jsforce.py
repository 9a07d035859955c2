"""The emulator as jsforce (a client nobody here wrote) sees it, over HTTPS.

``jsforce/emulator.spec.mjs`` runs every case once against the session's
emulator and reports each; one pytest case per spec case shows which
Salesforce behaviour broke. Needs ``node`` and ``node_modules/jsforce``
(``npm ci``, which ``.ci/run`` does): without them the tests skip locally,
and fail under CI (``CI`` set), so CI can never pass by skipping them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from emulators.salesforce.server import EmulatorServer

ROOT = Path(__file__).resolve().parents[3]
SPEC = Path(__file__).parent / "jsforce" / "emulator.spec.mjs"
CASES = (
    "oauth_client_credentials",
    "oauth_errors_name_the_wrong_part",
    "identity_and_userinfo",
    "collections_create_update_with_lowercase_id",
    "collections_retrieve_post_and_get",
    "collections_upsert_by_external_id",
    "soql_owner_name_count_group_by",
    "soql_child_subquery_and_date_literals",
    "query_columns_true",
    "limits_main_entries",
    "errors_are_salesforce_arrays",
    "validation_rule_is_enforced",
    "bulk2_ingest_upsert_with_a_failed_row",
    "bulk2_insert_csv_then_delete",
    "collections_delete_and_describe",
    "bulk2_query",
)


def _require_node() -> None:
    missing = []
    if shutil.which("node") is None:
        missing.append("node")
    if not (ROOT / "node_modules" / "jsforce").is_dir():
        missing.append("node_modules/jsforce (run `npm ci`)")
    if not missing:
        return
    reason = "jsforce suite needs " + ", ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(reason + " — under CI this is a failure, not a skip")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def report(emulator: EmulatorServer) -> dict[str, Any]:
    _require_node()
    env = {
        **os.environ,
        "SF_URL": emulator.base_url,
        "SF_CLIENT_ID": emulator.client_id,
        "SF_CLIENT_SECRET": emulator.client_secret,
        "RUN_ID": uuid.uuid4().hex[:10],
        "NODE_EXTRA_CA_CERTS": str(emulator.ca_path),
    }
    done = subprocess.run(
        ["node", str(SPEC)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0 and lines, f"node failed:\n{done.stdout}\n{done.stderr}"
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def test_the_spec_runs_exactly_these_cases(report: dict[str, Any]) -> None:
    assert sorted(report) == sorted(CASES)


@pytest.mark.parametrize("case", CASES)
def test_jsforce(report: dict[str, Any], case: str) -> None:
    assert report.get(case) == "ok", report.get(case)
