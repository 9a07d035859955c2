"""The versioned rules file: what it must carry, and clear errors when it is wrong."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.play_orchestrator.coaching.language import (
    DEFAULT_RULES_PATH,
    LanguageRulesError,
    check_language,
    default_language_rules,
    load_language_rules,
    parse_language_rules,
)


def shipped() -> dict[str, Any]:
    data = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return copy.deepcopy(data)


def with_rule_patterns(rule_id: str, patterns: list[str]) -> dict[str, Any]:
    data = shipped()
    rule = next(r for r in data["rules"] if r["id"] == rule_id)
    rule["patterns"] = patterns
    return data


def test_shipped_file_is_versioned_and_reviewed() -> None:
    rules = default_language_rules()
    assert rules.version >= 1
    assert rules.reviewed_by.strip()
    assert rules.reviewed_at.year >= 2026
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    assert "# Changelog" in text
    assert f"#   {rules.version} (" in text, "changelog has no entry for the current version"


def test_shipped_file_covers_every_required_rule() -> None:
    ids = {r.id: r.category for r in default_language_rules().rules}
    for rule_id in (
        "pitch_new_product",
        "generalized_peers",
        "deadline_discount",
        "category_future",
        "deck_instead_of_diagnostic",
        "executive_meeting_upfront",
        "loop_in_finance",
    ):
        assert ids[rule_id] == "banned"
    for rule_id in (
        "missing_signal_reference",
        "missing_diagnostic_ask",
        "missing_neutrality_line",
    ):
        assert ids[rule_id] == "missing"


def test_bad_regex_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(with_rule_patterns("loop_in_finance", [r"loop\s+in\s+(your"])))
    with pytest.raises(LanguageRulesError) as caught:
        load_language_rules(path)
    message = str(caught.value)
    assert str(path) in message
    assert "loop_in_finance" in message
    assert "pattern #1" in message
    assert "not a valid regular expression" in message


def test_catastrophic_pattern_is_rejected() -> None:
    with pytest.raises(LanguageRulesError, match="backtrack catastrophically"):
        parse_language_rules(with_rule_patterns("weak_opener", [r"(?:a+)+b"]))
    with pytest.raises(LanguageRulesError, match="backtrack catastrophically"):
        parse_language_rules(with_rule_patterns("weak_opener", [r"(?:\w+\s?)*done"]))
    # tightly bounded nesting (the gap macros) is fine
    parse_language_rules(with_rule_patterns("weak_opener", [r"(?:[\w-]+\s+){0,3}done"]))


def test_unknown_macro_and_upper_case_are_rejected() -> None:
    with pytest.raises(LanguageRulesError, match="unknown macro"):
        parse_language_rules(with_rule_patterns("weak_opener", [r"{{nope}}\s+done"]))
    with pytest.raises(LanguageRulesError, match="lower case"):
        parse_language_rules(with_rule_patterns("weak_opener", [r"Checking\s+in"]))


def test_structural_problems_name_the_field() -> None:
    data = shipped()
    del data["reviewed_by"]
    with pytest.raises(LanguageRulesError, match="reviewed_by"):
        parse_language_rules(data)
    data = shipped()
    data["rules"][0]["severity"] = "critical"
    with pytest.raises(LanguageRulesError, match=r"rules\.0\.severity"):
        parse_language_rules(data)
    data = shipped()
    data["rules"].append(copy.deepcopy(data["rules"][0]))
    with pytest.raises(LanguageRulesError, match="duplicate rule ids: pitch_new_product"):
        parse_language_rules(data)


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(LanguageRulesError, match="cannot read"):
        load_language_rules(tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("rules: [unclosed")
    with pytest.raises(LanguageRulesError, match="cannot read"):
        load_language_rules(broken)


def test_custom_rules_are_used_by_the_check() -> None:
    data = shipped()
    data["version"] = 99
    data["rules"] = [
        {
            "id": "no_synergy",
            "category": "banned",
            "severity": "low",
            "description": "Says synergy instead of naming the gain.",
            "rewrite": "Name the hours or errors saved instead.",
            "patterns": [r"synerg(?:y|ies)"],
        }
    ]
    rules = parse_language_rules(data)
    report = check_language("Real synergies here.", rules)
    assert report.rules_version == 99
    assert [(f.rule_id, f.span) for f in report.findings] == [("no_synergy", (5, 14))]
