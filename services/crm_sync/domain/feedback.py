"""What a change made in Salesforce means for the play, and how to spot our own.

``feedback_commands`` compares the values we last knew for an Opportunity with
the values a notification (Outbound Message or webhook) carries and returns the
messages for ``crosssell.crm``:

* ``DiscoveryAnswersChanged`` — all three answers are filled in now and at least
  one differs from before;
* ``SponsorChanged`` — the sponsor's name or title changed and a name is there
  (clearing a sponsor tells the play nothing it can act on);
* ``OpportunityClosed`` — the stage became Closed Won or Closed Lost. A Closed
  Won that enforcement rolled back (``rolled_back_to``) did not happen.

A value equal to what we last wrote is ours, not news, so it is never fed back.
Fields missing from a notification are read as unchanged.

``is_echo`` recognises the notification our own write caused: it must cause no
write and no feedback, or each write would trigger the next.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from shared.timerange import utc_in_range

from . import fields as f
from .values import is_blank, parse_amount, same_value


class DiscoveryAnswersChanged(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: Literal["DiscoveryAnswersChanged"] = "DiscoveryAnswersChanged"
    play_id: str
    opportunity_id: str
    answers: tuple[str, str, str]


class SponsorChanged(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: Literal["SponsorChanged"] = "SponsorChanged"
    play_id: str
    opportunity_id: str
    name: str
    title: str | None = None


class OpportunityClosed(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: Literal["OpportunityClosed"] = "OpportunityClosed"
    play_id: str
    opportunity_id: str
    outcome: Literal["won", "lost"]
    amount: float | None = None
    stage: str


CrmCommand = DiscoveryAnswersChanged | SponsorChanged | OpportunityClosed


def feedback_commands(
    previous: Mapping[str, object],
    current: Mapping[str, object],
    *,
    play_id: str,
    opportunity_id: str,
    last_written_by_us: Mapping[str, object] | None = None,
    rolled_back_to: str | None = None,
    won_stage: str = f.STAGE_CLOSED_WON,
    lost_stage: str = f.STAGE_CLOSED_LOST,
) -> list[CrmCommand]:
    """The ``crosssell.crm`` messages a change from ``previous`` to ``current`` means."""
    ours = last_written_by_us or {}
    now = {**previous, **current}
    commands: list[CrmCommand] = []

    answers = [now.get(name) for name in f.DISCOVERY_ANSWERS]
    if _all_text(answers) and _news(f.DISCOVERY_ANSWERS, previous, now, ours):
        a1, a2, a3 = (str(a).strip() for a in answers)
        commands.append(
            DiscoveryAnswersChanged(
                play_id=play_id, opportunity_id=opportunity_id, answers=(a1, a2, a3)
            )
        )

    sponsor = (f.SPONSOR_NAME, f.SPONSOR_TITLE)
    name, title = now.get(f.SPONSOR_NAME), now.get(f.SPONSOR_TITLE)
    if _all_text([name]) and _news(sponsor, previous, now, ours):
        clean_title = None if is_blank(title) else str(title).strip()
        commands.append(
            SponsorChanged(
                play_id=play_id,
                opportunity_id=opportunity_id,
                name=str(name).strip(),
                title=clean_title,
            )
        )

    stage = rolled_back_to if rolled_back_to is not None else now.get(f.STAGE)
    if stage in (won_stage, lost_stage) and _news((f.STAGE,), previous, {f.STAGE: stage}, ours):
        outcome: Literal["won", "lost"] = "won" if stage == won_stage else "lost"
        amount = parse_amount(now.get(f.AMOUNT))
        commands.append(
            OpportunityClosed(
                play_id=play_id,
                opportunity_id=opportunity_id,
                outcome=outcome,
                amount=amount,
                stage=stage,
            )
        )
    return commands


def is_echo(
    notification_fields: Mapping[str, object],
    last_written_by_us: Mapping[str, object],
    integration_user_id: str | None,
    last_modified_by_id: str | None = None,
) -> bool:
    """True when the notification only reports what we last wrote.

    Every field we last wrote that the notification carries must hold our value.
    Then it is an echo when our integration user made the change, or when every
    other field it carries is one we wrote too (nothing a rep could have typed).
    ``last_written_by_us`` must hold every field we wrote, roll-backs and
    hygiene included. ``last_modified_by_id`` defaults to the notification's
    ``LastModifiedById``.
    """
    if not last_written_by_us:
        return False
    for name, ours in last_written_by_us.items():
        if name in notification_fields and not same_value(notification_fields[name], ours):
            return False
    modified_by = last_modified_by_id or _text(notification_fields.get(f.LAST_MODIFIED_BY_ID))
    if integration_user_id and modified_by and same_salesforce_id(modified_by, integration_user_id):
        return True
    carried = [name for name in notification_fields if name not in f.SYSTEM_FIELDS]
    return bool(carried) and all(name in last_written_by_us for name in carried)


def is_older(current: Mapping[str, object], known: Mapping[str, object]) -> bool:
    """True when ``current`` was stamped before ``known``: a late, out-of-order notification.

    Outbound Messages are retried for 24 hours and may arrive out of order;
    compares ``SystemModstamp`` (else ``LastModifiedDate``) when both carry it.
    """
    for stamp in (f.SYSTEM_MODSTAMP, f.LAST_MODIFIED_DATE):
        a, b = _instant(current.get(stamp)), _instant(known.get(stamp))
        if a is not None and b is not None:
            return a < b
    return False


def same_salesforce_id(a: str, b: str) -> bool:
    """Ids compare equal in their 15- (case-sensitive) or 18-character forms."""
    if len(a) == len(b):
        return a == b
    if {len(a), len(b)} == {15, 18}:
        return a[:15] == b[:15]
    return False


def _news(
    names: tuple[str, ...],
    previous: Mapping[str, object],
    now: Mapping[str, object],
    ours: Mapping[str, object],
) -> bool:
    """Some field changed to a value that is not simply the one we wrote."""
    return any(
        not same_value(previous.get(n), now.get(n))
        and not (n in ours and same_value(ours[n], now.get(n)))
        for n in names
    )


def _all_text(values: list[object]) -> bool:
    return all(not is_blank(v) for v in values)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
        utc_in_range(parsed)  # past the supported range: as good as absent
    except ValueError:
        return None
    return parsed
