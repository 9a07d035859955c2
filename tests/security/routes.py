"""The routes of a FastAPI app, flattened, with the API-key scope each requires."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

# /v1 routes that authenticate another way (signatures, vendor tokens, the org id).
# Every other /v1 route must need a key (the test clock's too: admin scope).
NOT_KEYED = {
    "/v1/events",
    "/v1/ingest/churnzero",
    "/v1/ingest/gainsight",
    "/v1/salesforce/outbound-message",
    "/v1/salesforce/webhook",
}


@dataclass(frozen=True)
class RouteInfo:
    method: str
    path: str
    scopes: tuple[str, ...]
    has_body: bool

    def concrete(self, value: str = "x") -> str:
        """The path with every ``{param}`` replaced by ``value``."""
        out, depth = "", 0
        for char in self.path:
            if char == "{":
                depth += 1
                out += value
            elif char == "}":
                depth -= 1
            elif depth == 0:
                out += char
        return out


def _flat(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    for route in routes:
        if hasattr(route, "original_router"):  # an included router (FastAPI >= 0.16x)
            yield from _flat(route.original_router.routes, prefix + route.include_context.prefix)
        elif isinstance(route, APIRoute):
            yield prefix, route


def _scopes(dependant: Any) -> list[str]:
    found: list[str] = []
    for dep in dependant.dependencies:
        call = dep.call
        if call is not None and getattr(call, "__qualname__", "").startswith("require."):
            found.append(inspect.getclosurevars(call).nonlocals["scope"])
        found += _scopes(dep)
    return found


def api_routes(app: FastAPI) -> list[RouteInfo]:
    out = []
    for prefix, route in _flat(list(app.routes)):
        for method in sorted(route.methods or ()):
            out.append(
                RouteInfo(
                    method,
                    prefix + route.path,
                    tuple(_scopes(route.dependant)),
                    route.body_field is not None,
                )
            )
    return out
