"""The README's shell examples, and running one as a user would.

Convention (also in an HTML comment at the top of README.md): every fenced
block tagged ``bash``, ``sh``, ``shell`` or ``console`` is an example. An HTML
comment on the line just before its fence says how the test treats it:

* ``<!-- readme-test: skip -->``: not run (installs, ``crosssell up`` and other
  long-running commands);
* ``<!-- readme-test: status 409 -->``: run; its curls must answer that
  status (several: ``status 200 409``) instead of 2xx.

A block runs in ``bash -e -o pipefail`` from a directory holding only a
``.venv`` link to the repository's (so ``.venv/bin/crosssell`` works and no
session file is found by accident), with ``127.0.0.1:800N`` moved to the ports
of the system under test. ``curl`` is wrapped to log every answer's status.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^```(\w*)\s*$")
MARKER = re.compile(r"<!--\s*readme-test:\s*(skip|status(?:\s+\d{3})+)\s*-->")
SHELL = {"bash", "sh", "shell", "console"}
PORT = re.compile(r"127\.0\.0\.1:(80\d\d|8443|9092)\b")

CURL_WRAPPER = """#!/bin/bash
# curl as the README calls it; logs each answer's HTTP status to $README_CURL_LOG.
body=$(mktemp)
code=$("$README_REAL_CURL" -o "$body" -w '%{http_code}' "$@")
rc=$?
cat "$body"
rm -f "$body"
echo "$code" >> "$README_CURL_LOG"
exit $rc
"""


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line of the opening fence
    code: str
    skip: bool
    statuses: tuple[int, ...]  # () means any 2xx

    @property
    def name(self) -> str:
        first = next((ln for ln in self.code.splitlines() if ln.strip()), "")
        return f"README.md:{self.line} {first[:60]}"


def shell_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        if fence.group(1) not in SHELL:
            continue
        before = lines[start - 1] if start else ""
        marker = MARKER.search(before)
        skip = bool(marker and marker.group(1) == "skip")
        statuses = tuple(int(n) for n in re.findall(r"\d{3}", marker.group(1))) if marker else ()
        blocks.append(Block(start + 1, "\n".join(body) + "\n", skip, statuses))
    return blocks


def moved(code: str, offset: int) -> str:
    """The block with the default ports moved by ``offset``."""
    return PORT.sub(lambda m: f"127.0.0.1:{int(m.group(1)) + offset}", code)


@dataclass(frozen=True)
class Ran:
    returncode: int
    output: str
    statuses: list[int]


def prepare(work: Path, repo: Path) -> dict[str, str]:
    """A directory to run blocks from, and the environment additions they need."""
    work.mkdir(parents=True, exist_ok=True)
    link = work / ".venv"
    if not link.exists():
        link.symlink_to(repo / ".venv")
    bin_dir = work / "bin"
    bin_dir.mkdir(exist_ok=True)
    wrapper = bin_dir / "curl"
    wrapper.write_text(CURL_WRAPPER)
    wrapper.chmod(0o755)
    real = shutil.which("curl")
    assert real, "curl is needed to run the README's examples"
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "README_REAL_CURL": real,
    }


def run_block(block: Block, offset: int, work: Path, env: dict[str, str], timeout_s: float) -> Ran:
    log = work / "curl-status.log"
    log.write_text("")
    run = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", moved(block.code, offset)],
        cwd=work,
        env={**env, "README_CURL_LOG": str(log)},
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    statuses = [int(s) for s in log.read_text().split() if s.isdigit()]
    return Ran(run.returncode, run.stdout[-4000:] + run.stderr[-4000:], statuses)
