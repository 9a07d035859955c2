from __future__ import annotations

from datetime import date

import pytest

from services.crm_sync.domain.tasks import (
    TaskAction,
    TaskPurpose,
    close_task,
    ensure_task,
    parse_task_key,
    play_task,
    task_key,
)

ALL_PURPOSES = [
    "review_day7",
    "review_day14",
    "meeting_due",
    "sponsor_due",
    "business_case_due",
    "window_deadline",
    "hygiene",
]


def test_the_seven_purposes() -> None:
    assert [p.value for p in TaskPurpose] == ALL_PURPOSES


@pytest.mark.parametrize("purpose", ALL_PURPOSES)
def test_key_is_stable_unique_and_readable_back(purpose: str) -> None:
    key = task_key("play-7f3a", purpose)
    assert key == task_key("play-7f3a", TaskPurpose(purpose))
    assert parse_task_key(f"{key} anything a person reads") == ("play-7f3a", TaskPurpose(purpose))
    others = {task_key("play-7f3a", p) for p in ALL_PURPOSES} | {task_key("play-7f3b", purpose)}
    assert len(others) == len(ALL_PURPOSES) + 1


@pytest.mark.parametrize(
    "subject", [None, "", "Call Dana", "[XS:play-1:unknown] x", "[XS::hygiene] x", "[XS:abc"]
)
def test_other_subjects_are_not_ours(subject: str | None) -> None:
    assert parse_task_key(subject) is None


@pytest.mark.parametrize("play_id", ["", "a]b", "a b"])
def test_unusable_play_ids_are_refused(play_id: str) -> None:
    with pytest.raises(ValueError):
        task_key(play_id, "hygiene")


def test_review_task_record() -> None:
    spec = play_task(
        "review_day7",
        play_id="play-7f3a",
        opportunity_id="006000000000001AAA",
        due=date(2026, 11, 9),
        label="Northwind Logistics — Reconcile cross-sell",
        owner_id="005000000000042AAA",
        note="Signal: 92 of 100 seats used.",
    )
    fields = spec.to_fields()
    assert fields["Subject"] == (
        "[XS:play-7f3a:review_day7] Day-7 manager review: "
        "Northwind Logistics — Reconcile cross-sell"
    )
    assert fields["ActivityDate"] == "2026-11-09"
    assert fields["Status"] == "Not Started"
    assert fields["Priority"] == "Normal"
    assert fields["WhatId"] == "006000000000001AAA"
    assert fields["OwnerId"] == "005000000000042AAA"
    assert fields["Description"].endswith("Signal: 92 of 100 seats used.")


def test_deadline_tasks_are_high_priority_and_subjects_fit() -> None:
    spec = play_task(
        TaskPurpose.WINDOW_DEADLINE,
        play_id="play-7f3a",
        opportunity_id="006000000000001AAA",
        due=date(2026, 11, 16),
        label="x" * 400,
    )
    assert spec.priority == "High"
    assert len(spec.subject) == 255
    assert "OwnerId" not in spec.to_fields()


def test_hygiene_task_is_built_by_enforcement_not_here() -> None:
    with pytest.raises(ValueError):
        play_task("hygiene", play_id="p", opportunity_id="006", due=date(2026, 1, 1), label="x")


def test_one_open_task_per_play_and_purpose() -> None:
    spec = play_task(
        "meeting_due",
        play_id="play-7f3a",
        opportunity_id="006000000000001AAA",
        due=date(2026, 11, 9),
        label="Northwind",
    )
    assert ensure_task(spec, open_task_exists=False).action is TaskAction.CREATE
    assert ensure_task(spec, open_task_exists=True).action is TaskAction.NONE
    assert close_task(open_task_exists=True).fields == {"Status": "Completed"}
    assert close_task(open_task_exists=False).action is TaskAction.NONE
