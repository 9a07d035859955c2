"""JSON webhooks from Salesforce (a Flow HTTP Callout or Apex), and their signature.

Body: a JSON array of 1 to 100 notifications (``WEBHOOK_JSON_SCHEMA``)::

    [{"notification_id": "a0B...-1",          # unique per change: the dedup key
      "organization_id": "00D...",             # must match the configured org
      "sobject": "Opportunity",
      "record": {"Id": "006...", "StageName": "Closed Won", "Amount": 42000, ...},
      "changed_at": "2026-11-02T14:00:00Z",    # with a UTC offset
      "changed_by_id": "005..."}]              # optional; else record.LastModifiedById

Record values are JSON scalars; ``to_notification`` turns them into the text
an Outbound Message would carry, so both paths feed the same handler.

Signature: ``X-Crosssell-Signature: t=<unix seconds>,v1=<hex>`` where the hex is
HMAC-SHA256 with the shared secret over ``"{t}.{body}"`` (the raw body bytes).
Several ``v1`` entries may be sent while a secret rotates; one must match.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from shared.signature import DEFAULT_TOLERANCE_S, SignatureError, sign, verify_signature
from shared.timerange import UtcDatetime

from . import fields as f
from .soap import Notification
from .values import as_text

SIGNATURE_HEADER = "X-Crosssell-Signature"
MAX_BODY_BYTES = 1024 * 1024
MAX_NOTIFICATIONS = 100


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text or JSONB (the notification is recorded).
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


NoNulText = Annotated[str, AfterValidator(_no_nul)]
NonEmpty = Annotated[
    str,
    StringConstraints(min_length=1, max_length=255, strip_whitespace=True),
    AfterValidator(_no_nul),
]
# NaN / Infinity literals parse as floats; no Salesforce field holds one.
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Scalar = NoNulText | int | FiniteFloat | bool | None


class WebhookParseError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WebhookNotification(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    notification_id: NonEmpty
    organization_id: NonEmpty
    sobject: Literal["Opportunity"]
    record: dict[NoNulText, Scalar]
    changed_at: UtcDatetime
    changed_by_id: NonEmpty | None = None

    @field_validator("record")
    @classmethod
    def _record_has_id(cls, record: dict[str, Scalar]) -> dict[str, Scalar]:
        record_id = record.get(f.ID)
        if not isinstance(record_id, str) or not record_id.strip():
            raise ValueError("record.Id is required")
        return record

    def to_notification(self) -> Notification:
        values = {name: as_text(value) for name, value in self.record.items()}
        if self.changed_by_id and not values.get(f.LAST_MODIFIED_BY_ID):
            values[f.LAST_MODIFIED_BY_ID] = self.changed_by_id
        return Notification(id=self.notification_id, sobject_type=self.sobject, fields=values)


_BATCH: TypeAdapter[list[WebhookNotification]] = TypeAdapter(
    Annotated[list[WebhookNotification], Field(min_length=1, max_length=MAX_NOTIFICATIONS)]
)
WEBHOOK_JSON_SCHEMA: dict[str, Any] = _BATCH.json_schema()


_BRANCHES = {"int", "float", "bool", "str", "none"}  # union branch tags in a loc


def parse_webhook(body: bytes, max_bytes: int = MAX_BODY_BYTES) -> list[WebhookNotification]:
    """The notifications in a webhook body; ``WebhookParseError`` names the first problem."""
    if len(body) > max_bytes:
        raise WebhookParseError(f"body larger than {max_bytes} bytes")
    try:
        return _BATCH.validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        # A union reports every branch; the finite-number one says what is wrong.
        first = next((e for e in errors if e["type"] == "finite_number"), errors[0])
        where = (
            ".".join(str(p) for p in first["loc"] if str(p) not in _BRANCHES and "[" not in str(p))
            or "body"
        )
        raise WebhookParseError(f"{where}: {first['msg']}") from exc


__all__ = [
    "DEFAULT_TOLERANCE_S",
    "SignatureError",
    "sign",
    "verify_signature",
]
