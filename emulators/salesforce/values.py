"""Field value coercion for writes, and the datetime format Salesforce uses.

Writes are normalised once on the way in (ids to 18 chars, datetimes to UTC
``2013-05-20T20:49:32.000+0000``, "" to null) so storage, SOQL comparison and
rendering never need to re-parse values: the datetime strings sort correctly.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from emulators.salesforce.errors import SfError
from emulators.salesforce.ids import looks_like_id, to18
from emulators.salesforce.schema import NUMBER_TYPES, TEXT_TYPES, FieldDef

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$"
)


def format_datetime(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def now_string() -> str:
    return format_datetime(datetime.now(UTC))


def parse_datetime(text: str) -> str | None:
    """Normalise any ISO-8601 datetime Salesforce accepts; None if it is not one."""
    match = _DATETIME_RE.match(text)
    if not match:
        return None
    day, clock, fraction, zone = match.groups()
    zone = zone or "Z"
    if zone == "Z":
        zone = "+00:00"
    elif ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    micro = (fraction or "0")[:6].ljust(6, "0")
    try:
        moment = datetime.fromisoformat(f"{day}T{clock}.{micro}{zone}")
    except ValueError:
        return None
    return format_datetime(moment)


def parse_date(text: str) -> str | None:
    if not _DATE_RE.match(text):
        return None
    try:
        date.fromisoformat(text)
    except ValueError:
        return None
    return text


def _parser_error(kind: str, value: Any) -> SfError:
    return SfError(
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from VALUE_STRING value {value} or request "
        "may be missing a required field",
    )


def coerce(fdef: FieldDef, value: Any) -> Any:
    """Validate one written value against its field; return the stored form."""
    if value is None:
        return None
    kind = fdef.type
    if kind in TEXT_TYPES:
        return _coerce_text(fdef, value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _parser_error("boolean", value)
        return value
    if kind in NUMBER_TYPES:
        return _coerce_number(fdef, value)
    if kind == "date":
        parsed = parse_date(value) if isinstance(value, str) else None
        if parsed is None:
            raise _parser_error("date", value)
        return parsed
    if kind == "datetime":
        parsed_dt = parse_datetime(value) if isinstance(value, str) else None
        if parsed_dt is None:
            raise _parser_error("datetime", value)
        return parsed_dt
    return value


def _coerce_text(fdef: FieldDef, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _parser_error("string", value)
    text = value if isinstance(value, str) else str(value)
    if text == "":
        return None
    if fdef.type in ("id", "reference"):
        if not looks_like_id(text):
            raise SfError(
                "MALFORMED_ID",
                f"{fdef.label}: id value of incorrect type: {text}",
                400,
                [fdef.name],
            )
        return to18(text)
    if fdef.type == "picklist" and fdef.restricted:
        return _restricted_value(fdef, text)
    if fdef.length and len(text) > fdef.length:
        shown = text[:20] + "..." if len(text) > 20 else text
        raise SfError(
            "STRING_TOO_LONG",
            f"{fdef.label}: data value too large: {shown} (max length={fdef.length})",
            400,
            [fdef.name],
        )
    return text


def _restricted_value(fdef: FieldDef, text: str) -> str:
    if text in fdef.picklist:
        return text
    for allowed in fdef.picklist:
        if allowed.lower() == text.lower():
            return allowed
    raise SfError(
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        f"{fdef.label}: bad value for restricted picklist field: {text}",
        400,
        [fdef.name],
    )


def _coerce_number(fdef: FieldDef, value: Any) -> int | float:
    number: int | float
    if isinstance(value, bool):
        raise _parser_error("double", value)
    if isinstance(value, int | float):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise _parser_error("double", value) from None
    else:
        raise _parser_error("double", value)
    if fdef.type == "int":
        if float(number) != int(number):
            raise _parser_error("int", value)
        return int(number)
    return float(number)
