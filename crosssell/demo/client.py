"""HTTP client for the running system's public APIs (what ``crosssell up`` serves).

* signal_ingest: ``POST /v1/events`` in signed batches, ``GET /v1/signals``;
* play_orchestrator: ``/v1/plays`` (reads and commands), ``/v1/metrics/pipeline``;
* the Salesforce emulator: ``GET /admin/records/Opportunity`` (HTTPS, its own CA);
* every service's ``/metrics``, to tell when the consumers have gone quiet.
"""

from __future__ import annotations

import json
import os
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from shared.signature import sign

BATCH_SIZE = 500
ACTIVITY_METRICS = (
    "crosssell_messages_consumed_total",
    "crosssell_messages_duplicate_total",
    "crosssell_messages_dlq_total",
    "crosssell_outbox_published_total",
)


class DemoError(Exception):
    """Something the user has to fix; the message says what."""


@dataclass(frozen=True)
class Session:
    api_key: str
    urls: dict[str, str]
    sf_emulator: str | None
    sf_ca_path: str | None
    ingest_secret: str  # one secret for every source (given, or an older dev-secrets file)
    ingest_secrets: dict[str, str] = field(default_factory=dict)  # per source (crosssell up)
    sf_admin_token: str | None = None  # the emulator's /admin

    def secret_for(self, source: str) -> str:
        return self.ingest_secrets.get(source) or self.ingest_secret


