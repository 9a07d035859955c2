from __future__ import annotations

import itertools
from datetime import date

import pytest

from services.crm_sync.domain import fields as f
from services.crm_sync.domain.hygiene import (
    EnforcementConfig,
    OpportunityChange,
    enforce,
    hygiene_text,
    missing_items,
)
from services.crm_sync.domain.tasks import TaskAction, parse_task_key

COMPLETE = {
    f.SIGNAL_SOURCE: "Gainsight",
    f.SPONSOR_NAME: "Priya Raman",
    f.SPONSOR_TITLE: "VP Finance Operations",
    f.DISCOVERY_1: "Month-end close runs on exported spreadsheets.",
    f.DISCOVERY_2: "Two analysts lose four days a month reconciling; errors reach the board deck.",
    f.DISCOVERY_3: "Automated reconciliation; the controller feels it first.",
}
LABELS = {
    f.SIGNAL_SOURCE: "Signal source",
    f.SPONSOR_NAME: "Executive sponsor name",
    f.SPONSOR_TITLE: "Executive sponsor title",
    f.DISCOVERY_1: "Discovery answer 1",
    f.DISCOVERY_2: "Discovery answer 2",
    f.DISCOVERY_3: "Discovery answer 3",
}
ORDER = list(LABELS)


@pytest.mark.parametrize("absent", list(itertools.product([False, True], repeat=6)))
def test_every_missing_combination_is_labelled_in_order(absent: tuple[bool, ...]) -> None:
    record = {
        name: (None if gone else COMPLETE[name]) for name, gone in zip(ORDER, absent, strict=True)
    }
    expected = [LABELS[name] for name, gone in zip(ORDER, absent, strict=True) if gone]
    assert missing_items(record) == expected
    assert hygiene_text(expected) == (
        "Complete" if not expected else "Missing: " + ", ".join(expected)
    )


@pytest.mark.parametrize("blank", [None, "", "   ", "\t\n"])
def test_blank_and_whitespace_count_as_missing(blank: str | None) -> None:
    record = {**COMPLETE, f.DISCOVERY_1: blank, f.DISCOVERY_2: blank, f.DISCOVERY_3: blank}
    assert hygiene_text(missing_items(record)) == (
        "Missing: Discovery answer 1, Discovery answer 2, Discovery answer 3"
    )


def test_absent_keys_count_as_missing() -> None:
    assert missing_items({}) == list(LABELS.values())


@pytest.mark.parametrize("value", ["Zendesk", "gainsight", "QBR note", "Other", "  "])
def test_signal_source_outside_the_picklist_is_missing(value: str) -> None:
    assert missing_items({**COMPLETE, f.SIGNAL_SOURCE: value}) == ["Signal source"]


@pytest.mark.parametrize("value", ["Gainsight", "ChurnZero", "Catalyst", "QBR Note"])
def test_each_picklist_value_counts(value: str) -> None:
    assert missing_items({**COMPLETE, f.SIGNAL_SOURCE: value}) == []
    assert hygiene_text([]) == "Complete"


# --- enforcement -------------------------------------------------------------------------

INCOMPLETE = {**COMPLETE, f.DISCOVERY_2: None}


def change(
    stage: str | None,
    previous: str | None,
    record: dict[str, str | None] = INCOMPLETE,
    *,
    from_integration_user: bool = False,
    open_task_exists: bool = False,
    open_task_description: str | None = None,
) -> OpportunityChange:
    values = {**record, f.STAGE: stage}
    return OpportunityChange(
        opportunity_id="006000000000001AAA",
        play_id="play-7f3a",
        fields=values,
        previous_stage=previous,
        today=date(2026, 11, 3),
        owner_id="005000000000042AAA",
        from_integration_user=from_integration_user,
        open_task_exists=open_task_exists,
        open_task_description=open_task_description,
    )


STRICT = EnforcementConfig()


@pytest.mark.parametrize(
    "stage", ["Prospecting", "Qualification", "Needs Analysis", "Perception Analysis"]
)
def test_stage_before_gate_is_not_rolled_back(stage: str) -> None:
    decision = enforce(change(stage, "Prospecting"), STRICT)
    assert decision.rollback_to is None
    assert decision.writes() == {f.HYGIENE: "Missing: Discovery answer 2"}
    assert decision.known_stage == stage


def test_move_to_gate_is_rolled_back_to_previous_stage() -> None:
    decision = enforce(change("Proposal/Price Quote", "Value Proposition"), STRICT)
    assert decision.rollback_to == "Value Proposition"
    assert decision.writes()[f.STAGE] == "Value Proposition"
    assert decision.known_stage == "Value Proposition"


def test_move_past_gate_is_rolled_back() -> None:
    decision = enforce(change("Negotiation/Review", "Needs Analysis"), STRICT)
    assert decision.rollback_to == "Needs Analysis"


