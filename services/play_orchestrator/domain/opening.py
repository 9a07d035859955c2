"""Opening a play from qualified signals."""

from __future__ import annotations

from datetime import datetime

from . import events as ev
from .brief import prefill_brief
from .errors import InvalidCommand
from .inputs import AccountInfo, SignalInfo, SignalSnapshot
from .model import Play, require_aware
from .records import HistoryEntry
from .states import EXPECTED_AMOUNT_RATIO, SYSTEM_ACTOR, TEMPLATES, PlayState, Template


def open_play(
    signal_info: SignalInfo,
    account_info: AccountInfo,
    template: Template | str,
    now: datetime,
    play_id: str,
    *,
    actor: str = SYSTEM_ACTOR,
    expected_amount_ratio: float = EXPECTED_AMOUNT_RATIO,
) -> Play:
    """A new play in ``open`` with its brief pre-filled (items 1, 2, 3 and,
    from ticket evidence of the last 60 days, 5), the deadline set to the
    signal's ``occurred_at`` plus the template window, and PlayOpened and
    DeadlineSet pending.

    Refuses (``InvalidCommand``) a signal whose window has already closed:
    such a signal is stale and opens nothing.
    """
    require_aware(now)
    spec = TEMPLATES[Template(template)]
    if not 0 < expected_amount_ratio <= 10:
        raise InvalidCommand("expected_amount_ratio must be a positive ratio, e.g. 0.42")
    occurred_at = signal_info.occurred_at
    deadline = occurred_at + spec.window
    if deadline <= now:
        raise InvalidCommand(
            f"signal from {occurred_at.isoformat()} is older than the "
            f"{spec.window_days}-day window of {spec.template.value}: stale"
        )
    primary = signal_info.primary
    play = Play(
        id=play_id,
        account_id=account_info.account_id,
        adjacent_product=signal_info.adjacent_product,
        template=spec.template,
        state=PlayState.OPEN,
        signal=SignalSnapshot.of(signal_info),
        core_product=account_info.core_product,
        core_acv=account_info.core_acv,
        renewal_date=account_info.renewal_date,
        expected_amount=round(account_info.core_acv * expected_amount_ratio, 2),
        owner=account_info.ae_owner,
        csm=account_info.csm_owner,
        opened_at=now,
        signal_occurred_at=occurred_at,
        deadline=deadline,
        brief=prefill_brief(signal_info, account_info, now),
        history=[
            HistoryEntry(
                at=now,
                from_state=None,
                to_state=PlayState.OPEN,
                actor=actor,
                command="open_play",
                reason=f"signal {primary.type} ({primary.id}), score {signal_info.total_score:g}",
            )
        ],
    )
    play.record(
        play.new_event(
            ev.PlayOpened,
            now,
            actor,
            template=play.template,
            signal=play.signal,
            signal_occurred_at=occurred_at,
            core_product=play.core_product,
            core_acv=play.core_acv,
            renewal_date=play.renewal_date,
            expected_amount=play.expected_amount,
            owner=play.owner,
            csm=play.csm,
            deadline=deadline,
        ),
        play.new_event(
            ev.DeadlineSet,
            now,
            actor,
            deadline=deadline,
            reason=f"{spec.window_days}-day window from the signal ({spec.template.value})",
        ),
    )
    return play
