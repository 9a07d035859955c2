"""A throwaway CA and server certificate for the emulator (trustme).

simple-salesforce builds ``https://`` URLs only, so the emulator must speak
TLS; clients trust it by pointing ``requests``' ``verify`` at the CA file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class TlsFiles:
    ca_path: Path
    cert_path: Path
    key_path: Path


def issue(state_dir: Path, hosts: list[str], ca_path: Path | None = None) -> TlsFiles:
    state_dir.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="Cross-sell Salesforce emulator")
    names = list(dict.fromkeys(["127.0.0.1", "localhost", *hosts]))
    cert = ca.issue_cert(*names)
    files = TlsFiles(
        ca_path=ca_path or state_dir / "ca.pem",
        cert_path=state_dir / "server-chain.pem",
        key_path=state_dir / "server-key.pem",
    )
    files.ca_path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole and then renamed: a client polling for the CA file never
    # reads a half-written one.
    tmp = files.ca_path.with_suffix(".pem.tmp")
    ca.cert_pem.write_to_path(str(tmp))
    tmp.replace(files.ca_path)
    files.cert_path.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    cert.private_key_pem.write_to_path(str(files.key_path))
    files.key_path.chmod(0o600)
    return files
