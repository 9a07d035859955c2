"""What one pending write sends, decided at send time (pure).

An Opportunity write sends what field ownership allows of the play's fields
(``merge_for_write`` against what we last wrote and what Salesforce holds),
the forced fields of enforcement (a stage roll-back), and the hygiene value
the record will need once this write lands — so a new Opportunity is born
with "Missing: …" and our own echo never needs a second write. Nothing to
send means no API call at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.crm_sync.domain import fields as f
from services.crm_sync.domain import hygiene_text, merge_for_write, missing_items
from services.crm_sync.domain.values import same_value
from services.crm_sync.ports import OppState

TASK_KEY_FIELD = "Cross_Sell_Task_Key__c"
CREATE_REQUIRED = (f.NAME, f.CLOSE_DATE, f.STAGE)


def opportunity_write(state: OppState, forced: Mapping[str, Any]) -> dict[str, Any]:
    """The Opportunity fields to upsert now (without the key); empty = nothing to do."""
    fields: dict[str, Any] = merge_for_write(state.desired, state.last_written, state.sf_current)
    fields.update(forced)
    if state.opportunity_id is None and not state.last_written:
        # Creating: Salesforce refuses an Opportunity without these.
        for name in CREATE_REQUIRED:
            if name not in fields and name in state.desired:
                fields[name] = state.desired[name]
        fields.setdefault(f.STAGE, f.STAGE_PROSPECTING)
    known = state.known()
    hygiene = hygiene_text(missing_items({**known, **fields}))
    if not same_value(known.get(f.HYGIENE), hygiene):
        fields[f.HYGIENE] = hygiene
    if set(fields) == {f.HYGIENE} and not state.desired:
        return {}  # no play behind it (yet): nothing of ours to say
    return fields


def hygiene_after(state: OppState, sent: Mapping[str, Any]) -> str:
    return hygiene_text(missing_items({**state.known(), **sent}))


def task_record(
    key: str, payload: Mapping[str, Any], opportunity_id: str | None
) -> dict[str, Any] | None:
    """The Task to upsert by its key, or None while its Opportunity does not exist yet."""
    record = {TASK_KEY_FIELD: key, **payload}
    if opportunity_id:
        record["WhatId"] = opportunity_id
    elif "Subject" in payload and "WhatId" not in payload:
        return None
    return record


def remaining(payload: Mapping[str, Any], sent: Mapping[str, Any]) -> dict[str, Any]:
    """What a write coalesced while in flight still has to send."""
    return {k: v for k, v in payload.items() if not (k in sent and sent[k] == v)}
