from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from services.crm_sync.domain import fields as f
from services.crm_sync.domain.evidence import EvidenceQuote, SignalEvidence, format_evidence
from services.crm_sync.domain.hygiene import missing_items
from services.crm_sync.domain.opportunity import (
    PlaySnapshot,
    merge_for_write,
    opportunity_fields,
    signal_source_value,
)

EVIDENCE = SignalEvidence(
    summary="Three operators named reconciliation pain in 60 days.",
    numbers={"active_seats": 92, "seat_limit": 100, "utilisation_pct": 92.0},
    quotes=(
        EvidenceQuote(
            text="manual reconciliation is killing us",
            who="Dana Lee",
            role="Finance Ops Manager",
            ref="ticket 5123",
        ),
    ),
)


def snapshot(**overrides: object) -> PlaySnapshot:
    base: dict[str, object] = {
        "play_id": "play-7f3a",
        "account_id": "001000000000007AAA",
        "account_name": "Northwind Logistics",
        "adjacent_product": "Reconcile",
        "state": "open",
        "deadline": datetime(2026, 11, 16, 14, 0, tzinfo=UTC),
        "expected_amount": Decimal("25200.00"),
        "signal_source": "gainsight",
        "signal_type": "usage_ceiling",
        "signal_evidence": EVIDENCE,
    }
    base.update(overrides)
    return PlaySnapshot.model_validate(base)


def test_new_play_maps_to_an_opportunity_record() -> None:
    out = opportunity_fields(snapshot())
    assert out == {
        f.NAME: "Northwind Logistics — Reconcile cross-sell",
        f.TYPE: "Cross-Sell",
        f.STAGE: "Prospecting",
        f.ACCOUNT_ID: "001000000000007AAA",
        f.CLOSE_DATE: "2026-11-16",
        f.AMOUNT: 25200.0,
        f.SIGNAL_SOURCE: "Gainsight",
        f.SIGNAL_TYPE: "usage_ceiling",
        f.SIGNAL_EVIDENCE: out[f.SIGNAL_EVIDENCE],
        f.PLAY_STATE: "open",
        f.PLAY_DEADLINE: "2026-11-16T14:00:00Z",
    }
    evidence = out[f.SIGNAL_EVIDENCE]
    assert isinstance(evidence, str)
    assert '"manual reconciliation is killing us" — Dana Lee (Finance Ops Manager)' in evidence
    assert "- active_seats: 92" in evidence and "- seat_limit: 100" in evidence
    assert f.PLAY_ID not in out


