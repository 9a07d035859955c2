"""Run the Salesforce emulator over HTTPS: in tests (context manager) or as a CLI.

In tests::

    with EmulatorServer(state_dir=tmp_path, daily_limit=5000) as sf:
        session = requests.Session()
        session.verify = str(sf.ca_path)
        session.trust_env = False  # else REQUESTS_CA_BUNDLE silently overrides verify
        ... sf.base_url, sf.client_id, sf.client_secret, sf.org_id ...

From the CLI (``crosssell sf-emulator`` calls ``main(argv)``); every option
also reads an environment variable ``SF_EMULATOR_<NAME>``:

  --host HOST                 bind address (127.0.0.1)
  --port PORT                 port, 0 = any free port (8443)
  --state-dir DIR             where the CA, key and server cert are written
                              (.crosssell/sf-emulator)
  --ca-path FILE              CA PEM for clients (STATE_DIR/ca.pem)
  --daily-limit N             daily API allocation in Sforce-Limit-Info (100000)
  --session-ttl-s SECONDS     access-token lifetime (7200)
  --org-id ID                 organization id (00D000000000001AAA)
  --client-id ID               accepted OAuth2 client id; its secret is read from
                              SF_EMULATOR_CLIENT_SECRET only (never an argument:
                              a command line is visible to every local user)
  SF_EMULATOR_ADMIN_TOKEN     the bearer token /admin/* requires (environment
                              only); without one the CLI makes one and writes it
                              to STATE_DIR/admin-token (0600)
  --outbound-rules JSON|FILE  outbound rules: a JSON list, or a .json/.yaml file,
                              of {"object", "fields", "endpoint_url"}
  --outbound-rule SPEC        repeatable shorthand Object:Field1,Field2@URL
  --outbound-retry-initial-s / --outbound-retry-cap-s / --outbound-give-up-s
                              delivery backoff (0.2 / 10 / 86400)
  --[no-]enforce-validation-rules  evaluate the metadata's validation rules, as a
                              real org always does (on; "no-" only for tests)
  --metadata-dir DIR          SFDX project to read (deploy/salesforce)
  --log-level LEVEL           uvicorn log level (warning)

``main`` prints the base URL and CA path, then serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import requests
import uvicorn
import yaml

from emulators.salesforce import tls
from emulators.salesforce.app import create_app
from emulators.salesforce.org import Org, OrgConfig
from emulators.salesforce.outbound import RetryPolicy
from emulators.salesforce.standard_objects import default_metadata_dir

DEFAULTS = OrgConfig()
# Secrets are read from these variables only: no option takes them (``ps`` shows arguments).
ENV_ONLY = ("SF_EMULATOR_CLIENT_SECRET", "SF_EMULATOR_ADMIN_TOKEN")


class _QuietShutdown(logging.Filter):
    """Drop uvicorn's error line for the short graceful-shutdown timeout we chose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "timeout graceful shutdown exceeded" not in record.getMessage()


