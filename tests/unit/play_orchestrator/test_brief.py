from __future__ import annotations

from datetime import date

import pytest

from services.play_orchestrator.domain import (
    ITEM_2_MISSING,
    ITEM_4_MISSING,
    ITEM_5_MISSING,
    Brief,
    BriefIncomplete,
    Contact,
    EngageSponsor,
    ExecutiveSponsor,
    ObservableSignal,
    PainConfirmation,
    PlayBriefed,
    PlayState,
    SponsorEngaged,
    SubmitBrief,
    check_brief,
    open_play,
    validate_brief,
)

from .builders import (
    ACCOUNT,
    DAY,
    HOUR,
    OPENED_AT,
    OPERATOR,
    SPONSOR,
    brief_with_sponsor,
    discovery,
    meeting,
    new_play,
    signal_info,
    ticket,
)

NOW = OPENED_AT

SIGNAL = ObservableSignal(description="active_seats at 86 of 100 (86%)")
PAIN = PainConfirmation(
    operator=OPERATOR,
    where='ticket T-1042: "Reconciling invoices by hand every week"',
    quote="manual reconciliation is killing us",
    confirmed_at=NOW - 10 * DAY,
)
COMPLETE = Brief(signal=SIGNAL, sponsor=SPONSOR, pain=PAIN)


def missing_of(brief: Brief) -> list[str]:
    with pytest.raises(BriefIncomplete) as caught:
        validate_brief(brief, NOW)
    return caught.value.missing


def test_complete_brief_passes_without_warnings() -> None:
    assert validate_brief(COMPLETE, NOW) == ()


@pytest.mark.parametrize(
    ("brief", "item", "text"),
    [
        (COMPLETE.model_copy(update={"signal": None}), 2, ITEM_2_MISSING),
        (COMPLETE.model_copy(update={"signal": ObservableSignal(description="  ")}), 2, None),
        (COMPLETE.model_copy(update={"sponsor": None}), 4, ITEM_4_MISSING),
        (COMPLETE.model_copy(update={"sponsor": ExecutiveSponsor(name="Priya")}), 4, None),
        (COMPLETE.model_copy(update={"pain": None}), 5, ITEM_5_MISSING),
    ],
    ids=["item2-absent", "item2-blank", "item4-absent", "item4-no-title", "item5-absent"],
)
def test_each_required_item_missing_alone_is_named(brief: Brief, item: int, text: str) -> None:
    with pytest.raises(BriefIncomplete) as caught:
        validate_brief(brief, NOW)
    assert caught.value.items == [item]
    assert len(caught.value.missing) == 1
    assert caught.value.missing[0].startswith(f"item {item}:")
    if text:
        assert caught.value.missing == [text]


def test_all_three_missing_are_each_named() -> None:
    missing = missing_of(Brief())
    assert missing == [ITEM_2_MISSING, ITEM_4_MISSING, ITEM_5_MISSING]
    assert "executive sponsor (name, title)" in missing[1]
    assert "item 2" in str(BriefIncomplete(missing))


def test_pain_older_than_60_days_counts_as_missing() -> None:
    stale = PAIN.model_copy(update={"confirmed_at": NOW - 60 * DAY - HOUR})
    missing = missing_of(COMPLETE.model_copy(update={"pain": stale}))
    assert len(missing) == 1
    assert missing[0].startswith("item 5:")
    assert "older than 60 days" in missing[0]


def test_pain_exactly_60_days_old_is_still_valid() -> None:
    edge = PAIN.model_copy(update={"confirmed_at": NOW - 60 * DAY})
    assert check_brief(COMPLETE.model_copy(update={"pain": edge}), NOW).complete


def test_champion_who_is_also_the_sponsor_is_a_warning_not_an_error() -> None:
    same = ExecutiveSponsor(name=" dana  RUIZ ", title="Head of Billing")
    warnings = validate_brief(COMPLETE.model_copy(update={"sponsor": same}), NOW)
    assert len(warnings) == 1
    assert "same person" in warnings[0]


def test_same_person_is_judged_by_contact_id_when_both_have_one() -> None:
    namesake = Contact(name="Dana Ruiz", contact_id="003-other")
    assert not OPERATOR.same_person(namesake)
    assert OPERATOR.same_person(Contact(name="D. Ruiz", contact_id="003-dana"))


