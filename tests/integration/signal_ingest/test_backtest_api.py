"""``POST /v1/backtests`` (admin scope) runs a backtest as a job against the
service's own journal; ``GET /v1/backtests/{id}`` follows it to the result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.signal_ingest.domain import CatalogError, parse_catalog
from tests.support.isolation import new_isolation
from tests.support.kafka import wait_until

from .harness import SAMPLE_CATALOG, canonical, running

pytestmark = pytest.mark.slow


def _catalog(**settings: Any) -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(SAMPLE_CATALOG.read_text())
    raw["settings"].update(settings)
    return raw


def _at(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


async def test_backtest_job_reports_progress_and_the_candidates_extra_signal(
    pg_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    async with running(new_isolation(pg_url, kafka_bootstrap, tmp_path), tmp_path) as pipeline:
        account = "001BT0001"
        profile = {
            "name": "Backtest Co",
            "csm_owner": "Casey",
            "ae_owner": "Alex",
            "health": "green",
            "products": [
                {
                    "product": "workflow_platform",
                    "tier": "business",
                    "acv": 90_000,
                    "renewal_date": (datetime.now(UTC) + timedelta(days=300)).date().isoformat(),
                    "adoption_pct": 85,
                }
            ],
        }
        await pipeline.post(
            "salesforce", [canonical(account, "account.profile", profile, "salesforce", _at(5))]
        )
        usage = [
            canonical(
                account,
                "usage.metric",
                {"product": "workflow_platform", "metric": "api_calls", "value": v, "limit": 100},
                "product",
                _at(4 - i),
            )
            for i, v in enumerate((60, 77))
        ]
        await pipeline.post("product", usage)
        admin = pipeline.bearer("admin")

        bad = _catalog(usage_ceiling_fire_pct=65)
        with pytest.raises(CatalogError) as start_up:
            parse_catalog(bad)
        response = await pipeline.http.post("/v1/backtests", json={"catalog": bad}, headers=admin)
        assert response.status_code == 422
        assert response.json()["detail"] == str(start_up.value)
        good = {"catalog": _catalog(usage_ceiling_fire_pct=75), "accounts": [account]}
        response = await pipeline.http.post("/v1/backtests", json=good, headers=pipeline.auth)
        assert response.status_code == 403

        # the 202 above came after the journal commit: the backtest sees all three
        response = await pipeline.http.post("/v1/backtests", json=good, headers=admin)
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]

        async def finished() -> dict[str, Any] | None:
            r = await pipeline.http.get(
                f"/v1/backtests/{job_id}", params={"signals": "true"}, headers=pipeline.auth
            )
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            return body if body["status"] != "running" else None

        job = await wait_until(finished, timeout_s=60, interval_s=0.3)
        assert job["status"] == "done", job
        assert job["progress"] == {"events_done": 3, "events_total": 3}
        result = job["result"]
        live = result["runs"]["live"]["breakdown"]
        candidate = result["runs"]["candidate"]["breakdown"]
        assert live == []  # 77% is under the live 80% ceiling
        assert [(r["signal_type"], r["qualified"], r["plays"]) for r in candidate] == [
            ("usage_ceiling", 1, 1)
        ]
        assert [s["status"] for s in result["signals"]] == ["qualified"]
        missing = await pipeline.http.get("/v1/backtests/bt-nope", headers=pipeline.auth)
        assert missing.status_code == 404
