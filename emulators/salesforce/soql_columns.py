"""``query?q=…&columns=true``: the column metadata of a query, not its rows.

``sf data query`` asks for it to lay out its table: a field is a column, a
parent field is a column with ``joinColumns``, a child subquery is an
``aggregate`` column whose ``joinColumns`` are the child's fields, and an
aggregate function is an ``aggregate`` column named by its alias or ``exprN``.
"""

from __future__ import annotations

from typing import Any

from emulators.salesforce.schema import NUMBER_TYPES, TEXT_TYPES, FieldDef
from emulators.salesforce.soql_exec import CompiledQuery

_APEX_TYPES = {
    "id": "Id",
    "reference": "Id",
    "boolean": "Boolean",
    "date": "Date",
    "datetime": "Datetime",
    "currency": "Decimal",
    "double": "Double",
    "percent": "Double",
    "int": "Integer",
}


def _column(
    name: str,
    display: str,
    fdef: FieldDef | None = None,
    aggregate: bool = False,
    joins: list[dict[str, Any]] | None = None,
    apex: str | None = None,
) -> dict[str, Any]:
    kind = fdef.type if fdef is not None else ""
    return {
        "aggregate": aggregate,
        "apexType": apex if fdef is None else _APEX_TYPES.get(kind, "String"),
        "booleanType": kind == "boolean",
        "columnName": name,
        "custom": bool(fdef and fdef.custom),
        "displayName": display,
        "foreignKeyName": None,
        "insertable": bool(fdef and fdef.createable),
        "joinColumns": joins or [],
        "numberType": kind in NUMBER_TYPES or apex in ("Integer", "Decimal"),
        "textType": kind in TEXT_TYPES and kind not in ("id", "reference"),
        "updatable": bool(fdef and fdef.updateable),
    }


def column_metadata(query: CompiledQuery) -> dict[str, Any]:
    columns: list[dict[str, Any]] = []
    for kind, item in query.items:
        if kind == "agg":
            apex = "Integer" if item.func.startswith("COUNT") else None
            if apex is None and item.column is not None:
                apex = _APEX_TYPES.get(item.column.fdef.type, "String")
            columns.append(_column(item.name, item.display, aggregate=True, apex=apex))
        elif kind == "child":
            child = column_metadata(item.query)["columnMetadata"]
            columns.append(
                _column(item.relationship, item.relationship, aggregate=True, joins=child)
            )
        elif item.parent is None:
            columns.append(_column(item.fdef.name, item.fdef.name, item.fdef))
        else:
            rel, name = item.path
            join = _column(name, f"{rel}.{name}", item.fdef)
            existing = next((c for c in columns if c["columnName"] == rel), None)
            if existing is not None and existing["joinColumns"]:
                existing["joinColumns"].append(join)
            else:
                columns.append(_column(rel, rel, None, joins=[join], apex=None))
    return {
        "columnMetadata": columns,
        "entityName": query.obj.name,
        "groupBy": bool(query.group),
        "idSelected": any(k == "field" and i.path == ("Id",) for k, i in query.items),
        "keyPrefix": query.obj.key_prefix,
    }
