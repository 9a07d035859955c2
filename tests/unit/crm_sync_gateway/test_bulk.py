"""Bulk API 2.0 CSV and error text, as the gateway writes and reads them."""

from __future__ import annotations

import csv
import io

from services.crm_sync.gateway.bulk import parse_error, to_csv


def test_csv_has_every_column_nulls_and_parent_references() -> None:
    text = to_csv(
        [
            {"attributes": {"type": "Task"}, "Key__c": "k1", "Subject": 'He said "hi", then\nleft'},
            {"Key__c": "k2", "IsDone__c": True, "Amount": None, "What": {"Ext__c": "p-1"}},
        ]
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Key__c", "Subject", "IsDone__c", "Amount", "What.Ext__c"]
    # An absent value is an empty cell (left alone); None is #N/A (set to null).
    assert rows[1] == ["k1", 'He said "hi", then\nleft', "", "", ""]
    assert rows[2] == ["k2", "", "true", "#N/A", "p-1"]


def test_error_text_is_split_into_code_message_and_fields() -> None:
    assert parse_error("REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --") == (
        "REQUIRED_FIELD_MISSING",
        "Required fields are missing: [Name]",
        ("Name",),
    )
    assert parse_error("UNABLE_TO_LOCK_ROW:unable to obtain exclusive access:--") == (
        "UNABLE_TO_LOCK_ROW",
        "unable to obtain exclusive access",
        (),
    )
    assert parse_error("FIELD_INTEGRITY_EXCEPTION:bad:A,B --")[2] == ("A", "B")
