from __future__ import annotations

from services.crm_sync.domain import fields as f
from services.crm_sync.domain.feedback import (
    DiscoveryAnswersChanged,
    OpportunityClosed,
    SponsorChanged,
    feedback_commands,
    is_echo,
    is_older,
)

IDS = {"play_id": "play-7f3a", "opportunity_id": "006000000000001AAA"}
INTEGRATION_USER = "005000000000001AAA"
REP = "005000000000077AAA"
ANSWERS = {
    f.DISCOVERY_1: "Exports to spreadsheets every Friday.",
    f.DISCOVERY_2: "Two analysts, four days a month.",
    f.DISCOVERY_3: "Automated matching; the controller.",
}


def test_three_answers_filled_in_by_a_rep_are_fed_back() -> None:
    previous = {f.DISCOVERY_1: "Exports to spreadsheets every Friday."}
    commands = feedback_commands(previous, ANSWERS, **IDS)
    assert commands == [
        DiscoveryAnswersChanged(
            answers=(
                "Exports to spreadsheets every Friday.",
                "Two analysts, four days a month.",
                "Automated matching; the controller.",
            ),
            **IDS,
        )
    ]


def test_partial_answers_are_not_fed_back() -> None:
    current = {**ANSWERS, f.DISCOVERY_3: "  "}
    assert feedback_commands({}, current, **IDS) == []


def test_unchanged_answers_are_not_fed_back_again() -> None:
    assert feedback_commands(ANSWERS, dict(ANSWERS), **IDS) == []
    # a notification that does not carry the fields changes nothing
    assert feedback_commands(ANSWERS, {f.STAGE: "Qualification"}, **IDS) == []


def test_answers_we_wrote_ourselves_are_not_news() -> None:
    assert feedback_commands({}, ANSWERS, last_written_by_us=ANSWERS, **IDS) == []


def test_sponsor_change_is_fed_back() -> None:
    previous = {f.SPONSOR_NAME: "Priya Raman", f.SPONSOR_TITLE: "Director"}
    current = {f.SPONSOR_NAME: "Priya Raman", f.SPONSOR_TITLE: "VP Finance"}
    assert feedback_commands(previous, current, **IDS) == [
        SponsorChanged(name="Priya Raman", title="VP Finance", **IDS)
    ]


def test_sponsor_cleared_or_name_missing_is_not_fed_back() -> None:
    previous = {f.SPONSOR_NAME: "Priya Raman", f.SPONSOR_TITLE: "Director"}
    assert feedback_commands(previous, {f.SPONSOR_NAME: None, f.SPONSOR_TITLE: None}, **IDS) == []
    assert feedback_commands({}, {f.SPONSOR_TITLE: "CFO"}, **IDS) == []


def test_closed_won_is_fed_back_with_the_amount() -> None:
    previous = {f.STAGE: "Negotiation/Review"}
    current = {f.STAGE: "Closed Won", f.AMOUNT: "26500.0"}
    assert feedback_commands(previous, current, **IDS) == [
        OpportunityClosed(outcome="won", amount=26500.0, stage="Closed Won", **IDS)
    ]


def test_closed_won_that_was_rolled_back_is_not_fed_back() -> None:
    previous = {f.STAGE: "Negotiation/Review"}
    current = {f.STAGE: "Closed Won", f.AMOUNT: "26500.0"}
    rolled = feedback_commands(previous, current, rolled_back_to="Negotiation/Review", **IDS)
    assert rolled == []


def test_closed_lost_is_fed_back() -> None:
    commands = feedback_commands({f.STAGE: "Qualification"}, {f.STAGE: "Closed Lost"}, **IDS)
    assert commands == [OpportunityClosed(outcome="lost", amount=None, stage="Closed Lost", **IDS)]


def test_stage_already_closed_or_written_by_us_is_not_fed_back_twice() -> None:
    closed = {f.STAGE: "Closed Won", f.AMOUNT: "100"}
    assert feedback_commands(closed, closed, **IDS) == []
    ours = {f.STAGE: "Closed Lost"}
    assert feedback_commands({f.STAGE: "Prospecting"}, ours, last_written_by_us=ours, **IDS) == []


def test_one_notification_can_mean_several_commands() -> None:
    current = {**ANSWERS, f.SPONSOR_NAME: "Priya Raman", f.STAGE: "Closed Won"}
    kinds = [c.type for c in feedback_commands({}, current, **IDS)]
    assert kinds == ["DiscoveryAnswersChanged", "SponsorChanged", "OpportunityClosed"]


# --- echoes ------------------------------------------------------------------------------

LAST_WRITE = {
    f.PLAY_STATE: "briefed",
    f.PLAY_DEADLINE: "2026-11-16T14:00:00Z",
    f.AMOUNT: 25200.0,
    f.HYGIENE: "Missing: Discovery answer 2",
}


def test_notification_of_our_own_write_is_an_echo() -> None:
    notification = {
        f.ID: "006000000000001AAA",
        f.PLAY_STATE: "briefed",
        f.PLAY_DEADLINE: "2026-11-16T14:00:00.000Z",
        f.AMOUNT: "25200.0",
        f.LAST_MODIFIED_BY_ID: INTEGRATION_USER,
        f.STAGE: "Prospecting",  # not in our last write, but we made the change
    }
    assert is_echo(notification, LAST_WRITE, INTEGRATION_USER, None)
    # the 15-character form of the user id is recognised too
    assert is_echo(notification, LAST_WRITE, INTEGRATION_USER[:15], None)


def test_fields_all_equal_to_our_last_write_is_an_echo_whoever_is_named() -> None:
    notification = {f.ID: "006000000000001AAA", f.PLAY_STATE: "briefed", f.AMOUNT: "25200"}
    assert is_echo(notification, LAST_WRITE, INTEGRATION_USER, REP)


def test_a_rep_change_is_not_an_echo() -> None:
    notification = {
        f.ID: "006000000000001AAA",
        f.PLAY_STATE: "briefed",
        f.STAGE: "Closed Won",
        f.LAST_MODIFIED_BY_ID: REP,
    }
    assert not is_echo(notification, LAST_WRITE, INTEGRATION_USER, None)


def test_a_field_that_differs_from_our_last_write_is_not_an_echo() -> None:
    notification = {f.PLAY_STATE: "open", f.LAST_MODIFIED_BY_ID: INTEGRATION_USER}
    assert not is_echo(notification, LAST_WRITE, INTEGRATION_USER, None)
    assert not is_echo({f.PLAY_STATE: "briefed"}, {}, INTEGRATION_USER, INTEGRATION_USER)


def test_echo_loop_ends_after_one_round() -> None:
    """Our write -> its notification is an echo -> nothing written, nothing fed back."""
    notification = {**ANSWERS, f.LAST_MODIFIED_BY_ID: INTEGRATION_USER}
    assert is_echo(notification, ANSWERS, INTEGRATION_USER, None)
    assert feedback_commands({}, notification, last_written_by_us=ANSWERS, **IDS) == []


def test_out_of_order_notification_is_older() -> None:
    known = {f.SYSTEM_MODSTAMP: "2026-11-03T10:00:05.000Z"}
    assert is_older({f.SYSTEM_MODSTAMP: "2026-11-03T10:00:01.000Z"}, known)
    assert not is_older({f.SYSTEM_MODSTAMP: "2026-11-03T10:00:09.000Z"}, known)
    assert not is_older({}, known)
