"""``crosssell backtest`` refuses a candidate catalog that does not validate,
with the message the service gives at start-up, before touching any history."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from crosssell.cli import app
from services.signal_ingest.domain import CatalogError, load_catalog
from tests.unit.signal_ingest.builders import SAMPLE_CATALOG


def _bad_catalog(tmp_path: Path) -> Path:
    raw = yaml.safe_load(SAMPLE_CATALOG.read_text())
    raw["settings"]["usage_ceiling_fire_pct"] = 65  # below the 70% re-arm: invalid
    raw["settings"]["weights"]["no_such_signal"] = 3
    path = tmp_path / "candidate.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_invalid_candidate_is_refused_with_the_start_up_message(tmp_path: Path) -> None:
    path = _bad_catalog(tmp_path)
    with pytest.raises(CatalogError) as start_up:
        load_catalog(path)  # what the service says when it refuses to start
    result = CliRunner().invoke(
        app,
        ["backtest", "--catalog", str(path), "--database-url", "postgresql://nobody@127.0.0.1:1/x"],
        env={"COLUMNS": "400"},
    )
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())
    assert "candidate catalog refused" in output
    assert " ".join(str(start_up.value).split()) in output
    assert "replay" not in output  # refused before any replay began


def test_missing_candidate_file_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["backtest", "--catalog", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2
    assert "cannot read" in result.output
