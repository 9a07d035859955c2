"""WHERE-clause predicates: one closure per comparison, typed by the field."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from emulators.salesforce.errors import SfError
from emulators.salesforce.ids import to18
from emulators.salesforce.schema import NUMBER_TYPES, TEXT_TYPES, FieldDef
from emulators.salesforce.soql import Compare, Literal
from emulators.salesforce.soql_dates import date_range
from emulators.salesforce.values import parse_datetime

Getter = Callable[[dict[str, Any]], Any]
Predicate = Callable[[dict[str, Any]], bool]


def _type_error(fdef: FieldDef, want: str, quoted: bool) -> SfError:
    hint = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
    return SfError(
        "INVALID_QUERY_FILTER_OPERATOR",
        f"value of filter criterion for field '{fdef.name}' must be of type {want} and {hint}",
    )


def _literal_value(fdef: FieldDef, lit: Literal) -> Any:
    """The literal in the stored representation of ``fdef`` (lower-cased for text)."""
    kind = fdef.type
    if lit.kind == "null":
        return None
    if kind in TEXT_TYPES:
        if lit.kind != "string":
            raise _type_error(fdef, "string", quoted=True)
        text = to18(lit.value) if kind in ("id", "reference") else lit.value
        return text.lower()
    if kind in NUMBER_TYPES:
        if lit.kind != "number":
            raise _type_error(fdef, "double", quoted=False)
        return lit.value
    if kind == "boolean":
        if lit.kind != "bool":
            raise _type_error(fdef, "boolean", quoted=False)
        return lit.value
    if kind == "date" and lit.kind == "date":
        return lit.value
    if kind == "datetime" and lit.kind == "datetime":
        return parse_datetime(lit.value)
    raise _type_error(fdef, kind, quoted=False)


def compare(get: Getter, fdef: FieldDef, node: Compare) -> Predicate:
    text = fdef.type in TEXT_TYPES
    norm: Getter = (lambda r: _lower(get(r))) if text else get
    if node.op in ("IN", "NOT IN"):
        assert isinstance(node.value, tuple)
        wanted = {_literal_value(fdef, lit) for lit in node.value}
        if node.op == "IN":
            return lambda r: norm(r) in wanted
        return lambda r: norm(r) not in wanted
    assert isinstance(node.value, Literal)
    if node.op == "LIKE":
        if not text:
            raise SfError("INVALID_QUERY_FILTER_OPERATOR", f"invalid operator on {fdef.name}")
        regex = _like_regex(node.value.value)
        return lambda r: (v := get(r)) is not None and regex.match(v) is not None
    if node.value.kind == "dateliteral":
        if fdef.type not in ("date", "datetime"):
            raise _type_error(fdef, fdef.type, quoted=False)
        lo, hi = date_range(node.value.value, fdef.type)
        return _range_predicate(get, node.op, lo, hi)
    want = _literal_value(fdef, node.value)
    op = node.op
    if want is None:
        if op == "=":
            return lambda r: get(r) is None
        if op == "!=":
            return lambda r: get(r) is not None
        raise SfError("MALFORMED_QUERY", f"null is not valid with operator {op}")
    if op == "=":
        return lambda r: norm(r) == want
    if op == "!=":
        return lambda r: norm(r) != want
    ops: dict[str, Callable[[Any], bool]] = {
        "<": lambda v: v < want,
        "<=": lambda v: v <= want,
        ">": lambda v: v > want,
        ">=": lambda v: v >= want,
    }
    check = ops[op]
    return lambda r: (v := norm(r)) is not None and check(v)


def _range_predicate(get: Getter, op: str, lo: str, hi: str) -> Predicate:
    checks: dict[str, Callable[[str], bool]] = {
        "=": lambda v: lo <= v < hi,
        "!=": lambda v: not lo <= v < hi,
        "<": lambda v: v < lo,
        "<=": lambda v: v < hi,
        ">": lambda v: v >= hi,
        ">=": lambda v: v >= lo,
    }
    check = checks[op]
    return lambda r: (v := get(r)) is not None and check(v)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _like_regex(pattern: str) -> re.Pattern[str]:
    out = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            out.append(re.escape(next(chars, "")))
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out) + r"\Z", re.IGNORECASE | re.DOTALL)
