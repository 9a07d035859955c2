"""API keys on every protected route of the three services (SPEC section 8):
none or malformed -> 401, a key without the scope -> 403, a revoked key -> 401 at once."""

from __future__ import annotations

import httpx

from shared.auth import revoke_key
from tests.security.conftest import System
from tests.security.routes import NOT_KEYED, RouteInfo, api_routes
from tests.security.support import Keys, Service, count

SUITE = "api keys (401/403/revoked)"


def _wrong_scope_key(keys: Keys, scope: str) -> str:
    """A valid key that lacks ``scope`` (admin implies every scope)."""
    return {"read": keys.write, "write": keys.read, "admin": keys.read_write}[scope]


def _right_scope_key(keys: Keys, scope: str) -> str:
    return {"read": keys.read, "write": keys.write, "admin": keys.admin}[scope]


def _protected(service: Service) -> list[RouteInfo]:
    return [r for r in api_routes(service.app) if r.scopes]


async def _call(
    http: httpx.AsyncClient, service: Service, route: RouteInfo, headers: dict[str, str]
) -> httpx.Response:
    return await http.request(
        route.method,
        service.url(route.concrete("sec-x")),
        headers=headers,
        json={} if route.has_body else None,
    )


def _check(route: RouteInfo, what: str, response: httpx.Response, expected: int) -> str | None:
    ok = response.status_code == expected
    count(SUITE, ok, f"{route.method} {route.path} {what}: {response.status_code}")
    if not ok:
        return f"{route.method} {route.path} {what}: {response.status_code} {response.text[:200]}"
    return None


async def test_every_v1_route_needs_a_key_or_is_a_signed_webhook(system: System) -> None:
    unguarded = [
        f"{service.name} {route.method} {route.path}"
        for service in system.services
        for route in api_routes(service.app)
        if route.path.startswith("/v1/") and not route.scopes and route.path not in NOT_KEYED
    ]
    assert not unguarded, f"routes without an API key check: {unguarded}"
    assert sum(len(_protected(s)) for s in system.services) >= 10


async def test_no_key_bad_key_and_wrong_scope_are_refused(system: System) -> None:
    keys = system.keys
    problems: list[str] = []
    async with httpx.AsyncClient(timeout=10) as http:
        for service in system.services:
            for route in _protected(service):
                scope = route.scopes[0]
                for what, headers, expected in (
                    ("no key", {}, 401),
                    ("empty bearer", {"Authorization": "Bearer"}, 401),
                    ("basic scheme", {"Authorization": f"Basic {keys.admin}"}, 401),
                    ("unknown key", Keys.bearer(keys.admin[:-4] + "AAAA"), 401),
                    ("key as scheme", {"Authorization": keys.admin}, 401),
                    ("wrong scope", Keys.bearer(_wrong_scope_key(keys, scope)), 403),
                ):
                    response = await _call(http, service, route, headers)
                    if expected == 401 and response.status_code == 401:
                        assert response.headers.get("www-authenticate") == "Bearer"
                    problem = _check(route, what, response, expected)
                    if problem:
                        problems.append(problem)
                right = await _call(
                    http, service, route, Keys.bearer(_right_scope_key(keys, scope))
                )
                ok = right.status_code not in (401, 403)
                count(SUITE, ok, f"{route.method} {route.path} right scope: {right.status_code}")
                if not ok:
                    problems.append(f"{route.method} {route.path} right scope refused")
    assert not problems, "\n".join(problems)


async def test_a_revoked_key_is_refused_immediately(system: System) -> None:
    keys = system.keys
    problems: list[str] = []
    async with httpx.AsyncClient(timeout=10) as http:
        routes = [(s, r) for s in system.services for r in _protected(s)]
        # The key works everywhere first, so every service has it cached.
        for service, route in routes:
            before = await _call(http, service, route, Keys.bearer(keys.revoked))
            assert before.status_code not in (401, 403), (route, before.text)
        assert revoke_key(keys.file, keys.revoked_id)
        for service, route in routes:
            response = await _call(http, service, route, Keys.bearer(keys.revoked))
            problem = _check(route, "revoked key", response, 401)
            if problem:
                problems.append(problem)
    assert not problems, "\n".join(problems)
