"""Compiles a parsed SOQL query against the schema and runs it on the store.

Compilation resolves every field path once (unknown ones are INVALID_FIELD,
as in a real org) and turns the WHERE clause into closures typed by field, so
running over 10,000+ records is a tight Python loop. An equality or IN on Id
or an indexed field narrows the candidates through the store's indexes first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from emulators.salesforce.errors import SfError, invalid_field
from emulators.salesforce.schema import NUMBER_TYPES, TEXT_TYPES, FieldDef, ObjectDef
from emulators.salesforce.soql import Aggregate, BoolOp, Compare, Condition, Literal, Query
from emulators.salesforce.soql_predicates import compare
from emulators.salesforce.store import Record, Store

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
    aggregates: list[AggregateColumn] = field(default_factory=list)
    group: list[Column] = field(default_factory=list)
    children: list[ChildQuery] = field(default_factory=list)
    # select items in order: ("field", Column) | ("agg", AggregateColumn) | ("child", ChildQuery)
    items: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def aggregate(self) -> bool:
        return bool(self.aggregates)


@dataclass
class AggregateColumn:
    name: str  # the alias, or exprN
    func: str
    column: Column | None  # None for COUNT()
    display: str


@dataclass
class ChildQuery:
    relationship: str
    foreign_key: str
    query: CompiledQuery
    by_parent: dict[str, list[Record]] = field(default_factory=dict)  # filled by each run


# (parent object, relationship name lower-cased) -> (name, child object, foreign key)
CHILD_RELATIONSHIPS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("Account", "opportunities"): ("Opportunities", "Opportunity", "AccountId"),
    ("Account", "contacts"): ("Contacts", "Contact", "AccountId"),
    ("Account", "tasks"): ("Tasks", "Task", "WhatId"),
    ("Opportunity", "tasks"): ("Tasks", "Task", "WhatId"),
    ("Contact", "tasks"): ("Tasks", "Task", "WhoId"),
    ("User", "opportunities"): ("Opportunities", "Opportunity", "OwnerId"),
}


class Compiler:
    def __init__(self, store: Store) -> None:
        self.store = store

    def compile(self, query: Query, obj: ObjectDef | None = None) -> CompiledQuery:
        obj = obj or self._object(query.sobject)
        columns: list[Column] = []
        items: list[tuple[str, Any]] = []
        aggregates: list[AggregateColumn] = []
        children: list[ChildQuery] = []
        seen: set[tuple[str, ...]] = set()
        for item in query.items or query.fields:
            if isinstance(item, Aggregate):
                agg = self._aggregate(obj, item, len(aggregates))
                aggregates.append(agg)
                items.append(("agg", agg))
                continue
            if isinstance(item, Query):
                child = self._child(obj, item)
                children.append(child)
                items.append(("child", child))
                continue
            column = self.column(obj, item)
            if column.path in seen:
                raise SfError("MALFORMED_QUERY", f"duplicate field selected: {item}")
            seen.add(column.path)
            columns.append(column)
            items.append(("field", column))
        group = [self.column(obj, raw) for raw in query.group_by]
        if aggregates or group:
            grouped = {c.path for c in group}
            for column in columns:
                if column.path not in grouped:
                    raise SfError(
                        "MALFORMED_QUERY",
                        f"Field must be grouped or aggregated: {column.fdef.name}",
                    )
        order = []
        for by in query.order:
            column = self.column(obj, by.path)
            order.append(
                (column.get, by.descending, by.nulls_first, column.fdef.type in TEXT_TYPES)
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
            aggregates=[] if query.count_only else aggregates,
            group=group,
            children=children,
            items=items,
        )

    def _aggregate(self, obj: ObjectDef, item: Aggregate, index: int) -> AggregateColumn:
        column = self.column(obj, item.path) if item.path else None
        if column is not None and item.func in ("SUM", "AVG"):
            if column.fdef.type not in NUMBER_TYPES:
                raise SfError(
                    "MALFORMED_QUERY",
                    f"field {column.fdef.name} does not support aggregate operator {item.func}",
                )
        return AggregateColumn(item.alias or f"expr{index}", item.func, column, item.display)

    def _child(self, obj: ObjectDef, sub: Query) -> ChildQuery:
        found = CHILD_RELATIONSHIPS.get((obj.name, sub.sobject.lower()))
        if found is None:
            raise SfError(
                "INVALID_TYPE",
                f"Didn't understand relationship '{sub.sobject}' in FROM part of query call. "
                "If you are attempting to use a custom relationship, be sure to append the "
                "'__r' after the custom relationship name.",
            )
        name, child_object, foreign_key = found
        compiled = self.compile(sub, self.store.schema[child_object])
        if compiled.aggregate or compiled.children:
            raise SfError("MALFORMED_QUERY", "Aggregate or nested sub-selects are not supported")
        return ChildQuery(name, foreign_key, compiled)

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
            return compare(column.get, column.fdef, node)
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