def test_closed_won_is_always_gated_even_with_a_late_gate() -> None:
    late_gate = EnforcementConfig(gate_stage="Closed Lost")
    assert enforce(change("Negotiation/Review", "Qualification"), late_gate).rollback_to is None
    decision = enforce(change("Closed Won", "Negotiation/Review"), late_gate)
    assert decision.rollback_to == "Negotiation/Review"
    assert enforce(change("Closed Won", "Prospecting"), STRICT).rollback_to == "Prospecting"


def test_closed_lost_is_never_blocked() -> None:
    for config in (STRICT, EnforcementConfig(gate_stage="Prospecting")):
        decision = enforce(change("Closed Lost", "Negotiation/Review"), config)
        assert decision.rollback_to is None
        assert decision.known_stage == "Closed Lost"


def test_complete_opportunity_passes_the_gate() -> None:
    decision = enforce(change("Closed Won", "Negotiation/Review", COMPLETE), STRICT)
    assert decision.rollback_to is None
    assert decision.hygiene == "Complete"


def test_non_strict_mode_never_rolls_back_but_writes_hygiene() -> None:
    lenient = EnforcementConfig(strict=False)
    decision = enforce(change("Closed Won", "Qualification"), lenient)
    assert decision.rollback_to is None
    assert decision.writes() == {f.HYGIENE: "Missing: Discovery answer 2"}


def test_no_stage_move_means_no_rollback() -> None:
    decision = enforce(change("Negotiation/Review", "Negotiation/Review"), STRICT)
    assert decision.rollback_to is None
    assert decision.hygiene == "Missing: Discovery answer 2"


def test_unknown_previous_stage_falls_back_to_last_stage_before_gate() -> None:
    decision = enforce(change("Proposal/Price Quote", None), STRICT)
    assert decision.rollback_to == "Perception Analysis"


def test_our_own_integration_user_is_not_rolled_back() -> None:
    decision = enforce(change("Closed Won", "Prospecting", from_integration_user=True), STRICT)
    assert decision.rollback_to is None


def test_hygiene_value_written_only_when_it_differs() -> None:
    record = {**INCOMPLETE, f.HYGIENE: "Missing: Discovery answer 2"}
    decision = enforce(change("Prospecting", "Prospecting", record), STRICT)
    assert decision.writes() == {}


def test_gate_stage_must_be_a_known_stage() -> None:
    with pytest.raises(ValueError):
        EnforcementConfig(gate_stage="Proposal")


# --- the hygiene task --------------------------------------------------------------------


def test_missing_without_open_task_creates_one_naming_what_is_missing() -> None:
    decision = enforce(change("Prospecting", "Prospecting"), STRICT)
    assert decision.task.action is TaskAction.CREATE
    task = decision.task.fields
    assert parse_task_key(task["Subject"]) == ("play-7f3a", "hygiene")
    assert "Discovery answer 2" in task["Subject"]
    assert "- Discovery answer 2" in task["Description"]
    assert "Discovery answer 1" not in task["Description"]
    assert task["WhatId"] == "006000000000001AAA"
    assert task["OwnerId"] == "005000000000042AAA"
    assert task["Status"] == "Not Started"
    assert task["ActivityDate"] == "2026-11-03"


def test_open_task_with_same_missing_list_is_left_alone() -> None:
    first = enforce(change("Prospecting", "Prospecting"), STRICT)
    again = enforce(
        change(
            "Prospecting",
            "Prospecting",
            open_task_exists=True,
            open_task_description=first.task.fields["Description"].replace("\n", "\r\n"),
        ),
        STRICT,
    )
    assert again.task.action is TaskAction.NONE


def test_open_task_is_updated_when_the_missing_list_changes() -> None:
    first = enforce(change("Prospecting", "Prospecting"), STRICT)
    record = {**INCOMPLETE, f.SPONSOR_TITLE: ""}
    decision = enforce(
        change(
            "Prospecting",
            "Prospecting",
            record,
            open_task_exists=True,
            open_task_description=first.task.fields["Description"],
        ),
        STRICT,
    )
    assert decision.task.action is TaskAction.UPDATE
    assert "- Executive sponsor title\n- Discovery answer 2" in decision.task.fields["Description"]
    assert parse_task_key(decision.task.fields["Subject"]) == ("play-7f3a", "hygiene")


def test_complete_closes_the_open_task_and_nothing_when_none_open() -> None:
    closing = enforce(change("Prospecting", "Prospecting", COMPLETE, open_task_exists=True), STRICT)
    assert closing.task.action is TaskAction.CLOSE
    assert closing.task.fields == {"Status": "Completed"}
    idle = enforce(change("Prospecting", "Prospecting", COMPLETE), STRICT)
    assert idle.task.action is TaskAction.NONE