class EmulatorServer:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        state_dir: Path | None = None,
        daily_limit: int = DEFAULTS.daily_limit,
        session_ttl_s: float = DEFAULTS.session_ttl_s,
        outbound_rules: Sequence[Mapping[str, Any]] = (),
        org_id: str = DEFAULTS.org_id,
        client_id: str = DEFAULTS.client_id,
        client_secret: str = DEFAULTS.client_secret,
        admin_token: str | None = None,
        enforce_validation_rules: bool = True,
        metadata_dir: Path | None = None,
        outbound_retry: RetryPolicy | None = None,
        ca_path: Path | None = None,
        log_level: str = "warning",
    ) -> None:
        self.host = host
        self.port = port
        self.state_dir = state_dir or Path(tempfile.mkdtemp(prefix="sf-emulator-"))
        self._ca_path = ca_path
        self.client_id = client_id
        self.client_secret = client_secret
        self.log_level = log_level
        self.org = Org(
            OrgConfig(
                org_id=org_id,
                client_id=client_id,
                client_secret=client_secret,
                admin_token=admin_token,
                daily_limit=daily_limit,
                session_ttl_s=session_ttl_s,
                enforce_validation_rules=enforce_validation_rules,
                metadata_dir=metadata_dir or default_metadata_dir(),
                outbound_rules=tuple(dict(r) for r in outbound_rules),
                outbound_retry=outbound_retry or RetryPolicy(),
            )
        )
        self.base_url = ""
        self.ca_path = Path()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def org_id(self) -> str:
        return self.org.config.org_id

    def start(self, timeout_s: float = 15.0) -> EmulatorServer:
        files = tls.issue(self.state_dir, [self.host], self._ca_path)
        self.ca_path = files.ca_path
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.base_url = f"https://{shown}:{self.port}"
        self.org.base_url = self.base_url
        config = uvicorn.Config(
            create_app(self.org),
            ssl_certfile=str(files.cert_path),
            ssl_keyfile=str(files.key_path),
            log_level=self.log_level,
            access_log=False,
            lifespan="on",
            # Idle keep-alive TLS connections wait for the client's close_notify, which
            # pooled clients never send; do not let them hold up stop() for long.
            timeout_graceful_shutdown=1,
        )
        uvicorn_log = logging.getLogger("uvicorn.error")
        if not any(isinstance(f, _QuietShutdown) for f in uvicorn_log.filters):
            uvicorn_log.addFilter(_QuietShutdown())
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._run, args=(self._server, sock), name="sf-emulator", daemon=True
        )
        self._thread.start()
        self._wait_ready(timeout_s)
        return self

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # surfaced to the caller by start()
            self._failure = exc
        finally:
            sock.close()

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._failure is not None:
                raise RuntimeError("Salesforce emulator failed to start") from self._failure
            if self._server is not None and self._server.started:
                try:
                    requests.get(
                        f"{self.base_url}/admin/health", verify=str(self.ca_path), timeout=2
                    ).raise_for_status()
                    return
                except requests.RequestException:
                    pass
            time.sleep(0.02)
        self.stop()
        raise TimeoutError(f"Salesforce emulator did not answer within {timeout_s}s")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def serve_forever(self, on_ready: Callable[[EmulatorServer], None] | None = None) -> None:
        """Start, then block until SIGINT/SIGTERM (or ``stop()`` from another thread)."""
        stopped = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stopped.set())
        self.start()
        if on_ready is not None:
            on_ready(self)
        try:
            while not stopped.wait(0.5):
                if self._thread is None or not self._thread.is_alive():
                    break
        finally:
            self.stop()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# -- CLI ----------------------------------------------------------------------


def _parse_rule(spec: str) -> dict[str, Any]:
    head, _, url = spec.partition("@")
    sobject, _, fields = head.partition(":")
    if not (sobject and url):
        raise argparse.ArgumentTypeError(f"expected Object:Field1,Field2@URL, got {spec!r}")
    return {"object": sobject, "fields": [f for f in fields.split(",") if f], "endpoint_url": url}


def _load_rules(value: str) -> list[dict[str, Any]]:
    if not value:
        return []
    text = value
    if not value.lstrip().startswith("["):
        text = Path(value).read_text()
    loaded = yaml.safe_load(text) if value.endswith((".yaml", ".yml")) else json.loads(text)
    if not isinstance(loaded, list):
        raise argparse.ArgumentTypeError("outbound rules must be a list")
    return loaded


