"""Security headers on every answer (ASGI middleware, outermost).

APIs answer JSON (or SOAP) that no browser should render, frame or sniff:
``default-src 'none'``. The ops console (``/console``, on play_orchestrator)
keeps an API key in sessionStorage, so its policy allows only its own files
(no inline script or style, no eval) and API calls to the services it is
configured to reach. ``/docs`` and ``/redoc`` (Swagger UI and ReDoc load from
a CDN with an inline bootstrap script) get every header except the CSP.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
CONSOLE_PREFIX = "/console"
DOCS_PATHS = ("/docs", "/redoc")
# The settings a service's console may call besides its own origin.
CONSOLE_URL_SETTINGS = ("console_signal_ingest_url", "console_crm_sync_url")


def console_csp(other_origins: list[str]) -> str:
    connect = " ".join(["'self'", *sorted(set(other_origins))])
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect}; font-src 'self'; manifest-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
    )


def _origin(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def console_origins(settings: Any) -> list[str]:
    found = (_origin(str(getattr(settings, name, "") or "")) for name in CONSOLE_URL_SETTINGS)
    return [o for o in found if o]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._console_csp: str | None = None

    def _csp(self, scope: Scope) -> str | None:
        path: str = scope.get("path", "")
        if path.startswith(DOCS_PATHS):
            return None
        if path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/"):
            if self._console_csp is None:
                runtime = getattr(scope["app"].state, "runtime", None)
                if runtime is None:  # not started: only its own origin
                    return console_csp([])
                self._console_csp = console_csp(console_origins(runtime.settings))
            return self._console_csp
        return API_CSP

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = self._csp(scope)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON.items():
                    headers.setdefault(name, value)
                if csp is not None:
                    headers.setdefault("Content-Security-Policy", csp)
            await send(message)

        await self.app(scope, receive, with_headers)