def test_deadline_in_another_offset_is_written_in_utc() -> None:
    late = datetime(2026, 11, 16, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    out = opportunity_fields(snapshot(deadline=late))
    assert out[f.CLOSE_DATE] == "2026-11-17"
    assert out[f.PLAY_DEADLINE] == "2026-11-17T04:30:00Z"


def test_naive_deadline_is_refused() -> None:
    with pytest.raises(ValueError):
        snapshot(deadline=datetime(2026, 11, 16, 14, 0))


def test_known_sponsor_and_answers_are_written() -> None:
    out = opportunity_fields(
        snapshot(
            sponsor_name=" Priya Raman ",
            sponsor_title="VP Finance Operations",
            discovery_answers=("Spreadsheets.", "Four days a month.", "Automated matching."),
            owner_id="005000000000042AAA",
        )
    )
    assert out[f.SPONSOR_NAME] == "Priya Raman"
    assert out[f.SPONSOR_TITLE] == "VP Finance Operations"
    assert [out[n] for n in f.DISCOVERY_ANSWERS] == [
        "Spreadsheets.",
        "Four days a month.",
        "Automated matching.",
    ]
    assert out[f.OWNER_ID] == "005000000000042AAA"
    assert missing_items(out) == []


@pytest.mark.parametrize(
    ("source", "kind", "value"),
    [
        ("gainsight", None, "Gainsight"),
        ("churnzero", None, "ChurnZero"),
        ("ChurnZero", None, "ChurnZero"),
        ("product", None, "Catalyst"),
        ("support", None, "Catalyst"),
        ("salesforce", None, "Catalyst"),
        ("csm", None, "Catalyst"),
        ("partner", None, "Catalyst"),
        ("csm", "qbr", "QBR Note"),
        ("gainsight", "qbr", "QBR Note"),
        ("csm", "strategic_shift", "Catalyst"),
        ("zendesk", None, None),
    ],
)
def test_signal_source_picklist_mapping(source: str, kind: str | None, value: str | None) -> None:
    assert signal_source_value(source, kind) == value


def test_unknown_source_is_left_for_hygiene_to_report() -> None:
    out = opportunity_fields(snapshot(signal_source="zendesk"))
    assert f.SIGNAL_SOURCE not in out
    assert "Signal source" in missing_items(out)


@pytest.mark.parametrize(
    ("state", "stage"),
    [
        ("open", "Prospecting"),
        ("briefed", "Prospecting"),
        ("meeting_booked", "Qualification"),
        ("discovery_done", "Needs Analysis"),
        ("sponsor_engaged", "Id. Decision Makers"),
        ("lost", "Closed Lost"),
        ("expired", "Closed Lost"),
        ("disqualified", "Closed Lost"),
        ("withdrawn", "Closed Lost"),
        ("paused", None),
        ("won", None),  # incomplete: the org would refuse Closed Won
    ],
)
def test_play_state_to_stage(state: str, stage: str | None) -> None:
    assert opportunity_fields(snapshot(state=state)).get(f.STAGE) == stage


def test_won_play_with_every_required_field_closes_won() -> None:
    complete = snapshot(
        state="won",
        sponsor_name="Priya Raman",
        sponsor_title="VP Finance Operations",
        discovery_answers=("a", "b", "c"),
    )
    assert opportunity_fields(complete)[f.STAGE] == "Closed Won"


def test_long_names_fit_salesforce() -> None:
    out = opportunity_fields(snapshot(account_name="N" * 300))
    name = out[f.NAME]
    assert isinstance(name, str) and len(name) == 120
    assert name.endswith("… — Reconcile cross-sell")


def test_evidence_fits_the_field_and_keeps_numbers_and_words() -> None:
    quotes = tuple(
        EvidenceQuote(text=f"quote {i}: " + "we export to spreadsheets every week " * 20)
        for i in range(200)
    )
    evidence = SignalEvidence(numbers={"tickets": 14, "requesters": 5}, quotes=quotes)
    text = format_evidence(evidence, signal_type="adjacent_pain", source="support")
    assert len(text) <= 32_000
    assert "- tickets: 14" in text and "- requesters: 5" in text
    assert '"quote 0: we export to spreadsheets' in text
    assert text.rstrip().endswith("left out to fit the field]")


def test_one_giant_quote_is_clipped_not_dropped() -> None:
    evidence = SignalEvidence(quotes=(EvidenceQuote(text="x" * 50_000),))
    text = format_evidence(evidence, signal_type="adjacent_pain", source="support")
    assert len(text) <= 32_000
    assert "In the customer's words:\n- \"xxxx" in text


# --- field ownership ---------------------------------------------------------------------


def test_new_record_gets_every_known_field() -> None:
    desired = opportunity_fields(snapshot())
    assert merge_for_write(desired, {}, {}) == desired


def test_rep_edit_wins_over_changed_play_data() -> None:
    last = {f.SPONSOR_NAME: "Priya Raman", f.SIGNAL_SOURCE: "Gainsight"}
    current = {f.SPONSOR_NAME: "Marcus Webb", f.SIGNAL_SOURCE: "QBR Note"}
    desired = {f.SPONSOR_NAME: "Priya Raman-Shah", f.SIGNAL_SOURCE: "ChurnZero"}
    assert merge_for_write(desired, last, current) == {}


def test_rep_typed_value_is_not_overwritten_by_a_field_we_never_wrote() -> None:
    current = {f.DISCOVERY_1: "Typed by the rep on the call."}
    desired = {f.DISCOVERY_1: "From the play."}
    assert merge_for_write(desired, {}, current) == {}


def test_our_unchanged_field_is_rewritten_when_play_data_changes() -> None:
    last = {f.SPONSOR_NAME: "Priya Raman", f.AMOUNT: 25200.0, f.STAGE: "Prospecting"}
    current = {f.SPONSOR_NAME: "Priya Raman", f.AMOUNT: "25200.0", f.STAGE: "Prospecting"}
    desired = {f.SPONSOR_NAME: "Priya Raman-Shah", f.AMOUNT: 26000.0, f.STAGE: "Qualification"}
    assert merge_for_write(desired, last, current) == desired


def test_unchanged_play_data_writes_nothing() -> None:
    desired = opportunity_fields(snapshot())
    current = {k: str(v) for k, v in desired.items()}  # how Salesforce sends it back
    current[f.PLAY_DEADLINE] = "2026-11-16T14:00:00.000Z"
    assert merge_for_write(desired, desired, current) == {}


def test_field_the_rep_emptied_is_filled_when_our_value_changes() -> None:
    last = {f.SPONSOR_TITLE: "Director"}
    assert merge_for_write({f.SPONSOR_TITLE: "VP"}, last, {f.SPONSOR_TITLE: None}) == {
        f.SPONSOR_TITLE: "VP"
    }
    # ...but not re-filled while our value is what the rep cleared.
    assert merge_for_write({f.SPONSOR_TITLE: "Director"}, last, {f.SPONSOR_TITLE: ""}) == {}


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_never_blanks_a_value(blank: str | None) -> None:
    last = {f.SPONSOR_NAME: "Priya Raman"}
    current = {f.SPONSOR_NAME: "Priya Raman"}
    assert merge_for_write({f.SPONSOR_NAME: blank}, last, current) == {}
    assert merge_for_write({f.DISCOVERY_2: blank}, {}, {f.DISCOVERY_2: "rep"}) == {}


def test_integration_owned_fields_are_restored() -> None:
    last = {f.PLAY_STATE: "open"}
    current = {f.PLAY_STATE: "whatever a rep typed"}
    assert merge_for_write({f.PLAY_STATE: "briefed"}, last, current) == {f.PLAY_STATE: "briefed"}
    assert merge_for_write({f.PLAY_STATE: "open"}, last, current) == {f.PLAY_STATE: "open"}


def test_rep_moved_stage_is_left_alone() -> None:
    last = {f.STAGE: "Prospecting"}
    current = {f.STAGE: "Value Proposition"}
    assert merge_for_write({f.STAGE: "Qualification"}, last, current) == {}
