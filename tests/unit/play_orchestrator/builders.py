"""Test data for the play domain: a realistic account, its signal, and plays
driven into any state through legal commands only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.play_orchestrator.domain import (
    AccountInfo,
    BookMeeting,
    Brief,
    Close,
    Command,
    Contact,
    DiscoveryAnswers,
    Disqualify,
    EngageSponsor,
    Evidence,
    ExecutiveSponsor,
    Expire,
    GrantException,
    Pause,
    PauseReason,
    Play,
    PlayState,
    RecordDiscovery,
    ResolveReview,
    Resume,
    ReviewItem,
    SignalInfo,
    SignalRef,
    SubmitBrief,
    Template,
    TicketEvidence,
    Trigger,
    Withdraw,
    open_play,
)

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Monday 2 November 2026, 09:00 UTC: the usage ceiling is crossed.
SIGNAL_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
OPENED_AT = SIGNAL_AT + HOUR

OPERATOR = Contact(name="Dana Ruiz", title="Billing Operations Lead", contact_id="003-dana")
SPONSOR = ExecutiveSponsor(
    name="Priya Natarajan",
    title="VP Finance",
    contact_id="003-priya",
    last_touch=datetime(2026, 10, 20, 15, 0, tzinfo=UTC),
    relationship_owner="Sam (CSM)",
)
ANSWERS = DiscoveryAnswers(
    current_workflow="Two analysts export invoices to spreadsheets weekly; 3-day cycle",
    time_or_accuracy_loss="Manual reconciliation: 40 analyst hours and two billing errors a month",
    one_fix="Automated reconciliation; the billing ops lead feels it first",
)


def ticket(
    ticket_id: str = "T-1042",
    at: datetime = SIGNAL_AT - 10 * DAY,
    requester: Contact = OPERATOR,
) -> TicketEvidence:
    return TicketEvidence(
        ticket_id=ticket_id,
        requester=requester,
        subject="Reconciling invoices by hand every week",
        quote="manual reconciliation is killing us",
        occurred_at=at,
    )


def signal_info(
    occurred_at: datetime = SIGNAL_AT,
    tickets: tuple[TicketEvidence, ...] = (),
    surfaced_by: str = "csm",
) -> SignalInfo:
    usage = SignalRef(
        id="sig-usage-1",
        type="usage_ceiling",
        source="gainsight",
        surfaced_by=surfaced_by,  # type: ignore[arg-type]
        occurred_at=occurred_at,
        score=60,
        evidence=Evidence(
            summary="active_seats at 86 of 100 (86%)",
            numbers={"value": 86, "limit": 100},
        ),
    )
    signals = [usage]
    if tickets:
        signals.append(
            SignalRef(
                id="sig-pain-1",
                type="adjacent_pain",
                source="support",
                surfaced_by="system",
                occurred_at=occurred_at - DAY,
                score=40,
                evidence=Evidence(
                    summary="3 operators asked about reconciliation", tickets=tickets
                ),
            )
        )
    return SignalInfo(
        adjacent_product="Billing Automation",
        signals=tuple(signals),
        adjacent_problem="Removes manual invoice reconciliation.",
    )


ACCOUNT = AccountInfo(
    account_id="001-acme",
    name="Acme Logistics",
    core_product="Workflow Suite",
    core_acv=120_000,
    renewal_date=date(2027, 6, 30),
    ae_owner="alex.ae",
    csm_owner="sam.csm",
)


def new_play(
    template: Template = Template.JOINT_14,
    opened_at: datetime = OPENED_AT,
    with_ticket: bool = True,
) -> Play:
    tickets = (ticket(),) if with_ticket else ()
    return open_play(signal_info(tickets=tickets), ACCOUNT, template, opened_at, "play-1")


def brief_with_sponsor(sponsor: ExecutiveSponsor = SPONSOR) -> SubmitBrief:
    return SubmitBrief(actor="alex.ae", brief=Brief(sponsor=sponsor))


def meeting(at: datetime) -> BookMeeting:
    return BookMeeting(
        actor="sam.csm",
        meeting_at=at + 2 * DAY,
        attendees=("Dana Ruiz", "sam.csm", "alex.ae"),
        agenda="Map how invoices are reconciled today",
        next_step="Business case review with the VP Finance",
    )


def discovery(fit: bool = True) -> RecordDiscovery:
    return RecordDiscovery(actor="alex.ae", answers=ANSWERS, fit=fit, champion=OPERATOR)


def engage() -> EngageSponsor:
    return EngageSponsor(
        actor="sam.csm",
        name=SPONSOR.name,
        title=SPONSOR.title,
        contact_id=SPONSOR.contact_id,
        relationship_owner="sam.csm",
    )


EXCEPTION_REASON = "Customer board meets on the 20th; order signs after it"

# Paths of legal commands that reach each state (the last step's time is returned).
_PATHS: dict[PlayState, list[str]] = {
    PlayState.OPEN: [],
    PlayState.BRIEFED: ["brief"],
    PlayState.MEETING_BOOKED: ["brief", "meeting"],
    PlayState.DISCOVERY_DONE: ["brief", "meeting", "fit"],
    PlayState.SPONSOR_ENGAGED: ["brief", "meeting", "fit", "sponsor"],
    PlayState.WON: ["brief", "meeting", "fit", "sponsor", "won"],
    PlayState.LOST: ["brief", "lost"],
    PlayState.PAUSED: ["brief", "meeting", "pause"],
    PlayState.WITHDRAWN: ["brief", "meeting", "pause", "withdraw"],
    PlayState.EXPIRED: ["brief", "expire"],
    PlayState.DISQUALIFIED: ["brief", "meeting", "no_fit"],
}


def _step(play: Play, name: str, now: datetime) -> datetime:
    at = now + HOUR
    if name == "expire":
        at = play.deadline
    if name == "withdraw":
        assert play.paused_at is not None
        at = play.paused_at + 30 * DAY
    commands: dict[str, Command] = {
        "brief": brief_with_sponsor(),
        "meeting": meeting(at),
        "fit": discovery(True),
        "no_fit": discovery(False),
        "sponsor": engage(),
        "won": Close(actor="alex.ae", outcome="won", amount=50_000),
        "lost": Close(actor="alex.ae", outcome="lost", reason="budget frozen until Q3"),
        "pause": Pause(reason=PauseReason.ESCALATION_OPENED),
        "withdraw": Withdraw(),
        "expire": Expire(),
    }
    play.execute(commands[name], at)
    return at


def play_in(state: PlayState, template: Template = Template.JOINT_14) -> tuple[Play, datetime]:
    play = new_play(template)
    now = play.opened_at
    for name in _PATHS[state]:
        now = _step(play, name, now)
    assert play.state is state
    play.collect_events()
    return play, now


def sample(trigger: Trigger, play: Play, now: datetime) -> tuple[Command, datetime]:
    """A valid command for ``trigger`` and a time at which its guard holds."""
    at = now + HOUR
    if trigger is Trigger.EXPIRE:
        at = max(at, play.deadline)
    if trigger is Trigger.WITHDRAW and play.paused_at is not None:
        at = play.paused_at + 30 * DAY
    commands: dict[Trigger, Command] = {
        Trigger.SUBMIT_BRIEF: brief_with_sponsor(),
        Trigger.BOOK_MEETING: meeting(at),
        Trigger.DISCOVERY_FIT: discovery(True),
        Trigger.DISCOVERY_NO_FIT: discovery(False),
        Trigger.ENGAGE_SPONSOR: engage(),
        Trigger.PAUSE: Pause(reason=PauseReason.RENEWAL_NEGOTIATION),
        Trigger.RESUME: Resume(),
        Trigger.GRANT_EXCEPTION: GrantException(reason=EXCEPTION_REASON, extension_days=3),
        Trigger.CLOSE_WON: Close(outcome="won", amount=50_000),
        Trigger.CLOSE_LOST: Close(outcome="lost", reason="chose to wait a year"),
        Trigger.DISQUALIFY: Disqualify(reason="no executive sponsor can be named"),
        Trigger.WITHDRAW: Withdraw(),
        Trigger.EXPIRE: Expire(),
        Trigger.RESOLVE_REVIEW: ResolveReview(
            actor="Morgan Manager", review="review_day7", outcome="on_track", note="meeting set"
        ),
        Trigger.RESOLVE_REVIEW_CLOSE: ResolveReview(
            actor="Morgan Manager", review="review_day7", outcome="close_play", note="no budget"
        ),
    }
    if trigger in (Trigger.RESOLVE_REVIEW, Trigger.RESOLVE_REVIEW_CLOSE) and not play.reviews:
        play.reviews.append(raised_review(play, now))
    return commands[trigger], at


def raised_review(play: Play, now: datetime, kind: str = "review_day7") -> ReviewItem:
    """A review item as the day-7 timer files it."""
    return ReviewItem(kind=kind, day=7, due_at=now, raised_at=now, state=play.state, phase=None)