def test_prefill_from_the_signal_and_its_ticket_evidence() -> None:
    play = new_play()
    brief = play.brief
    assert brief.customer is not None
    assert (brief.customer.account_name, brief.customer.core_product) == (
        "Acme Logistics",
        "Workflow Suite",
    )
    assert brief.customer.core_acv == 120_000
    assert brief.customer.renewal_date == date(2027, 6, 30)
    assert brief.signal is not None
    assert "usage_ceiling" in brief.signal.description
    assert "86 of 100" in brief.signal.description
    assert set(brief.signal.signal_ids) == {"sig-usage-1", "sig-pain-1"}
    assert brief.adjacent is not None
    assert brief.adjacent.product == "Billing Automation"
    assert "manual invoice reconciliation" in brief.adjacent.problem
    assert "manual reconciliation is killing us" in brief.adjacent.problem
    pain = brief.pain
    assert pain is not None
    assert (pain.operator.name, pain.operator.title) == ("Dana Ruiz", "Billing Operations Lead")
    assert "T-1042" in pain.where and "Reconciling invoices by hand" in pain.where
    assert pain.confirmed_at == ticket().occurred_at
    # items 4 and 6 are for the reps
    assert brief.sponsor is None and brief.commitment is None
    assert check_brief(brief, NOW).missing == (ITEM_4_MISSING,)


def test_prefill_uses_the_newest_recent_ticket_and_ignores_old_ones() -> None:
    other = Contact(name="Lee Chen", title="AP Specialist")
    tickets = (
        ticket("T-1", at=NOW - 20 * DAY),
        ticket("T-2", at=NOW - 5 * DAY, requester=other),
        ticket("T-OLD", at=NOW - 61 * DAY),
    )
    play = open_play(signal_info(tickets=tickets), ACCOUNT, "joint-14", NOW, "p")
    assert play.brief.pain is not None
    assert play.brief.pain.operator.name == "Lee Chen"
    assert "T-2" in play.brief.pain.where

    only_old = (ticket("T-OLD", at=NOW - 61 * DAY),)
    play = open_play(signal_info(tickets=only_old), ACCOUNT, "joint-14", NOW, "p")
    assert play.brief.pain is None


def test_submitting_an_incomplete_brief_is_refused_and_changes_nothing() -> None:
    play = new_play(with_ticket=False)
    before = play.model_dump()
    with pytest.raises(BriefIncomplete) as caught:
        play.execute(SubmitBrief(brief=Brief()), NOW + HOUR)
    assert caught.value.items == [4, 5]
    assert play.model_dump() == before
    assert play.state is PlayState.OPEN


def test_submitted_items_merge_over_the_prefilled_ones() -> None:
    play = new_play()
    prefilled_pain = play.brief.pain
    events = play.execute(brief_with_sponsor(), NOW + HOUR)
    assert play.state is PlayState.BRIEFED
    assert play.brief.pain == prefilled_pain
    assert play.brief.sponsor == SPONSOR
    assert play.brief_revision == 1
    briefed = events[0]
    assert isinstance(briefed, PlayBriefed)
    assert (briefed.sponsor_name, briefed.sponsor_title) == ("Priya Natarajan", "VP Finance")
    assert briefed.warnings == ()


def test_warning_reaches_the_events_when_champion_is_made_sponsor() -> None:
    play = new_play()
    as_sponsor = ExecutiveSponsor(name="Dana Ruiz", title="Ops", contact_id="003-dana")
    briefed = play.execute(brief_with_sponsor(as_sponsor), NOW + HOUR)[0]
    assert isinstance(briefed, PlayBriefed) and briefed.warnings
    play.execute(meeting(NOW), NOW + 2 * HOUR)
    play.execute(discovery(), NOW + 3 * HOUR)
    engaged = play.execute(EngageSponsor(name="Dana Ruiz", title="Ops"), NOW + 4 * HOUR)[0]
    assert isinstance(engaged, SponsorEngaged)
    assert engaged.warnings and "same person" in engaged.warnings[0]
    assert play.warnings() == list(engaged.warnings)
