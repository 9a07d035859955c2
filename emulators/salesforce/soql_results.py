"""Runs a compiled SOQL query on the store and renders rows as the REST API does.

Aggregate queries answer one ``AggregateResult`` per group (LIMIT and OFFSET
count groups); a child subquery renders as a nested query result (or null
when the parent has no matching children), its LIMIT applying per parent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from emulators.salesforce.schema import ObjectDef
from emulators.salesforce.soql_exec import AggregateColumn, CompiledQuery, Getter
from emulators.salesforce.store import Record, Store


def _sorted(query: CompiledQuery, rows: list[Record]) -> list[Record]:
    for get, descending, nulls_first, text in reversed(query.order):
        none_rank = 0 if nulls_first != descending else 2

        def key(r: Record, get: Getter = get, text: bool = text, rank: int = none_rank) -> Any:
            value = get(r)
            if value is None:
                return (rank, "")
            return (1, value.lower() if text and isinstance(value, str) else value)

        rows.sort(key=key, reverse=descending)
    return rows


def _matching(store: Store, query: CompiledQuery, include_deleted: bool) -> list[Record]:
    live = store.live[query.obj.name]
    source: Iterable[Record]
    if query.candidates is not None and not include_deleted:
        source = [live[i] for i in query.candidates() if i in live]
    else:
        source = list(live.values())
        if include_deleted:
            source += list(store.deleted[query.obj.name].values())
    pred = query.predicate
    return [r for r in source if pred(r)] if pred is not None else list(source)


def run(store: Store, query: CompiledQuery, include_deleted: bool = False) -> list[Record]:
    """Matching records (or aggregate rows), ordered and sliced, children attached."""
    rows = _sorted(query, _matching(store, query, include_deleted))
    if query.aggregate or query.group:
        rows = _groups(query, rows)
    start = query.offset or 0
    end = start + query.limit if query.limit is not None else None
    rows = rows[start:end]
    for child in query.children:
        wanted = {r["Id"] for r in rows}
        by_parent: dict[str, list[Record]] = {}
        for record in _sorted(child.query, _matching(store, child.query, False)):
            parent = record.get(child.foreign_key)
            if isinstance(parent, str) and parent in wanted:
                by_parent.setdefault(parent, []).append(record)
        limit = child.query.limit
        child.by_parent = {
            k: v[: limit if limit is not None else None] for k, v in by_parent.items()
        }
    return rows


def _groups(query: CompiledQuery, rows: list[Record]) -> list[Record]:
    groups: dict[tuple[Any, ...], list[Record]] = {}
    for record in rows:
        key = tuple(c.get(record) for c in query.group)
        groups.setdefault(key, []).append(record)
    if not query.group and not groups:
        groups[()] = []  # an aggregate over nothing still answers one row
    out: list[Record] = []
    for key, members in groups.items():
        row: Record = {"attributes": {"type": "AggregateResult"}}
        for column, value in zip(query.group, key, strict=True):
            row[column.path[-1]] = value
        for agg in query.aggregates:
            row[agg.name] = _aggregate(agg, members)
        out.append(row)
    return out


def _aggregate(agg: AggregateColumn, members: list[Record]) -> Any:
    if agg.column is None:
        return len(members)
    values = [v for v in (agg.column.get(r) for r in members) if v is not None]
    if agg.func == "COUNT":
        return len(values)
    if agg.func == "COUNT_DISTINCT":
        return len({v.lower() if isinstance(v, str) else v for v in values})
    if not values:
        return None
    if agg.func == "SUM":
        return sum(values)
    if agg.func == "AVG":
        return sum(values) / len(values)
    return min(values) if agg.func == "MIN" else max(values)


def render(query: CompiledQuery, record: Record, version: str) -> dict[str, Any]:
    if query.aggregate or query.group:
        return record  # already an AggregateResult row
    name = query.obj.name
    url = f"/services/data/v{version}/sobjects/{name}/{record['Id']}"
    out: dict[str, Any] = {"attributes": {"type": name, "url": url}}
    for kind, item in query.items:
        if kind == "child":
            children = item.by_parent.get(record["Id"])
            out[item.relationship] = (
                {
                    "totalSize": len(children),
                    "done": True,
                    "records": [render(item.query, c, version) for c in children],
                }
                if children
                else None
            )
            continue
        column = item
        if column.parent is None:
            out[column.path[0]] = record.get(column.path[0])
            continue
        rel_name, field_name = column.path
        ref = record.get(_relationship_key(query.obj, rel_name))
        if not ref:
            out[rel_name] = None
            continue
        nested = out.get(rel_name)
        if nested is None:
            nested = out[rel_name] = {
                "attributes": {
                    "type": column.parent.name,
                    "url": f"/services/data/v{version}/sobjects/{column.parent.name}/{ref}",
                }
            }
        nested[field_name] = column.get(record)
    return out


def _relationship_key(obj: ObjectDef, rel_name: str) -> str:
    rel = obj.relationship(rel_name)
    assert rel is not None
    return rel.name