def load_session(
    path: Path, api_key: str | None = None, ingest_secret: str | None = None
) -> Session:
    """Read ``crosssell up``'s session file (and the dev secrets beside it)."""
    if not path.exists():
        raise DemoError(f"no session file at {path}: run `crosssell up` first")
    try:
        raw = json.loads(path.read_text())
        urls = dict(raw["urls"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DemoError(f"{path} is not a crosssell session file ({exc})") from exc
    missing = [s for s in ("signal_ingest", "play_orchestrator") if s not in urls]
    if missing:
        raise DemoError(f"{path} has no URL for {', '.join(missing)}")
    secret = ingest_secret or os.environ.get("INGEST_HMAC_SECRET")
    secrets_file = path.parent / "dev-secrets.json"
    dev: dict[str, Any] = json.loads(secrets_file.read_text()) if secrets_file.exists() else {}
    # The system beside the session file checks exactly these; a given secret (or
    # INGEST_HMAC_SECRET left in the shell) signs only for sources not among them.
    per_source = dict(dev.get("ingest_source_secrets") or {})
    secret = secret or dev.get("ingest_hmac_secret") or ""
    if not secret and not per_source:
        raise DemoError(f"no ingest secret: pass --ingest-secret (none in {secrets_file})")
    key = api_key or raw.get("api_key")
    if not key:
        raise DemoError(f"no API key in {path}: pass --api-key")
    return Session(
        key,
        urls,
        raw.get("sf_emulator"),
        raw.get("sf_ca_path"),
        secret,
        per_source,
        dev.get("sf_emulator_admin_token"),
    )


@dataclass
class SourceTotals:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0


@dataclass
class IngestTotals:
    by_source: dict[str, SourceTotals] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)  # "<source> <event id>: <error>"

    def add(self, source: str, answer: dict[str, Any], batch: list[dict[str, Any]]) -> None:
        totals = self.by_source.setdefault(source, SourceTotals())
        totals.accepted += int(answer.get("accepted", 0))
        totals.duplicates += int(answer.get("duplicates", 0))
        for item in answer.get("rejected") or []:
            totals.rejected += 1
            index = item.get("index", -1)
            event_id = batch[index]["id"] if 0 <= index < len(batch) else "?"
            self.reasons.append(f"{source} {event_id}: {item.get('error')}")

    def total(self, name: str) -> int:
        return sum(getattr(t, name) for t in self.by_source.values())


@dataclass(frozen=True)
class Answer:
    """A play command's answer: the play on success, else the refusal."""

    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status < 300

    @property
    def reason(self) -> str:
        detail = self.body.get("detail", self.body)
        missing = self.body.get("missing")
        if missing and not all(m in str(detail) for m in missing):
            return f"{detail} (missing: {'; '.join(missing)})"
        if isinstance(detail, list):  # FastAPI's validation errors
            return "; ".join(
                f"{'.'.join(map(str, d.get('loc', [])))}: {d.get('msg')}" for d in detail
            )
        return str(detail)


def batches(
    events: list[dict[str, Any]], size: int = BATCH_SIZE
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(source, events) batches: one source each, every account's events in time order."""
    by_source: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_source.setdefault(event["source"], []).append(event)
    for source, items in by_source.items():
        items = sorted(items, key=lambda e: (e["account_id"], e["occurred_at"], e["id"]))
        for start in range(0, len(items), size):
            yield source, items[start : start + size]


class Api:
    def __init__(
        self,
        session: Session,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,  # tests: httpx.MockTransport
        backoff_s: float = 0.5,
    ) -> None:
        self.session = session
        self.backoff_s = backoff_s
        headers = {"Authorization": f"Bearer {session.api_key}"}
        # trust_env=False: this machine's proxy and CA-bundle variables are not ours.
        self.http = httpx.Client(
            headers=headers, timeout=timeout_s, trust_env=False, transport=transport
        )
        self.sf: httpx.Client | None = None
        if session.sf_emulator and session.sf_ca_path and Path(session.sf_ca_path).exists():
            context = ssl.create_default_context(cafile=session.sf_ca_path)
            admin = session.sf_admin_token
            self.sf = httpx.Client(
                base_url=session.sf_emulator,
                verify=context,
                timeout=timeout_s,
                trust_env=False,
                headers={"Authorization": f"Bearer {admin}"} if admin else None,
            )

    def close(self) -> None:
        self.http.close()
        if self.sf is not None:
            self.sf.close()

    def url(self, service: str, path: str) -> str:
        return self.session.urls[service].rstrip("/") + path

    # -- is it running -------------------------------------------------------------
    def check_running(self) -> None:
        for service in ("signal_ingest", "play_orchestrator", "crm_sync"):
            if service not in self.session.urls:
                continue
            url = self.url(service, "/readyz")
            try:
                answer = self.http.get(url, timeout=5)
            except httpx.HTTPError as exc:
                raise DemoError(
                    f"{service} is not answering at {url} ({type(exc).__name__}): "
                    "run `crosssell up` first"
                ) from exc
            if answer.status_code != 200:
                raise DemoError(f"{service} is not ready ({url} answered {answer.status_code})")

    # -- ingest --------------------------------------------------------------------
    def post_batch(
        self, source: str, batch: list[dict[str, Any]], attempts: int = 8
    ) -> dict[str, Any]:
        """Sign and send one batch; retry 503 (and connection errors) with backoff."""
        body = orjson.dumps({"events": batch})
        url = self.url("signal_ingest", "/v1/events")
        for attempt in range(attempts):
            signature = sign(self.session.secret_for(source).encode(), body, int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "X-Crosssell-Source": source,
                "X-Crosssell-Signature": signature,
            }
            try:
                answer = self.http.post(url, content=body, headers=headers)
            except httpx.TransportError:
                if attempt == attempts - 1:
                    raise
            else:
                if answer.status_code in (202, 422):
                    result: dict[str, Any] = answer.json()
                    return result
                if answer.status_code == 401:
                    raise DemoError(f"signal_ingest refused the signature: {_detail(answer)}")
                if answer.status_code != 503 or attempt == attempts - 1:
                    raise DemoError(
                        f"POST /v1/events answered {answer.status_code}: {_detail(answer)}"
                    )
            time.sleep(min(8.0, self.backoff_s * 2**attempt))
        raise AssertionError("unreachable")

    # -- reads ---------------------------------------------------------------------
    def _pages(self, url: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            query = {**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
            answer = self.http.get(url, params=query)
            _raise_for(answer)
            page = answer.json()
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    def signals(self, **filters: Any) -> list[dict[str, Any]]:
        return self._pages(self.url("signal_ingest", "/v1/signals"), filters)

    def plays(self, **filters: Any) -> list[dict[str, Any]]:
        return self._pages(self.url("play_orchestrator", "/v1/plays"), filters)

    def play(self, play_id: str) -> dict[str, Any]:
        answer = self.http.get(self.url("play_orchestrator", f"/v1/plays/{play_id}"))
        _raise_for(answer)
        result: dict[str, Any] = answer.json()
        return result

    def command(self, play_id: str, verb: str, body: dict[str, Any], actor: str) -> Answer:
        """``brief`` is a PUT; meeting, discovery, sponsor, exception, close are POSTs.
        ``actor``, the person on the account team, goes in ``X-Actor``."""
        url = self.url("play_orchestrator", f"/v1/plays/{play_id}/{verb}")
        payload = orjson.loads(orjson.dumps(body))  # datetimes to ISO strings
        headers = {"X-Actor": actor}
        for _ in range(3):
            if verb == "brief":
                answer = self.http.put(url, json=payload, headers=headers)
            else:
                answer = self.http.post(url, json=payload, headers=headers)
            # 409 "...; retry" is a concurrent update (a consumer touched the play).
            if answer.status_code == 409 and "current_state" not in answer.text:
                time.sleep(0.2)
                continue
            break
        try:
            parsed = answer.json()
        except ValueError:
            parsed = {"detail": answer.text[:300]}
        return Answer(
            answer.status_code, parsed if isinstance(parsed, dict) else {"detail": parsed}
        )

    def pipeline_metrics(self) -> dict[str, Any]:
        answer = self.http.get(self.url("play_orchestrator", "/v1/metrics/pipeline"))
        _raise_for(answer)
        result: dict[str, Any] = answer.json()
        return result

    def opportunities(self) -> list[dict[str, Any]] | None:
        """Opportunity records in the emulator; None when there is no emulator."""
        if self.sf is None:
            return None
        answer = self.sf.get("/admin/records/Opportunity", params={"limit": 100_000})
        _raise_for(answer)
        data = answer.json()
        records: list[dict[str, Any]] = data["records"] if isinstance(data, dict) else data
        return records

    def activity(self) -> int:
        """Sum of the consumer and outbox counters over every service's /metrics."""
        total = 0.0
        for service in self.session.urls:
            try:
                text = self.http.get(self.url(service, "/metrics"), timeout=5).text
            except httpx.HTTPError:
                continue
            for line in text.splitlines():
                if line.startswith(ACTIVITY_METRICS):
                    try:
                        total += float(line.rsplit(" ", 1)[1])
                    except ValueError:
                        pass
        return int(total)


def _detail(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("detail", answer.text))[:300]
    except ValueError:
        return answer.text[:300]


def _raise_for(answer: httpx.Response) -> None:
    if answer.status_code >= 400:
        raise DemoError(
            f"{answer.request.method} {answer.request.url.path} answered "
            f"{answer.status_code}: {_detail(answer)}"
        )
