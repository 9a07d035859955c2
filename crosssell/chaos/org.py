"""The Salesforce org of a fault run: the emulator as a process of its own.

``crosssell up`` runs the emulator as one of its children, so stopping or
killing the whole system would also wipe the org (the emulator keeps its
records in memory), and the Opportunities the system had written would look
lost. A real org outlives the system that writes to it, so the fault suite
runs the emulator beside the supervisor (``Supervisor(with_emulator=False)``
with the ``SF_*`` settings pointing at it): the whole-system rows stop and
kill everything but the org.
"""

from __future__ import annotations

import json
import os
import secrets
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import IO
from urllib.parse import quote

import httpx

from crosssell.supervisor import EMULATOR_PORT
from shared.embedded import _die_with_parent


class Org:
    def __init__(self, data_dir: Path, port_offset: int, crm_sync_port: int) -> None:
        self.port = EMULATOR_PORT + port_offset
        self.state_dir = data_dir / "sf"
        self.logs = data_dir / "logs"
        self.crm_sync_port = crm_sync_port
        self.client_id = "crosssell-chaos"
        self.client_secret = secrets.token_urlsafe(24)
        self.webhook_secret = secrets.token_urlsafe(24)
        self.outbound_token = secrets.token_urlsafe(24)
        self.admin_token = secrets.token_urlsafe(24)
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_path(self) -> Path:
        return self.state_dir / "ca.pem"

    def service_env(self) -> dict[str, str]:
        """What the services need to reach this org (as ``crosssell up`` would set)."""
        return {
            "SF_LOGIN_URL": self.url,
            "SF_CA_PATH": str(self.ca_path),
            "SF_CLIENT_ID": self.client_id,
            "SF_CLIENT_SECRET": self.client_secret,
            "SF_WEBHOOK_SECRET": self.webhook_secret,
            "SF_OUTBOUND_TOKEN": self.outbound_token,
        }

    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def _emulator_env(self) -> dict[str, str]:
        """Its secrets by environment only (``ps`` shows every argument), the
        Outbound Message URL carrying the token as a real org's does."""
        from services.crm_sync.settings import DEFAULT_OUTBOUND_FIELDS

        outbound = f"http://127.0.0.1:{self.crm_sync_port}/v1/salesforce/outbound-message"
        rule = {
            "object": "Opportunity",
            "fields": list(DEFAULT_OUTBOUND_FIELDS),
            "endpoint_url": f"{outbound}?token={quote(self.outbound_token, safe='')}",
        }
        return {
            **os.environ,
            "SF_EMULATOR_CLIENT_ID": self.client_id,
            "SF_EMULATOR_CLIENT_SECRET": self.client_secret,
            "SF_EMULATOR_ADMIN_TOKEN": self.admin_token,
            "SF_EMULATOR_OUTBOUND_RULES": json.dumps([rule]),
        }

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout_s: float = 90.0) -> None:
        if self.running:
            return
        self.logs.mkdir(parents=True, exist_ok=True)
        self._log = open(self.logs / "sf_emulator.log", "ab")  # noqa: SIM115 - closed in stop
        self._proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "crosssell.cli", "sf-emulator"),
                *("--port", str(self.port), "--state-dir", str(self.state_dir)),
            ],
            env=self._emulator_env(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # noqa: PLW1509
        )
        deadline = time.monotonic() + timeout_s
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(f"the Salesforce emulator exited; see {self.logs}")
            try:
                verify: bool | str = str(self.ca_path) if self.ca_path.exists() else False
                if httpx.get(f"{self.url}/admin/health", verify=verify, timeout=2).is_success:
                    return
            except (httpx.HTTPError, ssl.SSLError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Salesforce emulator not ready after {timeout_s:.0f}s")
            time.sleep(0.2)

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
            self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
