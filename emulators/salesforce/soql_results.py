"""Runs a compiled SOQL query on the store and renders rows as the REST API does."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from emulators.salesforce.schema import ObjectDef
from emulators.salesforce.soql_exec import CompiledQuery, Getter
from emulators.salesforce.store import Record, Store


def run(store: Store, query: CompiledQuery, include_deleted: bool = False) -> list[Record]:
    """Matching records, ordered and sliced (without rendering)."""
    live = store.live[query.obj.name]
    source: Iterable[Record]
    if query.candidates is not None and not include_deleted:
        source = [live[i] for i in query.candidates() if i in live]
    else:
        source = list(live.values())
        if include_deleted:
            source += list(store.deleted[query.obj.name].values())
    pred = query.predicate
    rows = [r for r in source if pred(r)] if pred is not None else list(source)
    for get, descending, nulls_first, text in reversed(query.order):
        none_rank = 0 if nulls_first != descending else 2

        def key(r: Record, get: Getter = get, text: bool = text, rank: int = none_rank) -> Any:
            value = get(r)
            if value is None:
                return (rank, "")
            return (1, value.lower() if text and isinstance(value, str) else value)

        rows.sort(key=key, reverse=descending)
    start = query.offset or 0
    end = start + query.limit if query.limit is not None else None
    return rows[start:end]


def render(query: CompiledQuery, record: Record, version: str) -> dict[str, Any]:
    name = query.obj.name
    url = f"/services/data/v{version}/sobjects/{name}/{record['Id']}"
    out: dict[str, Any] = {"attributes": {"type": name, "url": url}}
    for column in query.columns:
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
