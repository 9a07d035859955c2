"""Comparing field values across the shapes Salesforce and we use for them.

What we write is JSON-typed (``42000.0``, ``"2026-11-16T14:00:00Z"``); what
Salesforce sends back is text (``"42000.0"``, ``"2026-11-16T14:00:00.000Z"``,
``"true"``). Two values are the same when they mean the same thing: blank equals
blank, numbers compare as decimals, ISO datetimes compare as instants.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})")


def is_blank(value: object) -> bool:
    """None, or text that is empty or only whitespace."""
    if value is None:
        return True
    return isinstance(value, str) and not value.strip()


def as_text(value: object) -> str | None:
    """The Salesforce wire text of a JSON-typed value (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def same_value(a: object, b: object) -> bool:
    """True when ``a`` and ``b`` hold the same Salesforce value."""
    if is_blank(a) or is_blank(b):
        return is_blank(a) and is_blank(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return (as_text(a) or "").lower() == (as_text(b) or "").lower()
    if _is_number(a) or _is_number(b):
        da, db = _decimal(a), _decimal(b)
        if da is not None and db is not None and da.is_finite() and db.is_finite():
            return da == db
    ta, tb = _normalise_newlines(str(a)), _normalise_newlines(str(b))
    if ta == tb:
        return True
    if _DATETIME.fullmatch(ta) and _DATETIME.fullmatch(tb):
        try:
            return datetime.fromisoformat(ta) == datetime.fromisoformat(tb)
        except ValueError:
            return False
    return False


def parse_amount(value: object) -> float | None:
    """A currency amount from Salesforce text, or None when absent or not a number."""
    if is_blank(value) or isinstance(value, bool):
        return None
    number = _decimal(value)
    if number is None or not number.is_finite():
        return None
    return float(number)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n")
