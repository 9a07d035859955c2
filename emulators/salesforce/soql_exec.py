"""Compiles a parsed SOQL query against the schema and runs it on the store.

Compilation resolves every field path once (unknown ones are INVALID_FIELD,
as in a real org) and turns the WHERE clause into closures typed by field, so
running over 10,000+ records is a tight Python loop. An equality or IN on Id
or an indexed field narrows the candidates through the store's indexes first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from emulators.salesforce.errors import SfError, invalid_field
from emulators.salesforce.ids import to18
from emulators.salesforce.schema import NUMBER_TYPES, TEXT_TYPES, FieldDef, ObjectDef
from emulators.salesforce.soql import BoolOp, Compare, Condition, Literal, Query
from emulators.salesforce.store import Record, Store
from emulators.salesforce.values import parse_datetime

Getter = Callable[[Record], Any]
Predicate = Callable[[Record], bool]


@dataclass(frozen=True)
class Column:
    path: tuple[str, ...]  # canonical names: ("Name",) or ("Account", "Name")
    fdef: FieldDef
    get: Getter
    parent: ObjectDef | None


@dataclass
class CompiledQuery:
    obj: ObjectDef
    columns: list[Column]
    predicate: Predicate | None
    candidates: Callable[[], Iterable[str]] | None
    order: list[tuple[Getter, bool, bool, bool]]  # getter, descending, nulls_first, text
    limit: int | None
    offset: int | None
    count_only: bool


def _type_error(fdef: FieldDef, want: str, quoted: bool) -> SfError:
    hint = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
    return SfError(
        "INVALID_QUERY_FILTER_OPERATOR",
        f"value of filter criterion for field '{fdef.name}' must be of type {want} and {hint}",
    )


def _date_range(keyword: str, kind: str) -> tuple[str, str]:
    today = datetime.now(UTC).date()
    name, _, count = keyword.partition(":")
    days = int(count) if count else 0
    spans = {
        "TODAY": (today, today + timedelta(days=1)),
        "YESTERDAY": (today - timedelta(days=1), today),
        "TOMORROW": (today + timedelta(days=1), today + timedelta(days=2)),
        "LAST_N_DAYS": (today - timedelta(days=days), today + timedelta(days=1)),
        "NEXT_N_DAYS": (today + timedelta(days=1), today + timedelta(days=days + 1)),
    }
    if name not in spans:
        raise SfError("MALFORMED_QUERY", f"unexpected token: '{keyword}'")
    lo, hi = spans[name]

    def render(day: date) -> str:
        return day.isoformat() if kind == "date" else f"{day.isoformat()}T00:00:00.000+0000"

    return render(lo), render(hi)


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


def _compare(get: Getter, fdef: FieldDef, node: Compare) -> Predicate:
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
        lo, hi = _date_range(node.value.value, fdef.type)
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


class Compiler:
    def __init__(self, store: Store) -> None:
        self.store = store

    def compile(self, query: Query) -> CompiledQuery:
        obj = self._object(query.sobject)
        columns: list[Column] = []
        seen: set[tuple[str, ...]] = set()
        for raw in query.fields:
            column = self.column(obj, raw)
            if column.path in seen:
                raise SfError("MALFORMED_QUERY", f"duplicate field selected: {raw}")
            seen.add(column.path)
            columns.append(column)
        order = []
        for item in query.order:
            column = self.column(obj, item.path)
            order.append(
                (column.get, item.descending, item.nulls_first, column.fdef.type in TEXT_TYPES)
            )
        if query.offset is not None and query.offset > 2000:
            raise SfError("NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000")
        return CompiledQuery(
            obj=obj,
            columns=columns,
            predicate=self.condition(obj, query.where) if query.where else None,
            candidates=self._candidates(obj, query.where),
            order=order,
            limit=query.limit,
            offset=query.offset,
            count_only=query.count_only,
        )

    def _object(self, name: str) -> ObjectDef:
        for obj in self.store.schema.values():
            if obj.name.lower() == name.lower():
                return obj
        raise SfError(
            "INVALID_TYPE",
            f"sObject type '{name}' is not supported. If you are attempting to use a custom "
            "object, be sure to append the '__c' after the entity name. Please reference your "
            "WSDL or the describe call for the appropriate names.",
        )

    def column(self, obj: ObjectDef, raw: str) -> Column:
        parts = raw.split(".")
        if len(parts) == 1:
            fdef = obj.field(raw)
            if fdef is None:
                raise invalid_field(obj.name, raw)
            name = fdef.name
            return Column((name,), fdef, lambda r: r.get(name), None)
        rel = obj.relationship(parts[0]) if len(parts) == 2 else None
        parent = self.store.schema.get(rel.reference_to[0]) if rel and rel.reference_to else None
        if rel is None or parent is None or len(rel.reference_to) != 1:
            raise SfError(
                "INVALID_FIELD", f"Didn't understand relationship '{parts[0]}' in field path."
            )
        pfield = parent.field(parts[1])
        if pfield is None:
            raise invalid_field(parent.name, parts[1])
        live, key, name = self.store.live[parent.name], rel.name, pfield.name

        def get(record: Record) -> Any:
            ref = record.get(key)
            parent_record = live.get(ref) if ref else None
            return parent_record.get(name) if parent_record else None

        assert rel.relationship_name is not None
        return Column((rel.relationship_name, pfield.name), pfield, get, parent)

    def condition(self, obj: ObjectDef, node: Condition) -> Predicate:
        if isinstance(node, Compare):
            column = self.column(obj, node.path)
            return _compare(column.get, column.fdef, node)
        parts = [self.condition(obj, item) for item in node.items]
        if node.op == "NOT":
            inner = parts[0]
            return lambda r: not inner(r)
        if node.op == "AND":
            return lambda r: all(p(r) for p in parts)
        return lambda r: any(p(r) for p in parts)

    def _candidates(
        self, obj: ObjectDef, where: Condition | None
    ) -> Callable[[], Iterable[str]] | None:
        nodes: tuple[Condition, ...] = ()
        if isinstance(where, Compare):
            nodes = (where,)
        elif isinstance(where, BoolOp) and where.op == "AND":
            nodes = where.items
        for node in nodes:
            if not isinstance(node, Compare) or node.op not in ("=", "IN") or "." in node.path:
                continue
            fdef = obj.field(node.path)
            if fdef is None or not (fdef.name == "Id" or fdef.indexed):
                continue
            lits = node.value if isinstance(node.value, tuple) else (node.value,)
            if any(lit.kind != "string" for lit in lits):
                continue
            return _index_lookup(self.store, obj.name, fdef, lits)
        return None


def _index_lookup(
    store: Store, sobject: str, fdef: FieldDef, lits: tuple[Literal, ...]
) -> Callable[[], Iterable[str]]:
    def candidates() -> Iterable[str]:
        ids: dict[str, None] = {}
        for lit in lits:
            ids.update(dict.fromkeys(store.find(sobject, fdef, lit.value)))
        return ids

    return candidates
