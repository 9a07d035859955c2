"""The cross-sell Opportunity as crm_sync writes it, and who owns each field.

``opportunity_fields(play)`` maps a play snapshot to the Opportunity fields of
an upsert by ``Cross_Sell_Play_Id__c`` (the key itself is the URL key of the
upsert, ``fields.PLAY_ID`` = ``play.play_id``, and is not in the dict).

Signal source -> ``Signal_Source__c`` picklist (``DEFAULT_SOURCE_MAP``):
a note of kind ``qbr`` is "QBR Note" whatever system carried it; otherwise
gainsight -> "Gainsight", churnzero -> "ChurnZero", and product, support,
salesforce, csm and partner -> "Catalyst". The picklist has four values and the
last three sources are first-party signals (our own telemetry, desk and notes),
which Catalyst, the catch-all customer-success value, stands for. An unknown
source maps to nothing, so hygiene reports "Signal source" and a human picks.

Stage: the play sets ``StageName`` where a play state says something definite
(``PLAY_STAGE``): open/briefed -> Prospecting, meeting_booked -> Qualification,
discovery_done -> Needs Analysis, sponsor_engaged -> Id. Decision Makers (all
before the default gate), lost/expired/disqualified/withdrawn -> Closed Lost,
won -> Closed Won only when the play has every required field (the org's
validation rule would refuse it otherwise); paused says nothing about the deal.
Once a rep moves the stage, the ownership rule below leaves it to the rep.

Field ownership (``merge_for_write``):

* Integration-owned fields (``INTEGRATION_OWNED``: play state, deadline,
  signal type and evidence) are ours: written whenever Salesforce holds
  something else.
* Every other field is shared with reps, and a rep's edit wins. We write a
  shared field only when (1) our value changed since we last wrote it (or we
  never wrote it), and (2) Salesforce still holds what we last wrote, or
  nothing. A rep who typed a sponsor, an answer or a source keeps it until they
  clear it and our value changes again.
* We never write a blank: a value a rep typed is never erased by missing
  play data.

A field absent from ``current_in_salesforce`` is taken to still hold what we
last wrote (we have no evidence of an edit); pass the last known values from
notifications or reads so rep edits are seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from . import fields as f
from .evidence import SignalEvidence, format_evidence
from .hygiene import missing_items
from .values import is_blank, same_value

OPPORTUNITY_NAME_MAX = 120

DEFAULT_SOURCE_MAP: Mapping[str, str] = {
    "gainsight": f.SOURCE_GAINSIGHT,
    "churnzero": f.SOURCE_CHURNZERO,
    "product": f.SOURCE_CATALYST,
    "support": f.SOURCE_CATALYST,
    "salesforce": f.SOURCE_CATALYST,
    "csm": f.SOURCE_CATALYST,
    "partner": f.SOURCE_CATALYST,
}
QBR_NOTE_KIND = "qbr"

PLAY_STAGE: Mapping[str, str] = {
    "open": f.STAGE_PROSPECTING,
    "briefed": f.STAGE_PROSPECTING,
    "meeting_booked": f.STAGE_QUALIFICATION,
    "discovery_done": f.STAGE_NEEDS_ANALYSIS,
    "sponsor_engaged": f.STAGE_ID_DECISION_MAKERS,
    "won": f.STAGE_CLOSED_WON,
    "lost": f.STAGE_CLOSED_LOST,
    "expired": f.STAGE_CLOSED_LOST,
    "disqualified": f.STAGE_CLOSED_LOST,
    "withdrawn": f.STAGE_CLOSED_LOST,
}

INTEGRATION_OWNED = frozenset({f.PLAY_STATE, f.PLAY_DEADLINE, f.SIGNAL_TYPE, f.SIGNAL_EVIDENCE})

FieldValue = str | float


class PlaySnapshot(BaseModel):
    """What crm_sync knows about a play when it writes its Opportunity."""

    model_config = ConfigDict(frozen=True)

    play_id: str
    account_id: str  # the Salesforce Account id
    account_name: str
    adjacent_product: str
    state: str
    deadline: AwareDatetime
    expected_amount: Decimal | float | None = None
    signal_source: str  # gainsight | churnzero | product | support | salesforce | csm | partner
    signal_note_kind: str | None = None  # e.g. "qbr" for a QBR note
    signal_type: str
    signal_evidence: SignalEvidence = SignalEvidence()
    sponsor_name: str | None = None
    sponsor_title: str | None = None
    discovery_answers: tuple[str, str, str] | None = None
    owner_id: str | None = None  # a Salesforce User id


def signal_source_value(
    source: str, note_kind: str | None = None, source_map: Mapping[str, str] = DEFAULT_SOURCE_MAP
) -> str | None:
    """The ``Signal_Source__c`` picklist value for one of our sources, or None."""
    if note_kind is not None and note_kind.strip().lower() == QBR_NOTE_KIND:
        return f.SOURCE_QBR_NOTE
    return source_map.get(source.strip().lower())


def opportunity_name(account_name: str, adjacent_product: str) -> str:
    """The Opportunity name, "<Account> — <Adjacent product> cross-sell", at most 120 chars."""
    suffix = f" — {adjacent_product.strip()} cross-sell"
    account = account_name.strip()
    room = OPPORTUNITY_NAME_MAX - len(suffix)
    if len(account) > room:
        account = account[: max(room - 1, 0)] + "…"
    return (account + suffix)[:OPPORTUNITY_NAME_MAX]


def opportunity_fields(
    play: PlaySnapshot, source_map: Mapping[str, str] = DEFAULT_SOURCE_MAP
) -> dict[str, FieldValue]:
    """Every Opportunity field the play knows, ready for ``merge_for_write``.

    Unknown values (no sponsor yet, no answers yet) are left out, never blank.
    """
    deadline = play.deadline.astimezone(UTC)
    out: dict[str, FieldValue] = {
        f.NAME: opportunity_name(play.account_name, play.adjacent_product),
        f.TYPE: f.OPPORTUNITY_TYPE,
        f.ACCOUNT_ID: play.account_id,
        f.CLOSE_DATE: deadline.date().isoformat(),
        f.PLAY_STATE: play.state,
        f.PLAY_DEADLINE: deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
        f.SIGNAL_TYPE: play.signal_type,
        f.SIGNAL_EVIDENCE: format_evidence(
            play.signal_evidence, signal_type=play.signal_type, source=play.signal_source
        ),
    }
    if play.expected_amount is not None:
        out[f.AMOUNT] = round(float(play.expected_amount), 2)
    source = signal_source_value(play.signal_source, play.signal_note_kind, source_map)
    if source is not None:
        out[f.SIGNAL_SOURCE] = source
    _put_known(out, f.SPONSOR_NAME, play.sponsor_name)
    _put_known(out, f.SPONSOR_TITLE, play.sponsor_title)
    for name, answer in zip(f.DISCOVERY_ANSWERS, play.discovery_answers or (), strict=False):
        _put_known(out, name, answer)
    _put_known(out, f.OWNER_ID, play.owner_id)
    stage = stage_for_play_state(play.state, complete=not missing_items(out))
    if stage is not None:
        out[f.STAGE] = stage
    return out


def stage_for_play_state(state: str, *, complete: bool) -> str | None:
    """The stage a play state implies, or None when the play has no say.

    ``complete`` says whether the required fields are all known: Closed Won is
    only ever proposed for a complete opportunity.
    """
    stage = PLAY_STAGE.get(state)
    if stage == f.STAGE_CLOSED_WON and not complete:
        return None
    return stage


def merge_for_write(
    desired_from_play: Mapping[str, object],
    last_written_by_us: Mapping[str, object],
    current_in_salesforce: Mapping[str, object],
) -> dict[str, object]:
    """The fields to write now; empty when nothing needs writing (module docstring)."""
    writes: dict[str, object] = {}
    for name, ours in desired_from_play.items():
        if is_blank(ours):
            continue
        we_wrote = name in last_written_by_us
        last = last_written_by_us.get(name)
        current = current_in_salesforce[name] if name in current_in_salesforce else last
        if same_value(current, ours):
            continue
        if name in INTEGRATION_OWNED:
            writes[name] = ours
            continue
        changed_since_we_wrote = not we_wrote or not same_value(ours, last)
        untouched_by_rep = is_blank(current) or (we_wrote and same_value(current, last))
        if changed_since_we_wrote and untouched_by_rep:
            writes[name] = ours
    return writes


def _put_known(out: dict[str, FieldValue], name: str, value: str | None) -> None:
    if value is not None and value.strip():
        out[name] = value.strip()