def build_parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    def opt(name: str, default: Any) -> Any:
        return env.get("SF_EMULATOR_" + name.upper().replace("-", "_"), default)

    parser = argparse.ArgumentParser(prog="sf-emulator", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default=opt("host", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(opt("port", 8443)))
    parser.add_argument(
        "--state-dir", type=Path, default=Path(opt("state-dir", ".crosssell/sf-emulator"))
    )
    parser.add_argument("--ca-path", type=Path, default=opt("ca-path", None))
    parser.add_argument(
        "--daily-limit", type=int, default=int(opt("daily-limit", DEFAULTS.daily_limit))
    )
    parser.add_argument(
        "--session-ttl-s", type=float, default=float(opt("session-ttl-s", DEFAULTS.session_ttl_s))
    )
    parser.add_argument("--org-id", default=opt("org-id", DEFAULTS.org_id))
    parser.add_argument("--client-id", default=opt("client-id", DEFAULTS.client_id))
    parser.add_argument(
        "--outbound-rules", type=_load_rules, default=_load_rules(opt("outbound-rules", ""))
    )
    parser.add_argument("--outbound-rule", type=_parse_rule, action="append", default=[])
    parser.add_argument(
        "--outbound-retry-initial-s",
        type=float,
        default=float(opt("outbound-retry-initial-s", 0.2)),
    )
    parser.add_argument(
        "--outbound-retry-cap-s", type=float, default=float(opt("outbound-retry-cap-s", 10.0))
    )
    parser.add_argument(
        "--outbound-give-up-s", type=float, default=float(opt("outbound-give-up-s", 86400.0))
    )
    parser.add_argument(
        "--enforce-validation-rules",
        action=argparse.BooleanOptionalAction,
        default=opt("enforce-validation-rules", "1").lower() in ("1", "true", "yes"),
    )
    parser.add_argument(
        "--metadata-dir", type=Path, default=Path(opt("metadata-dir", str(default_metadata_dir())))
    )
    parser.add_argument("--log-level", default=opt("log-level", "warning"))
    return parser


def server_from_args(
    argv: Sequence[str] | None, env: Mapping[str, str], *, token_file: bool = False
) -> EmulatorServer:
    """The server the arguments and ``SF_EMULATOR_*`` variables describe; with
    ``token_file`` and no ``SF_EMULATOR_ADMIN_TOKEN``, /admin takes the token in
    ``STATE_DIR/admin-token`` (made if missing)."""
    args = build_parser(env).parse_args(argv)
    return EmulatorServer(
        host=args.host,
        port=args.port,
        state_dir=args.state_dir,
        ca_path=args.ca_path,
        daily_limit=args.daily_limit,
        session_ttl_s=args.session_ttl_s,
        org_id=args.org_id,
        client_id=args.client_id,
        client_secret=env.get("SF_EMULATOR_CLIENT_SECRET", DEFAULTS.client_secret),
        admin_token=env.get("SF_EMULATOR_ADMIN_TOKEN")
        or (admin_token_file(args.state_dir) if token_file else None),
        outbound_rules=[*args.outbound_rules, *args.outbound_rule],
        outbound_retry=RetryPolicy(
            args.outbound_retry_initial_s, args.outbound_retry_cap_s, args.outbound_give_up_s
        ),
        enforce_validation_rules=args.enforce_validation_rules,
        metadata_dir=args.metadata_dir,
        log_level=args.log_level,
    )


def admin_token_file(state_dir: Path) -> str:
    """A token for /admin kept in ``STATE_DIR/admin-token`` (0600), made once."""
    path = state_dir / "admin-token"
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(24))
    return path.read_text().strip()


def _announce(server: EmulatorServer) -> None:
    sys.stdout.write(
        f"Salesforce emulator at {server.base_url} (org {server.org_id})\n"
        f"  CA file: {server.ca_path}\n"
        f"  token:   POST {server.base_url}/services/oauth2/token (client id {server.client_id})\n"
        f"  admin:   {server.base_url}/admin/docs\n"
        f"           Authorization: Bearer <SF_EMULATOR_ADMIN_TOKEN, "
        f"or {server.state_dir}/admin-token>\n"
    )
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point (``crosssell sf-emulator``); blocks until SIGINT/SIGTERM."""
    server_from_args(argv, os.environ, token_file=True).serve_forever(on_ready=_announce)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
