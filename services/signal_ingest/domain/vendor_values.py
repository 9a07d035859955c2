"""Reading and coercing vendor values: paths, value tables, numbers, dates.

Every failure raises ``Reject`` with a message naming the vendor field, which
the mapper turns into a per-item rejection.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

from shared.timerange import date_in_range, utc_in_range


class Reject(Exception):
    """One vendor record cannot be mapped; the message names the field."""


def lookup(value: Any, table: dict[str, Any] | None, where: str) -> Any:
    if table is None:
        return value
    folded = {str(k).strip().casefold(): v for k, v in table.items()}
    key = str(value).strip().casefold() if isinstance(value, str | int | float) else None
    if key is None or key not in folded:
        raise Reject(f"{where}: {show(value)} is not one of {sorted(table)}")
    return folded[key]


def coerce(value: Any, kind: str, where: str) -> Any:
    if kind == "str":
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{value:g}" if isinstance(value, float) else str(value)
        raise Reject(f"{where}: expected text, got {show(value)}")
    if kind in ("number", "int"):
        number: float | None = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value.strip().replace(",", ""))
            except ValueError:
                number = None
        if number is None or not math.isfinite(number):
            raise Reject(f"{where}: expected a number, got {show(value)}")
        if kind == "int":
            if not number.is_integer():
                raise Reject(f"{where}: expected a whole number, got {show(value)}")
            return int(number)
        return number
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().casefold()
        if text in ("true", "yes", "1", "y"):
            return True
        if text in ("false", "no", "0", "n"):
            return False
        raise Reject(f"{where}: expected true/false, got {show(value)}")
    if kind == "list":
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        raise Reject(f"{where}: expected a list or comma-separated text, got {show(value)}")
    if kind == "date":
        moment = parse_time(value, where, naive="utc")
        return moment.date().isoformat() if isinstance(moment, datetime) else moment.isoformat()
    return parse_time(value, where, naive="utc").isoformat()  # datetime


def parse_time(value: Any, where: str, naive: str) -> datetime | date:
    moment = _parse_time(value, where, naive)
    try:
        if isinstance(moment, datetime):
            return utc_in_range(moment)
        return date_in_range(moment)
    except ValueError as exc:
        raise Reject(f"{where}: {exc}") from None


def _parse_time(value: Any, where: str, naive: str) -> datetime | date:
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) > 1e11 else value  # epoch ms or s
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise Reject(f"{where}: timestamp out of range") from exc
    if not isinstance(value, str):
        raise Reject(f"{where}: expected an ISO-8601 date, got {show(value)}")
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise Reject(f"{where}: not an ISO-8601 date: {show(value)}") from exc
    if moment.tzinfo is None:
        if naive == "reject":
            raise Reject(f"{where}: needs a timezone offset: {show(value)}")
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise Reject(f"{where}: date out of range: {show(value)}") from exc


def first_of(record: dict[str, Any], paths: list[str]) -> Any:
    for path in paths:
        value = get_path(record, path)
        if value is not None and value != "":
            return value
    return None


def get_path(record: dict[str, Any], path: str) -> Any:
    if path in record:
        return record[path]
    node: Any = record
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def text_of(value: Any, where: str) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise Reject(f"{where}: required text, got {show(value)}")


def show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
