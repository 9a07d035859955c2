"""One emulated org: schema, records, sessions, API usage, faults, outbound.

``Org.handle`` is the whole data API as a function of (method, path, query,
body, token): the HTTP app is a thin adapter over it, and the in-process
gateway fake calls it directly, so both see identical semantics — including
usage counting, the daily allocation and injected faults.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulators.salesforce import composite
from emulators.salesforce.auth import Sessions, TokenError, TokenIssuer, Users
from emulators.salesforce.bulk_ingest import IngestJobs
from emulators.salesforce.bulk_query import QueryJobs
from emulators.salesforce.errors import SfError, limit_exceeded, lock_error, session_invalid
from emulators.salesforce.faults import Faults
from emulators.salesforce.ids import IdFactory
from emulators.salesforce.limits import org_limits
from emulators.salesforce.outbound import Outbound, RetryPolicy
from emulators.salesforce.rest import CallContext, Reply, RestApi
from emulators.salesforce.standard_objects import build_schema, default_metadata_dir
from emulators.salesforce.store import Store

# What a current org serves: Summer '14 (31.0) through Winter '25 (62.0).
API_VERSIONS = tuple(f"{v}.0" for v in range(31, 63))
_VERSION = re.compile(r"^v(\d+\.\d)$")


@dataclass(frozen=True)
class OrgConfig:
    org_id: str = "00D000000000001AAA"
    client_id: str = "crosssell-emulator"
    client_secret: str = "crosssell-emulator-secret"
    daily_limit: int = 100_000
    session_ttl_s: float = 7200.0
    # A real org always enforces its active validation rules; tests may switch them off.
    enforce_validation_rules: bool = True
    metadata_dir: Path = field(default_factory=default_metadata_dir)
    outbound_rules: tuple[dict[str, Any], ...] = ()
    outbound_retry: RetryPolicy = field(default_factory=RetryPolicy)
    outbound_verify: bool | str = False
    admin_token: str | None = None  # None: /admin is open (in-process tests)


@dataclass
class Usage:
    limit: int
    used: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    refused: int = 0

    def header(self) -> str:
        return f"api-usage={self.used}/{self.limit}"

    def view(self) -> dict[str, Any]:
        return {
            "used": self.used,
            "limit": self.limit,
            "by_kind": dict(self.by_kind),
            "refused": self.refused,
        }


def _call_kind(parts: list[str]) -> str:
    head = parts[0] if parts else "resources"
    if head == "composite":
        return "collections" if len(parts) > 1 else "composite"
    return head


class Org:
    def __init__(self, config: OrgConfig, base_url: str = "https://127.0.0.1") -> None:
        self.config = config
        self.base_url = base_url
        self.ids = IdFactory()
        self.store = Store(
            build_schema(config.metadata_dir), self.ids, config.enforce_validation_rules
        )
        self.rest = RestApi(self.store)
        self.rest.composite = lambda body, ctx: composite.handle(self.rest, body, ctx)
        self.usage = Usage(config.daily_limit)
        self.ingest = IngestJobs(self.rest, self.ids.new)
        self.rest.jobs = {"ingest": self.ingest, "query": QueryJobs(self.rest, self.ids.new)}
        self.rest.identity_url = lambda user: f"{self.base_url}/id/{config.org_id}/{user}"
        self.rest.limits = lambda: org_limits(self.usage.limit, self.usage.used, self.usage_of)
        self.faults = Faults()
        self.sessions = Sessions(config.session_ttl_s)
        self.users = Users(self.ids)
        self.users.attach(self.store, config.org_id, "Crosssell Emulator Org")
        self.tokens = TokenIssuer(
            config.org_id, config.client_id, config.client_secret, self.sessions, self.users
        )
        self.outbound = Outbound(
            self.store,
            self.ids,
            config.org_id,
            lambda: self.base_url,
            config.outbound_retry,
            config.outbound_verify,
        )
        self.outbound.configure(list(config.outbound_rules))
        self.store.on_commit = self.outbound.on_commit

    def usage_of(self, kind: str) -> int:
        """Usage the limits resource reports besides daily API requests."""
        if kind == "DailyBulkApiBatches":
            return self.ingest.batches
        if kind == "DailyBulkV2QueryJobs":
            return int(self.rest.jobs["query"].created)
        return 0

    def reset_bulk(self) -> None:
        for jobs in self.rest.jobs.values():
            jobs.jobs.clear()

    def token(self, form: Mapping[str, str]) -> Reply:
        """OAuth2 token endpoint; not an API call, so it never counts against usage."""
        try:
            return Reply(200, self.tokens.grant(form, self.base_url))
        except TokenError as err:
            return Reply(400, err.body)

    def versions(self) -> list[dict[str, str]]:
        return [
            {"label": f"v{v}", "url": f"/services/data/v{v}", "version": v} for v in API_VERSIONS
        ]

    def handle(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        body: bytes | None,
        headers: Mapping[str, str],
        token: str | None,
    ) -> Reply:
        """Serve ``/services/data/{path}``; every reply carries Sforce-Limit-Info."""
        reply = self._handle(method, path, params, body, headers, token)
        reply.headers["Sforce-Limit-Info"] = self.usage.header()
        return reply

    def _handle(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        body: bytes | None,
        headers: Mapping[str, str],
        token: str | None,
    ) -> Reply:
        parts = [p for p in path.split("/") if p]
        if not parts:
            return Reply(200, self.versions())
        version = _VERSION.match(parts[0])
        if version is None:
            return _error(SfError("NOT_FOUND", "The requested resource does not exist", 404))
        delay = self.faults.latency_s(path)
        outage = self.faults.take(path, "status")
        if outage is not None:
            return _error(_unavailable(outage.status), delay)
        session = self.sessions.check(token)
        if session is None or self.faults.take(path, "session") is not None:
            return _error(session_invalid(), delay)
        if self.usage.used >= self.usage.limit:
            self.usage.refused += 1
            return _error(limit_exceeded(), delay)
        self.usage.used += 1
        self.usage.by_kind[_call_kind(parts[1:])] += 1
        if self.faults.take(path, "lock") is not None:
            return _error(lock_error(), delay)
        ctx = CallContext(
            session.user_id,
            version.group(1),
            {k.lower(): v for k, v in headers.items()},
            self.faults.take_record_lock,
        )
        try:
            if headers.get("content-type", "").lower().startswith("text/csv"):
                parsed: Any = (body or b"").decode("utf-8-sig")  # Bulk API 2.0 job data
            else:
                parsed = json.loads(body) if body else None
        except ValueError as exc:
            return _error(SfError("JSON_PARSER_ERROR", f"Unexpected character: {exc}"), delay)
        try:
            reply = self.rest.dispatch(method.upper(), parts[1:], params, parsed, ctx)
        except SfError as err:
            reply = _error(err)
        lost = self.faults.take(path, "status", after_commit=True)
        if lost is not None:  # the write happened, but the caller never hears so
            return _error(_unavailable(lost.status), delay)
        reply.delay_s = delay
        return reply


def _unavailable(status: int) -> SfError:
    return SfError("SERVER_UNAVAILABLE", "Service temporarily unavailable", status)


def _error(err: SfError, delay: float = 0.0) -> Reply:
    return Reply(err.status, err.body(), delay_s=delay)
