"""Ops API keys: ``Authorization: Bearer <key>``, stored hashed, with scopes.

Keys live in a JSON file every service reads (a mounted Secret in Kubernetes,
``.crosssell/api_keys.json`` locally), reloaded when it changes, so a key
created or revoked with ``crosssell apikey`` takes effect without a restart.
Only SHA-256 digests are stored: keys are 256-bit random tokens, not passwords.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status

SCOPES = ("read", "write", "admin")


@dataclass(frozen=True)
class Principal:
    key_id: str
    scopes: frozenset[str]
    label: str = ""  # who the key was made for: the actor of the changes it makes

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyStore:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._version: tuple[int, int, int] | None = None
        self._by_digest: dict[str, Principal] = {}

    def _reload_if_changed(self) -> None:
        # One stat per request (about a microsecond): a revoked key is refused on
        # the very next request, not a moment later. The file is replaced whole
        # (``_write``), so (mtime, size, inode) changes with every edit.
        try:
            stat = self._path.stat()
        except FileNotFoundError:
            self._by_digest, self._version = {}, None
            return
        version = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if version == self._version:
            return
        data = json.loads(self._path.read_text() or "{}")
        self._by_digest = {
            entry["sha256"]: Principal(
                entry["id"], frozenset(entry["scopes"]), str(entry.get("label") or "")
            )
            for entry in data.get("keys", [])
            if not entry.get("revoked")
        }
        self._version = version

    def authenticate(self, key: str) -> Principal | None:
        self._reload_if_changed()
        return self._lookup(_digest(key))

    def _lookup(self, digest: str) -> Principal | None:
        for known, principal in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                return principal
        return None


def create_key(path: Path, scopes: list[str], label: str = "") -> tuple[str, str]:
    """Add a key to the file; return (key id, the key itself — shown once)."""
    bad = [s for s in scopes if s not in SCOPES]
    if bad:
        raise ValueError(f"unknown scope(s): {', '.join(bad)}; use {', '.join(SCOPES)}")
    key_id = secrets.token_hex(4)
    key = f"csk_{key_id}_{secrets.token_urlsafe(32)}"
    data = _read(path)
    data["keys"].append(
        {
            "id": key_id,
            "label": label,
            "sha256": _digest(key),
            "scopes": sorted(set(scopes)),
            "created_at": datetime.now(UTC).isoformat(),
            "revoked": False,
        }
    )
    _write(path, data)
    return key_id, key


def revoke_key(path: Path, key_id: str) -> bool:
    data = _read(path)
    found = False
    for entry in data["keys"]:
        if entry["id"] == key_id:
            entry["revoked"] = True
            found = True
    _write(path, data)
    return found


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"keys": []}
    data: dict[str, Any] = json.loads(path.read_text() or "{}")
    data.setdefault("keys", [])
    return data


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def require(scope: str) -> Any:
    """FastAPI dependency: 401 without a valid key, 403 without ``scope``."""

    def dependency(request: Request) -> Principal:
        store: ApiKeyStore = request.app.state.api_keys
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "missing API key: send Authorization: Bearer <key>",
                headers={"WWW-Authenticate": "Bearer"},
            )
        principal = store.authenticate(token.strip())
        if principal is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "unknown or revoked API key",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not principal.allows(scope):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this key lacks the '{scope}' scope")
        return principal

    return Depends(dependency)


ReadScope = Annotated[Principal, require("read")]
WriteScope = Annotated[Principal, require("write")]
AdminScope = Annotated[Principal, require("admin")]
