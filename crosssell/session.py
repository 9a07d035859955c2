"""Finding the running system: the session file ``crosssell up`` wrote.

``crosssell up`` writes ``<data dir>/session.json`` (0600: URLs, its admin API
key, the broker, its process id) and remembers where in
``$CROSSSELL_STATE_DIR`` (default ``$XDG_STATE_HOME/crosssell``, i.e.
``~/.local/state/crosssell``), so every subcommand finds the system from any
directory. Which session a command uses, first match wins:

1. ``--session FILE``; 2. ``$CROSSSELL_SESSION``; 3. of ``./.crosssell/session.json``
and the remembered one, the first whose ``crosssell up`` is still running;
4. the first of those two that exists.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import psutil

LOCAL = Path(".crosssell") / "session.json"


class SessionNotFound(LookupError):
    pass


def state_dir() -> Path:
    explicit = os.environ.get("CROSSSELL_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "crosssell"


def _pointer() -> Path:
    return state_dir() / "current-session"


def remember(session_file: Path) -> None:
    """Called by ``crosssell up`` once its session file is written."""
    pointer = _pointer()
    pointer.parent.mkdir(parents=True, exist_ok=True)
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(str(session_file.resolve()))
    tmp.replace(pointer)


def _remembered() -> Path | None:
    try:
        return Path(_pointer().read_text().strip())
    except OSError:
        return None


def _running(path: Path) -> bool:
    try:
        pid = int(json.loads(path.read_text()).get("pid") or 0)
    except (OSError, ValueError, TypeError, AttributeError):
        return False
    return pid > 0 and psutil.pid_exists(pid)


def find(explicit: Path | None = None) -> Path:
    """The session file to use (see the module's docstring for the order)."""
    if explicit is not None:
        return explicit
    from_env = os.environ.get("CROSSSELL_SESSION")
    if from_env:
        return Path(from_env)
    candidates = [p for p in (LOCAL.resolve(), _remembered()) if p is not None and p.exists()]
    for path in candidates:
        if _running(path):
            return path
    if candidates:
        return candidates[0]
    raise SessionNotFound(
        "no running system found: start one with `crosssell up` "
        f"(or pass --session; looked in {LOCAL} and {_pointer()})"
    )


def load(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SessionNotFound(f"{path} is not a readable session file ({exc})") from exc
    return data


def data_dir(path: Path, session: dict[str, Any]) -> Path:
    return Path(session.get("data_dir") or path.parent)


def api_keys_file(path: Path, session: dict[str, Any]) -> Path:
    return Path(session.get("api_keys_file") or data_dir(path, session) / "api_keys.json")


def ingest_secrets(path: Path, session: dict[str, Any]) -> dict[str, str]:
    """The per-source signing secrets of ``POST /v1/events`` the system was started
    with (``crosssell up`` keeps them in ``dev-secrets.json``)."""
    secrets_file = data_dir(path, session) / "dev-secrets.json"
    try:
        data = json.loads(secrets_file.read_text())
    except (OSError, ValueError):
        return {}
    found = data.get("ingest_source_secrets") or {}
    return {str(k): str(v) for k, v in found.items() if v}
