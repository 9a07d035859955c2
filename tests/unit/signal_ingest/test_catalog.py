"""Catalog loading and validation errors that name the bad key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.signal_ingest.domain import CatalogError, load_catalog, parse_catalog

from .builders import SAMPLE_CATALOG


def _raw() -> dict[str, Any]:
    return yaml.safe_load(SAMPLE_CATALOG.read_text())


def test_sample_catalog_loads_with_spec_defaults() -> None:
    cat = load_catalog(SAMPLE_CATALOG)
    s = cat.settings
    assert (s.usage_ceiling_fire_pct, s.usage_ceiling_rearm_pct) == (80, 70)
    assert (s.adjacent_pain_min_requesters, s.adjacent_pain_window_days) == (3, 60)
    assert (s.workaround_min_events, s.workaround_window_days) == (3, 30)
    assert (s.renewal_window_days_ahead, s.renewal_quiet_days_after_close) == (60, 30)
    assert (s.low_adoption_pct, s.declining_usage_pct) == (60, 20)
    assert (s.competitor_bought_lookback_days, s.cooldown_days, s.play_window_days) == (548, 90, 14)
    assert len(cat.core_products) >= 2 and len(cat.adjacent_products) >= 3


def test_defaults_apply_when_settings_are_omitted() -> None:
    raw = _raw()
    del raw["settings"]
    assert parse_catalog(raw).settings == load_catalog(SAMPLE_CATALOG).settings


def _set(raw: dict[str, Any], path: str, value: Any) -> None:
    node: Any = raw
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last = parts[-1]
    if value is _DELETE:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("settings.usage_ceiling_fire_pct", 120, "settings.usage_ceiling_fire_pct"),
        ("settings.usage_ceiling_rearm_pct", 85, "usage_ceiling_rearm_pct must be below"),
        ("settings.cooldown_dayz", 3, "settings.cooldown_dayz: Extra inputs are not permitted"),
        ("settings.weights.usage_ceiling", _DELETE, "missing signal types ['usage_ceiling']"),
        ("settings.weights.renewal", 3, "settings.weights.renewal"),
        ("adjacent_products.0.extends", ["crm_suite"], "unknown core product 'crm_suite'"),
        ("adjacent_products.0.ceiling_metrics.0.metric", "logins", "unknown metric 'logins'"),
        ("adjacent_products.1.id", "insights_analytics", "duplicate id 'insights_analytics'"),
        ("adjacent_products.0.id", "Bad Id", "adjacent_products[0].id"),
        ("adjacent_products.0.name", _DELETE, "adjacent_products[0].name: Field required"),
        ("core_products.0.primary_metric", "logins", "primary_metric 'logins' is not in metrics"),
        ("adjacent_products", [], "adjacent_products"),
    ],
)
def test_validation_errors_name_the_key(path: str, value: Any, message: str) -> None:
    raw = copy.deepcopy(_raw())
    _set(raw, path, value)
    with pytest.raises(CatalogError) as err:
        parse_catalog(raw)
    assert message in str(err.value)


def test_load_errors_are_readable(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("settings: [unclosed\n")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog(bad)
    bad.write_text("- a list\n")
    with pytest.raises(CatalogError, match="top level must be a mapping"):
        load_catalog(bad)
