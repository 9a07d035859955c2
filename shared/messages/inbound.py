"""Canonical inbound events (SPEC section 4).

Every source (vendor pushes, product telemetry, the support desk, CSM notes)
is turned into one of these before it reaches Kafka. The envelope fields are
common; ``data`` is validated against the model of the event's ``type``.
Unknown keys inside ``data`` (and on the envelope) are ignored so senders can
add fields without breaking us; unknown *types* are rejected.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from shared.timerange import UtcDate, utc_in_range

EventType = Literal[
    "usage.metric",
    "usage.workaround",
    "ticket.opened",
    "ticket.closed",
    "account.profile",
    "account.renewal",
    "account.escalation",
    "account.stakeholder",
    "account.note",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
Source = Literal["gainsight", "churnzero", "product", "support", "salesforce", "csm", "partner"]
SOURCES: tuple[str, ...] = get_args(Source)
MAX_BATCH = 1000


def _not_bool(value: object) -> object:
    # pydantic's lax mode turns True into 1.0; a boolean is never a quantity.
    if isinstance(value, bool):
        raise ValueError("Input should be a number, not a boolean")
    return value


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text or JSONB: refuse it here, naming the field,
    # rather than fail later where the event is recorded or consumed.
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


NoNul = AfterValidator(_no_nul)
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoNul]
Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoNul]
EventId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul
]
AccountId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), NoNul
]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), NoNul]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000), NoNul]
Quantity = Annotated[float, BeforeValidator(_not_bool), Field(ge=0, allow_inf_nan=False)]
Capacity = Annotated[float, BeforeValidator(_not_bool), Field(gt=0, allow_inf_nan=False)]


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class UsageMetricData(_Data):
    product: Key
    metric: Key
    value: Quantity
    limit: Capacity | None
    module: Key | None = None


class UsageWorkaroundData(_Data):
    product: Key
    kind: Key
    detail: ShortText = ""


class Requester(_Data):
    contact_id: Key
    name: Name
    role: Label = ""


class TicketData(_Data):
    ticket_id: Key
    requester: Requester
    subject: ShortText
    description: LongText = ""
    topics: list[Key] = Field(default_factory=list, max_length=50)
    escalation: bool = False


class ProductHolding(_Data):
    product: Key
    tier: Key
    acv: Quantity
    renewal_date: UtcDate
    adoption_pct: Annotated[float, BeforeValidator(_not_bool), Field(ge=0, le=100)]


class AccountProfileData(_Data):
    """A profile snapshot. Every field is optional so a vendor can push one
    attribute (e.g. health); ``products``, when present, is the full list."""

    name: Name | None = None
    csm_owner: Name | None = None
    ae_owner: Name | None = None
    health: Literal["green", "yellow", "red"] | None = None
    products: list[ProductHolding] | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _not_empty(self) -> AccountProfileData:
        if all(getattr(self, f) is None for f in type(self).model_fields):
            raise ValueError("at least one profile field is required")
        return self


class AccountRenewalData(_Data):
    product: Key
    status: Literal["negotiating", "renewed", "churned"]
    renewal_date: UtcDate


class AccountEscalationData(_Data):
    escalation_id: Key
    status: Literal["opened", "resolved"]


class AccountStakeholderData(_Data):
    contact_id: Key
    name: Name
    title: Label = ""
    persona: Key
    change: Literal["added", "removed"]


NoteKind = Literal[
    "strategic_shift", "partner_flag", "competitor_evaluation", "competitor_purchase", "qbr"
]


class AccountNoteData(_Data):
    kind: NoteKind
    text: LongText
    adjacent_product: Key | None = None
    competitor: Name | None = None
    author_role: Literal["csm", "ae", "partner"] | None = None


class CanonicalEvent(BaseModel):
    """Common envelope; the concrete subclass fixes ``type`` and ``data``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: EventId
    type: EventType
    source: Source
    account_id: AccountId
    occurred_at: AwareDatetime
    data: _Data

    @field_validator("occurred_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return utc_in_range(value)

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class UsageMetricEvent(CanonicalEvent):
    type: Literal["usage.metric"]
    data: UsageMetricData


class UsageWorkaroundEvent(CanonicalEvent):
    type: Literal["usage.workaround"]
    data: UsageWorkaroundData


class TicketOpenedEvent(CanonicalEvent):
    type: Literal["ticket.opened"]
    data: TicketData


class TicketClosedEvent(CanonicalEvent):
    type: Literal["ticket.closed"]
    data: TicketData


class AccountProfileEvent(CanonicalEvent):
    type: Literal["account.profile"]
    data: AccountProfileData


class AccountRenewalEvent(CanonicalEvent):
    type: Literal["account.renewal"]
    data: AccountRenewalData


class AccountEscalationEvent(CanonicalEvent):
    type: Literal["account.escalation"]
    data: AccountEscalationData


class AccountStakeholderEvent(CanonicalEvent):
    type: Literal["account.stakeholder"]
    data: AccountStakeholderData


class AccountNoteEvent(CanonicalEvent):
    type: Literal["account.note"]
    data: AccountNoteData


AnyEvent = Annotated[
    UsageMetricEvent
    | UsageWorkaroundEvent
    | TicketOpenedEvent
    | TicketClosedEvent
    | AccountProfileEvent
    | AccountRenewalEvent
    | AccountEscalationEvent
    | AccountStakeholderEvent
    | AccountNoteEvent,
    Field(discriminator="type"),
]
_ADAPTER: TypeAdapter[CanonicalEvent] = TypeAdapter(AnyEvent)


def parse_event(obj: object) -> CanonicalEvent:
    """Validate one decoded JSON value; raises pydantic ``ValidationError``."""
    return _ADAPTER.validate_python(obj)


def validation_error_reason(exc: ValidationError, limit: int = 3) -> str:
    """A short reason naming the field path, e.g. ``data.limit: Input should be
    greater than 0``. Several errors are joined with '; ' (at most ``limit``)."""
    reasons: list[str] = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        if loc and loc[0] in EVENT_TYPES:
            loc = loc[1:]  # the discriminator tag pydantic puts first
        kind = err["type"]
        if kind == "union_tag_invalid":
            tag = (err.get("ctx") or {}).get("tag", err.get("input"))
            reasons.append(f"type: unknown event type {str(tag)[:100]!r}")
            continue
        if kind == "union_tag_not_found":
            reasons.append("type: Field required")
            continue
        path = _format_loc(loc) or "event"
        msg = err["msg"].removeprefix("Value error, ")
        reasons.append(f"{path}: {msg}")
    extra = len(reasons) - limit
    text = "; ".join(reasons[:limit])
    return f"{text} (+{extra} more)" if extra > 0 else text


def _format_loc(loc: list[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class BatchItemRejected(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int
    error: str


def split_batch(body: object) -> list[object] | str:
    """The body of ``POST /v1/events``: one event object or ``{"events": [...]}``
    (at most ``MAX_BATCH``). Returns the items, or a reason for rejecting all."""
    if isinstance(body, dict) and "events" in body and "type" not in body:
        items = body["events"]
        if not isinstance(items, list):
            return "events: Input should be a list"
        if len(items) > MAX_BATCH:
            return f"events: at most {MAX_BATCH} events per request, got {len(items)}"
        return list(items)
    if isinstance(body, dict):
        return [body]
    return 'body: expected an event object or {"events": [...]}'


def parse_batch(
    body: object,
) -> tuple[list[tuple[int, CanonicalEvent]], list[BatchItemRejected]]:
    """Validate every item; valid ones are returned with their index."""
    items = split_batch(body)
    if isinstance(items, str):
        return [], [BatchItemRejected(index=0, error=items)]
    accepted: list[tuple[int, CanonicalEvent]] = []
    rejected: list[BatchItemRejected] = []
    for index, item in enumerate(items):
        try:
            accepted.append((index, parse_event(item)))
        except ValidationError as exc:
            rejected.append(BatchItemRejected(index=index, error=validation_error_reason(exc)))
    return accepted, rejected
